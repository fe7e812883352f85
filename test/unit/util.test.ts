import { describe, expect, it } from 'vitest';
import { parseBuilder } from '../../src/docker/builder.js';
import { isContainerdStore, parseEngine } from '../../src/docker/engine.js';
import { parseMetadata } from '../../src/buildx/metadata.js';
import { hostPlatform, normalizePlatform } from '../../src/util/platforms.js';
import { parseCliArgs, usage } from '../../src/cli.js';
import { INPUT_NAMES, INPUTS } from '../../src/input-table.js';
import { ActionError, failureMessage, InputError } from '../../src/errors.js';
import { lastErrorLine } from '../../src/util/exec.js';
import { escapeMarkdown, inlineCode } from '../../src/util/markdown.js';
import { isImageReferenceError, parseImageReference } from '../../src/util/reference.js';
import { parseFileCommands } from '../support/runner.js';

describe('parseImageReference', () => {
  it.each([
    ['alpine', { path: 'alpine' }],
    ['library/alpine:3', { path: 'library/alpine', tag: '3' }],
    ['127.0.0.1:5000/e2e/app:1.2.3', { registry: '127.0.0.1:5000', path: 'e2e/app', tag: '1.2.3' }],
    ['localhost/app', { registry: 'localhost', path: 'app' }],
    ['ghcr.io/org/app@sha256:' + 'a'.repeat(64), { registry: 'ghcr.io', path: 'org/app', digest: 'sha256:' + 'a'.repeat(64) }],
    ['ghcr.io/org/my_app__x-y.z:v1_2-3', { registry: 'ghcr.io', path: 'org/my_app__x-y.z', tag: 'v1_2-3' }],
  ])('%s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });
  it.each([
    ['', /empty/],
    ['Org/App', /invalid repository/],
    ['org/app:', /invalid tag/],
    ['org/app:a b', /white space/],
    ['org//app', /invalid repository/],
    ['org/app@sha256:xyz', /invalid digest/],
    ['org/app:' + 'x'.repeat(129), /invalid tag/],
    ['-org/app', /invalid repository/],
  ])('rejects %j', (ref, message) => {
    const parsed = parseImageReference(ref);
    expect(isImageReferenceError(parsed) && parsed.error).toMatch(message);
  });
});

describe('markdown escaping', () => {
  it.each([
    ['plain 1.2.3', 'plain 1.2.3'],
    ['a|b', 'a&#124;b'],
    ['@team', '&#64;team'],
    ['<!-- x -->', '&#60;&#33;-- x --&#62;'],
    ['[x](javascript:alert(1))', '&#91;x&#93;&#40;javascript:alert&#40;1&#41;&#41;'],
    ['line\nbreak', 'line break'],
    ['lone\rreturn', 'lone return'],
    ['crlf\r\nend', 'crlf end'],
    ['**bold** `code`', '&#42;&#42;bold&#42;&#42; &#96;code&#96;'],
  ])('escapeMarkdown(%j)', (text, expected) => {
    expect(escapeMarkdown(text)).toBe(expected);
  });
  it.each([
    ['v1.2.3', '`v1.2.3`'],
    ['a`b', '``a`b``'],
    ['`x', '`` `x ``'],
    ['a|b', '`a\\|b`'],
    ['x\ny', '`x y`'],
  ])('inlineCode(%j)', (text, expected) => {
    expect(inlineCode(text)).toBe(expected);
  });
});

describe('lastErrorLine', () => {
  it.each([
    ['#1 building\nERROR: failed to solve: exit code: 1\n', 'ERROR: failed to solve: exit code: 1'],
    ['ERROR: first\nsome context\nERROR: second\n\n', 'ERROR: second'],
    ['no error marker\nlast line\n', 'last line'],
    ['', ''],
  ])('%j', (stderr, expected) => {
    expect(lastErrorLine(stderr)).toBe(expected);
  });
});

describe('parseMetadata', () => {
  it('reads the fields buildx writes', () => {
    const m = parseMetadata(
      JSON.stringify({
        'containerimage.digest': 'sha256:d',
        'containerimage.config.digest': 'sha256:c',
        'image.name': 'r/a:1',
        'buildx.build.ref': 'default/default/x',
      }),
    );
    expect(m).toMatchObject({ digest: 'sha256:d', configDigest: 'sha256:c' });
  });
  it.each(['', 'not json', '[]', 'null'])('tolerates %j', (text) => {
    expect(parseMetadata(text)).toEqual({ raw: {}, digest: undefined, configDigest: undefined });
  });
});

describe('docker facts', () => {
  it('parses docker buildx inspect', () => {
    const text = 'Name:          default\nDriver:        docker\nLast Activity: 2026-11-22\n\nNodes:\nName:      default\n';
    expect(parseBuilder(text)).toEqual({
      name: 'default',
      driver: 'docker',
      nodes: [{ name: 'default', endpoint: '', status: '', platforms: [], configured: [] }],
    });
    expect(parseBuilder('garbage')).toBeUndefined();
  });
  it('recognises the containerd image store', () => {
    expect(isContainerdStore('[["driver-type","io.containerd.snapshotter.v1"]]')).toBe(true);
    expect(isContainerdStore('[["Backing Filesystem","extfs"],["Supports d_type","true"]]')).toBe(false);
  });
  it('parses the engine of docker version and docker info', () => {
    expect(parseEngine('27.5.1 linux/amd64\n', '[["driver-type","io.containerd.snapshotter.v1"]]')).toEqual({
      serverVersion: '27.5.1',
      platform: 'linux/amd64',
      containerdImageStore: true,
    });
    expect(parseEngine('26.1.0 linux/arm64/v8', '[]')).toEqual({
      serverVersion: '26.1.0',
      platform: 'linux/arm64',
      containerdImageStore: false,
    });
  });
  it.each([
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/riscv64', 'linux/riscv64'],
    ['linux/amd65', undefined],
    ['darwin/arm64', undefined],
  ])('normalizePlatform(%s)', (p, expected) => {
    expect(normalizePlatform(p)).toBe(expected);
  });
  it('maps node architectures to platforms', () => {
    expect(hostPlatform('x64')).toBe('linux/amd64');
    expect(hostPlatform('arm64')).toBe('linux/arm64');
  });
});

describe('failureMessage', () => {
  it.each([
    [new InputError('platforms', 'bad.'), "Input 'platforms': bad."],
    [new ActionError('Build failed: x'), 'Build failed: x'],
    [new Error('boom'), 'Unexpected error: boom'],
    ['a string', 'Unexpected error: a string'],
    [undefined, 'Unexpected error: undefined'],
  ])('%s', (error, expected) => {
    expect(failureMessage(error)).toBe(expected);
  });
});

describe('parseCliArgs', () => {
  it('reads every boolean input of the table as a bare flag, so it never swallows the next flag', () => {
    const booleans = INPUT_NAMES.filter((n) => INPUTS[n].kind === 'boolean');
    expect(booleans).toEqual(expect.arrayContaining(['push', 'load', 'go-cache']));
    for (const name of booleans) {
      expect(parseCliArgs([`--${name}`, '--platforms', 'linux/arm64']).values).toEqual({ [name]: 'true', platforms: 'linux/arm64' });
    }
  });
  it('--help lists every input of the table under its capability', () => {
    const text = usage();
    for (const name of INPUT_NAMES) expect(text).toMatch(new RegExp(`^  --${name} `, 'm'));
    expect(text).toMatch(/^Go cache:\n {2}--go-cache \[true\|false\] \(true\)$/m);
  });
  it('mirrors the inputs, joins repeated flags and takes bare booleans', () => {
    const args = parseCliArgs([
      '--context',
      'app',
      '--tags',
      'a:1',
      '--tags=a:2',
      '--push',
      '--build-args',
      'A=1',
      '--load',
      'false',
      '--verbose',
    ]);
    expect(args.values).toEqual({ context: 'app', tags: 'a:1\na:2', push: 'true', 'build-args': 'A=1', load: 'false' });
    expect(args.verbose).toBe(true);
  });
  it.each([
    [['--nope', 'x'], /'nope': is not an input/],
    [['stray'], /unexpected argument/],
    [['--context'], /needs a value/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe('the runner harness parses file commands', () => {
  it('reads heredoc and key=value forms', () => {
    const text = 'a<<ghadelimiter_1\nline1\nline2\nghadelimiter_1\nb=2\nempty<<D\n\nD\n';
    expect(parseFileCommands(text)).toEqual({ a: 'line1\nline2', b: '2', empty: '' });
  });
});

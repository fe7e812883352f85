/**
 * Inputs refused before any build: paths outside the workspace (also through a symbolic link),
 * a target that is no stage, a version no Docker tag or ldflags -X can carry.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultVersion, isValidVersion, sanitizeTag, versionProblem } from '../../src/release/version.js';
import { parseDockerfile } from '../../src/dockerfile/model.js';
import { isStageName, stageNames } from '../../src/dockerfile/stages.js';
import { parseInputs, type InputName } from '../../src/inputs.js';
import { parseSmokeInputs } from '../../src/smoke/inputs.js';
import { isWithin } from '../../src/util/workspace-path.js';
import { inputErrorOf, inputReader } from '../support/inputs.js';
import { tempDir } from '../support/temp.js';

const root = tempDir('inputs-refused');
const ws = join(root, 'ws');
const outside = join(root, 'outside');
mkdirSync(join(ws, 'app'), { recursive: true });
mkdirSync(outside);
const SECRET = 'root:x:0:0:do-not-print-me';
writeFileSync(join(outside, 'Dockerfile'), `FROM scratch AS ${SECRET}\n`);
writeFileSync(join(outside, 'compose.yaml'), `services: {}\n# ${SECRET}\n`);
writeFileSync(
  join(ws, 'app', 'Dockerfile'),
  'ARG GO_IMAGE=golang\nFROM ${GO_IMAGE} AS Build\nRUN true\nFROM scratch AS final\nCOPY --from=build /x /x\n',
);
writeFileSync(join(ws, 'Plain.Dockerfile'), 'FROM scratch\n');
writeFileSync(join(ws, 'compose.yaml'), 'services: {}\n');
symlinkSync(join(outside, 'Dockerfile'), join(ws, 'Linked.Dockerfile'));
symlinkSync(outside, join(ws, 'linked-dir'));
symlinkSync(join(outside, 'compose.yaml'), join(ws, 'linked.compose.yaml'));
symlinkSync(join(ws, 'app', 'Dockerfile'), join(ws, 'Inner.Dockerfile'));

const refusal = (values: Partial<Record<InputName, string>>) =>
  inputErrorOf(() => parseInputs(inputReader({ context: 'app', ...values }), ws));

describe('isWithin', () => {
  it.each<[string, string, boolean]>([
    ['/ws', '/ws', true],
    ['/ws', '/ws/a/b', true],
    ['/ws', '/ws/..foo', true],
    ['/ws', '/ws-other', false],
    ['/ws', '/', false],
    ['/ws', '/etc/passwd', false],
    ['/ws/a', '/ws', false],
  ])('%s holds %s: %s', (rootDir, path, expected) => {
    expect(isWithin(rootDir, path)).toBe(expected);
  });
});

describe('paths outside the workspace are refused, naming the input, without reading the file', () => {
  it.each<[string, Partial<Record<InputName, string>>, InputName, RegExp]>([
    [
      'an absolute Dockerfile elsewhere',
      { file: '/etc/passwd' },
      'file',
      /^Input 'file': '\/etc\/passwd' is outside the workspace \(GITHUB_WORKSPACE\)\. Expected the path of a Dockerfile/,
    ],
    ['a Dockerfile above the workspace', { file: '../outside/Dockerfile' }, 'file', /'\.\.\/outside\/Dockerfile' is outside the workspace/],
    [
      'a context above the workspace',
      { context: '../' },
      'context',
      /^Input 'context': '\.\.\/' is outside the workspace \(GITHUB_WORKSPACE\)\. Expected the path of the build context/,
    ],
    ['an absolute context elsewhere', { context: outside }, 'context', /is outside the workspace/],
    [
      'a Dockerfile linked to a file outside',
      { file: 'Linked.Dockerfile' },
      'file',
      /^Input 'file': 'Linked\.Dockerfile' leads \(through a symbolic link\) outside the workspace/,
    ],
    [
      'a context linked to a directory outside',
      { context: 'linked-dir' },
      'context',
      /'linked-dir' leads \(through a symbolic link\) outside/,
    ],
    [
      'the default Dockerfile of a linked context',
      { context: 'linked-dir', file: '' },
      'context',
      /leads \(through a symbolic link\) outside/,
    ],
    [
      'a compose file outside',
      { 'compose-file': '../outside/compose.yaml' },
      'compose-file',
      /^Input 'compose-file': '\.\.\/outside\/compose\.yaml' is outside the workspace/,
    ],
    [
      'a compose file linked outside',
      { 'compose-file': 'linked.compose.yaml' },
      'compose-file',
      /'linked\.compose\.yaml' leads \(through a symbolic link\) outside/,
    ],
    [
      'an absolute compose file elsewhere',
      { 'compose-file': `compose.yaml\n${join(outside, 'compose.yaml')}` },
      'compose-file',
      /is outside the workspace/,
    ],
  ])('%s', (_, values, input, message) => {
    const error = refusal(values);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(SECRET);
  });

  it('takes paths inside the workspace, also through links that stay inside', () => {
    const inputs = parseInputs(inputReader({ context: 'app', file: 'Inner.Dockerfile', 'compose-file': './compose.yaml' }), ws);
    expect(inputs.file).toBe(join(ws, 'Inner.Dockerfile'));
    expect(inputs.smoke?.files).toEqual([join(ws, 'compose.yaml')]);
    expect(parseInputs(inputReader({ context: join(ws, 'app') }), ws).context).toBe(join(ws, 'app'));
    expect(parseSmokeInputs((n) => (n === 'compose-file' ? 'compose.yaml' : ''), ws)?.files).toEqual([join(ws, 'compose.yaml')]);
  });
});

describe('target must name a stage of the Dockerfile', () => {
  it('lists the stages when it does not', () => {
    const error = refusal({ target: 'nosuchstage' });
    expect(error.input).toBe('target');
    expect(error.message).toBe("Input 'target': 'nosuchstage' is not a stage of app/Dockerfile. Expected one of its stages: build, final.");
  });
  it('says so when the Dockerfile names no stage', () => {
    expect(refusal({ context: '.', file: 'Plain.Dockerfile', target: 'build' }).message).toMatch(
      /is not a stage of Plain\.Dockerfile\. Expected a stage named with FROM … AS <name>; it names none\./,
    );
  });
  it('takes a stage name in any case', () => {
    expect(parseInputs(inputReader({ context: 'app', target: 'BUILD' }), ws).target).toBe('BUILD');
    expect(parseInputs(inputReader({ context: 'app' }), ws).target).toBeUndefined();
  });
  it.each<[string, string[], string, boolean]>([
    ['FROM a AS One\nFROM b AS two\nFROM c\n', ['one', 'two'], 'ONE', true],
    ['FROM a\n', [], '0', false],
    ['FROM a AS x\nFROM b AS x\n', ['x'], 'y', false],
  ])('stageNames / isStageName %#', (text, names, target, expected) => {
    const model = parseDockerfile(text);
    expect(stageNames(model)).toEqual(names);
    expect(isStageName(model, target)).toBe(expected);
  });
});

describe('version: a Docker tag body that Go -ldflags -X can carry', () => {
  it.each<[string, boolean]>([
    ['1.2.3', true],
    ['1.2.3-rc.1', true],
    ['_x', true],
    ['main-0123456', true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['1.2 3', false],
    ['a;b', false],
    ['-x', false],
    ['.x', false],
    ['1.2.3+build', false],
    ['$(id)', false],
    ['', false],
  ])('%j valid: %s', (version, expected) => {
    expect(isValidVersion(version)).toBe(expected);
    expect(versionProblem(version) === undefined).toBe(expected);
  });

  it.each<[Partial<Record<InputName, string>>, InputName, RegExp]>([
    [
      { version: '1.2 3' },
      'version',
      /^Input 'version': '1\.2 3' contains white space\. Expected a Docker tag body \(\[A-Za-z0-9_\]\[A-Za-z0-9_\.-\]\{0,127\}\)/,
    ],
    [{ version: 'a;b' }, 'version', /^Input 'version': 'a;b' contains characters a Docker tag cannot hold\. Expected a Docker tag body/],
    [{ version: '-rc' }, 'version', /starts with \. or -/],
    [{ 'build-args': 'VERSION=x y' }, 'build-args', /^Input 'build-args': VERSION 'x y' contains white space\. Expected a Docker tag body/],
    [{ 'build-args': 'VERSION=ok\nVERSION=a&b' }, 'build-args', /VERSION 'a&b' contains characters/],
    [{ version: '1.0.0', 'build-args': 'VERSION=x y' }, 'build-args', /VERSION 'x y'/],
  ])('refuses %j', (values, input, message) => {
    const error = refusal(values);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
  });

  it('takes a valid version and VERSION build-arg', () => {
    const inputs = parseInputs(inputReader({ context: 'app', version: '1.2.3', 'build-args': 'VERSION=x_y.z-1' }), ws);
    expect(inputs.version).toBe('1.2.3');
  });
});

describe('the default version is always valid', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';
  it.each<[string, string]>([
    ['refs/tags/v1.2.3+build.5', '1.2.3'],
    ['refs/tags/nightly+5', 'nightly-5'],
    ['refs/tags/release/2024', 'release-2024'],
    ['refs/tags/%%%', '0123456'],
    ['refs/heads/.hidden', 'hidden-0123456'],
    [`refs/heads/${'b'.repeat(200)}`, `${'b'.repeat(120)}-0123456`],
    // One rule with the release tags: the branch part is the tag `feat` the branch gets.
    ['refs/heads/feat/ü', 'feat-0123456'],
  ])('%s -> %s', (ref, expected) => {
    const version = defaultVersion({ ref, sha });
    expect(version).toBe(expected);
    expect(isValidVersion(version)).toBe(true);
  });
  it.each([
    ['a b', 'a-b'],
    ['..x', 'x'],
    ['', ''],
  ])('sanitizeTag(%j) = %j', (text, expected) => {
    expect(sanitizeTag(text)).toBe(expected);
  });
});

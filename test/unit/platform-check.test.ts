import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { elfLinking, type ElfLinking } from '../../src/gobinary/elf.js';
import { MergedTree, type LayerEntry } from '../../src/size/image-files.js';
import {
  checkPlatforms,
  checkProgram,
  platformCheckExtras,
  platformCheckFailure,
  type ProgramFacts,
} from '../../src/size/platform-check.js';
import { measureBuild, platformCheckStage } from '../../src/size/stage.js';
import { parseMetadata } from '../../src/buildx/metadata.js';
import { elfProgram, goProgram, writeOciLayout } from '../support/size-fixtures.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { testPlan } from '../support/samples.js';

const linux = (arch: string, extra: Record<string, string> = {}): Record<string, string> => ({
  GOOS: 'linux',
  GOARCH: arch,
  CGO_ENABLED: '0',
  ...extra,
});
const STATIC: ElfLinking = { kind: 'static' };
const MUSL = '/lib/ld-musl-x86_64.so.1';
const dynamic: ElfLinking = { kind: 'dynamic', interpreter: MUSL };
const program = (platform: string, settings: Record<string, string>, more: Partial<ProgramFacts> = {}): ProgramFacts => ({
  platform,
  path: '/app/server',
  settings,
  linking: STATIC,
  ...more,
});

describe('checkProgram: the Go build info against the platform', () => {
  it.each<[string, ProgramFacts, { errors?: string[]; warnings?: string[]; unchecked?: string[] }]>([
    ['the platform it was built for', program('linux/arm64', linux('arm64')), {}],
    [
      'a hard-coded GOARCH',
      program('linux/arm64', linux('amd64')),
      { errors: ['linux/arm64: /app/server was built for linux/amd64 (GOARCH=amd64)'] },
    ],
    [
      'another GOOS',
      program('linux/amd64', { GOOS: 'darwin', GOARCH: 'amd64' }),
      { errors: ['linux/amd64: /app/server was built for darwin/amd64 (GOOS=darwin)'] },
    ],
    [
      'both wrong',
      program('linux/amd64', { GOOS: 'windows', GOARCH: 'arm64' }),
      { errors: ['linux/amd64: /app/server was built for windows/arm64 (GOOS=windows, GOARCH=arm64)'] },
    ],
    [
      'ARMv7 code in a v6 image',
      program('linux/arm/v6', linux('arm', { GOARM: '7' })),
      { errors: ["linux/arm/v6: /app/server was built for ARMv7 (GOARM=7), more than the platform's v6 promises"] },
    ],
    ['ARMv6 code in a v7 image: less is fine', program('linux/arm/v7', linux('arm', { GOARM: '6' })), {}],
    ['GOARM with its float mode (Go 1.22)', program('linux/arm/v6', linux('arm', { GOARM: '6,softfloat' })), {}],
    [
      'x86-64-v3 code in a v2 image',
      program('linux/amd64/v2', linux('amd64', { GOAMD64: 'v3' })),
      { errors: ["linux/amd64/v2: /app/server was built for x86-64-v3 (GOAMD64=v3), more than the platform's v2 promises"] },
    ],
    ['x86-64-v2 code in a v3 image', program('linux/amd64/v3', linux('amd64', { GOAMD64: 'v2' })), {}],
    ['the default x86-64-v1 in plain linux/amd64', program('linux/amd64', linux('amd64', { GOAMD64: 'v1' })), {}],
    [
      'x86-64-v3 code in plain linux/amd64: a warning',
      program('linux/amd64', linux('amd64', { GOAMD64: 'v3' })),
      {
        warnings: [
          'linux/amd64: /app/server was built for x86-64-v3 (GOAMD64=v3); the platform promises any amd64 CPU, so it stops with an illegal instruction on older ones',
        ],
      },
    ],
    [
      'ARMv8.2 code in plain linux/arm64: a warning',
      program('linux/arm64', linux('arm64', { GOARM64: 'v8.2,lse' })),
      { warnings: [expect.stringContaining('linux/arm64: /app/server was built for ARMv8.2 (GOARM64=v8.2,lse)')] },
    ],
    ['the default GOARM64 v8.0', program('linux/arm64', linux('arm64', { GOARM64: 'v8.0' })), {}],
    ['a static cgo program in scratch is fine', program('linux/amd64', linux('amd64', { CGO_ENABLED: '1' }), { linking: STATIC }), {}],
    [
      'a dynamic program whose loader is there',
      program('linux/amd64', linux('amd64', { CGO_ENABLED: '1' }), { linking: dynamic, loader: { present: true } }),
      {},
    ],
    [
      'a dynamic program whose loader is not',
      program('linux/amd64', linux('amd64', { CGO_ENABLED: '1' }), { linking: dynamic, loader: { present: false } }),
      {
        errors: [
          `linux/amd64: /app/server is dynamically linked (CGO_ENABLED=1) and needs ${MUSL}, which the image does not have: link it statically (CGO_ENABLED=0, without -buildmode=pie) or use a base image with this loader and its libc`,
        ],
      },
    ],
    [
      'a position-independent program without cgo is dynamic too',
      program('linux/amd64', linux('amd64', { '-buildmode': 'pie' }), {
        linking: { kind: 'dynamic', interpreter: '/lib64/ld-linux-x86-64.so.2' },
        loader: { present: false },
      }),
      {
        errors: [
          'linux/amd64: /app/server is dynamically linked (-buildmode=pie) and needs /lib64/ld-linux-x86-64.so.2, which the image does not have: link it statically (CGO_ENABLED=0, without -buildmode=pie) or use a base image with this loader and its libc',
        ],
      },
    ],
    [
      'a dynamic program whose layers could not be read',
      program('linux/amd64', linux('amd64', { CGO_ENABLED: '1' }), { linking: dynamic, loader: { unknown: 'HTTP 500' } }),
      { unchecked: [`linux/amd64: whether the image holds ${MUSL}, the loader of /app/server, could not be told: HTTP 500`] },
    ],
    [
      'a cgo program that is not ELF',
      program('linux/amd64', linux('amd64', { CGO_ENABLED: '1' }), { linking: { kind: 'unknown', why: 'not an ELF file' } }),
      { unchecked: ['linux/amd64: how /app/server is linked could not be read: not an ELF file'] },
    ],
    [
      'no Go binary',
      { platform: 'linux/amd64', missing: 'no Go binary found' },
      { unchecked: ['linux/amd64: not checked: no Go binary found'] },
    ],
    [
      'no GOOS/GOARCH recorded',
      program('linux/amd64', {}),
      { unchecked: ['linux/amd64: not checked: /app/server records no GOOS/GOARCH in its build info'] },
    ],
    [
      'an image that does not say its platform',
      program('unknown', linux('amd64')),
      { unchecked: ['unknown: not checked: the image does not say its platform'] },
    ],
  ])('%s', (_, facts, expected) => {
    expect(checkProgram(facts)).toEqual({
      errors: expected.errors ?? [],
      warnings: expected.warnings ?? [],
      unchecked: expected.unchecked ?? [],
    });
  });
});

describe('checkPlatforms', () => {
  it.each<[string, ProgramFacts[], string, number]>([
    ['every platform right', [program('linux/amd64', linux('amd64')), program('linux/arm64', linux('arm64'))], 'passed', 0],
    ['one wrong', [program('linux/amd64', linux('amd64')), program('linux/arm64', linux('amd64'))], 'failed', 1],
    ['a warning only', [program('linux/amd64', linux('amd64', { GOAMD64: 'v4' }))], 'passed', 0],
    [
      'one judged, one without a binary',
      [program('linux/amd64', linux('amd64')), { platform: 'linux/arm64', missing: 'no Go binary found' }],
      'passed',
      0,
    ],
    ['nothing to judge', [{ platform: 'linux/amd64', missing: 'no Go binary found' }], 'skipped', 0],
  ])('%s: %s', (_, programs, status, errors) => {
    const check = checkPlatforms(programs);
    expect(check.status).toBe(status);
    expect(check.errors).toHaveLength(errors);
    expect(platformCheckFailure(check) !== undefined).toBe(status === 'failed');
  });

  it('hands the size report every problem, errors first, and fails with one line per error', () => {
    const check = checkPlatforms([
      program('linux/arm64', linux('amd64')),
      program('linux/amd64', linux('amd64', { GOAMD64: 'v3' })),
      { platform: 'linux/arm/v7', missing: 'no Go binary found' },
    ]);
    expect(platformCheckExtras(check)).toEqual({
      status: 'failed',
      problems: [
        'linux/arm64: /app/server was built for linux/amd64 (GOARCH=amd64)',
        expect.stringMatching(/^linux\/amd64: \/app\/server was built for x86-64-v3/),
        'linux/arm/v7: not checked: no Go binary found',
      ],
    });
    expect(platformCheckFailure(check)).toBe(
      'Platform check failed: a Go binary does not match its platform:\n- linux/arm64: /app/server was built for linux/amd64 (GOARCH=amd64)',
    );
  });
});

describe('elfLinking', () => {
  it.each<[string, Buffer, ElfLinking]>([
    ['a static 64-bit program', elfProgram(undefined, Buffer.alloc(100)), { kind: 'static' }],
    ['a dynamic 64-bit program', elfProgram(MUSL, Buffer.alloc(100)), { kind: 'dynamic', interpreter: MUSL }],
    [
      'a dynamic 32-bit program',
      elfProgram('/lib/ld-linux-armhf.so.3', Buffer.alloc(100), false),
      { kind: 'dynamic', interpreter: '/lib/ld-linux-armhf.so.3' },
    ],
    ['a script', Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80, ' ')), { kind: 'unknown', why: 'not an ELF file' }],
    ['the header cut short', elfProgram(MUSL, Buffer.alloc(0)).subarray(0, 60), { kind: 'unknown', why: 'the ELF header is cut short' }],
    [
      'the loader path beyond the bytes read',
      elfProgram(MUSL, Buffer.alloc(0)).subarray(0, 64 + 112 + 4),
      { kind: 'unknown', why: 'the loader path lies beyond the bytes read' },
    ],
  ])('%s', (_, head, expected) => expect(elfLinking(head)).toEqual(expected));
});

const file = (name: string): LayerEntry => ({ name, type: '0', linkname: '' });
const dir = (name: string): LayerEntry => ({ name, type: '5', linkname: '' });
const link = (name: string, target: string): LayerEntry => ({ name, type: '2', linkname: target });

describe('MergedTree: a path in the merged layers, links followed', () => {
  it.each<[string, LayerEntry[][], string, string | undefined]>([
    ['a file', [[file('lib/ld-musl-x86_64.so.1')]], MUSL, MUSL],
    ['nothing there (scratch)', [[file('hello')]], MUSL, undefined],
    [
      "an absolute link (Debian's /lib64 loader)",
      [
        [
          file('lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
          link('lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
        ],
      ],
      '/lib64/ld-linux-x86-64.so.2',
      '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    ],
    ['a relative link', [[file('lib/ld-2.36.so'), link('lib/ld-linux.so.2', 'ld-2.36.so')]], '/lib/ld-linux.so.2', '/lib/ld-2.36.so'],
    [
      'a linked directory (merged /usr)',
      [[link('lib', 'usr/lib'), dir('usr/lib'), file('usr/lib/ld-musl-x86_64.so.1')]],
      MUSL,
      '/usr/lib/ld-musl-x86_64.so.1',
    ],
    ['a link that points nowhere', [[link('lib64/ld.so', '/nope/ld.so')]], '/lib64/ld.so', undefined],
    ['a link loop', [[link('a', 'b'), link('b', 'a')]], '/a', undefined],
    ['a directory is not a file', [[dir('lib/ld-musl-x86_64.so.1')]], MUSL, undefined],
    [
      'deleted by a whiteout in an upper layer',
      [[file('lib/ld-musl-x86_64.so.1')], [file('lib/.wh.ld-musl-x86_64.so.1')]],
      MUSL,
      undefined,
    ],
    ['its directory deleted by a whiteout', [[file('lib/ld-musl-x86_64.so.1')], [file('.wh.lib')]], MUSL, undefined],
    [
      'an opaque directory hides the lower layer',
      [[file('lib/ld-musl-x86_64.so.1')], [file('lib/.wh..wh..opq'), file('lib/other')]],
      MUSL,
      undefined,
    ],
    [
      'an opaque directory keeps its own layer',
      [[file('lib/old')], [file('lib/.wh..wh..opq'), file('lib/ld-musl-x86_64.so.1')]],
      MUSL,
      MUSL,
    ],
    [
      'put back above a whiteout',
      [[file('lib/ld-musl-x86_64.so.1')], [file('lib/.wh.ld-musl-x86_64.so.1')], [file('lib/ld-musl-x86_64.so.1')]],
      MUSL,
      MUSL,
    ],
    ['a hard link', [[file('lib/real'), { name: 'lib/ld-musl-x86_64.so.1', type: '1', linkname: 'lib/real' }]], MUSL, MUSL],
  ])('%s', (_, layers, path, expected) => {
    const tree = new MergedTree();
    for (const layer of layers) tree.applyLayer(layer);
    expect(tree.resolve(path)).toBe(expected);
  });
});

describe('measureBuild + platformCheckStage on OCI layouts', () => {
  const layouts: string[] = [];
  afterAll(() => layouts.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function check(platforms: Parameters<typeof writeOciLayout>[0]) {
    const { dir } = writeOciLayout(platforms);
    layouts.push(dir);
    const reporter = new RecordingReporter();
    const plan = testPlan({ platforms: platforms.map((p) => `${p.os}/${p.architecture}`), ociLayoutDir: dir });
    const measurement = await measureBuild(
      { plan, build: { ok: true, metadata: parseMetadata(''), log: '' }, ctx: { workspace: '/ws' } },
      reporter,
    );
    return { ...platformCheckStage(measurement, reporter), reporter };
  }

  it('an arm64 image holding an amd64 program fails, naming the platform, the binary and what it was built for', async () => {
    const { result, check: verdict } = await check([
      { os: 'linux', architecture: 'amd64', files: [[{ name: 'hello', content: goProgram(linux('amd64')) }]] },
      { os: 'linux', architecture: 'arm64', files: [[{ name: 'hello', content: goProgram(linux('amd64')) }]] },
    ]);
    expect(verdict.status).toBe('failed');
    expect(result.failures).toEqual([
      'Platform check failed: a Go binary does not match its platform:\n- linux/arm64: /hello was built for linux/amd64 (GOARCH=amd64)',
    ]);
  });

  it('a dynamically linked cgo program in scratch fails: its loader is not in the image', async () => {
    const { result } = await check([
      { os: 'linux', architecture: 'amd64', files: [[{ name: 'hello', content: goProgram(linux('amd64', { CGO_ENABLED: '1' }), MUSL) }]] },
    ]);
    expect(result.failures).toEqual([
      expect.stringContaining(`linux/amd64: /hello is dynamically linked (CGO_ENABLED=1) and needs ${MUSL}, which the image does not have`),
    ]);
  });

  it('the loader found through a linked directory in a lower layer passes; so does a static cgo program', async () => {
    const withLoader = await check([
      {
        os: 'linux',
        architecture: 'amd64',
        files: [
          [
            { name: 'usr/lib/ld-musl-x86_64.so.1', content: Buffer.from('loader') },
            { name: 'lib', content: Buffer.alloc(0), type: '2', linkname: 'usr/lib' },
          ],
          [{ name: 'hello', content: goProgram(linux('amd64', { CGO_ENABLED: '1' }), MUSL) }],
        ],
      },
    ]);
    expect(withLoader.check.status).toBe('passed');
    expect(withLoader.result.failures).toEqual([]);
    const staticCgo = await check([
      { os: 'linux', architecture: 'amd64', files: [[{ name: 'hello', content: goProgram(linux('amd64', { CGO_ENABLED: '1' })) }]] },
    ]);
    expect(staticCgo.check.status).toBe('passed');
  });

  it('no Go binary: skipped with the reason, no failure', async () => {
    const {
      result,
      check: verdict,
      reporter,
    } = await check([{ os: 'linux', architecture: 'amd64', files: [[{ name: 'data.txt', content: Buffer.from('x') }]] }]);
    expect(verdict).toMatchObject({ status: 'skipped', unchecked: ['linux/amd64: not checked: no Go binary found'] });
    expect(result.failures).toEqual([]);
    expect(reporter.lines).toContain('Platform check: linux/amd64: not checked: no Go binary found');
  });
});

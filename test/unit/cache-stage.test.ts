import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { helperArgv } from '../../src/go-cache/helpers.js';
import { serveArchives } from '../../src/go-cache/archive-server.js';
import { serveControl } from '../../src/go-cache/control-server.js';
import {
  cacheMountFlag,
  extractDockerfile,
  extractScript,
  heldDockerfile,
  heldScript,
  injectDockerfile,
  injectScript,
  type HelperMount,
} from '../../src/go-cache/scripts.js';
import type { CacheService } from '../../src/actions-cache/service.js';
import { cacheEnv } from '../../src/actions-cache/isolation.js';
import { readPostState, StateWriter } from '../../src/state.js';
import { forgetRestore, summarizeRestore, type SlotState } from '../../src/go-cache/session.js';
import { formatBinaryBytes } from '../../src/util/bytes.js';
import { restoreGoCaches } from '../../src/go-cache/restore.js';
import { saveGoCaches } from '../../src/go-cache/save.js';
import { trimAndJoin } from '../../src/go-cache/trim.js';
import { FakeDocker } from '../support/fake-docker.js';
import { indexTar, TarWriter } from '../../src/go-cache/tar.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('stage-unit');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mount = (name: string, slot: Partial<HelperMount['slot']> = {}): HelperMount => ({
  name,
  slot: { id: '/root/.cache/go-build', sharing: 'shared', kind: 'go-build', ...slot },
});

describe('helper builds', () => {
  it.each([
    [mount('s0'), '--mount=type=cache,id=/root/.cache/go-build,target=/gca/s0,sharing=shared'],
    [
      mount('s1', { id: 'mod-ci', sharing: 'locked', uid: '1000', gid: '1000', mode: '0755' }),
      '--mount=type=cache,id=mod-ci,target=/gca/s1,sharing=locked,uid=1000,gid=1000,mode=0755',
    ],
    [mount('s2', { id: 'odd,"id" x' }), '--mount=type=cache,"id=odd,""id"" x",target=/gca/s2,sharing=shared'],
  ])('mounts the same cache as the user: %#', (m, flag) => {
    expect(cacheMountFlag(m)).toBe(flag);
  });

  it('injects with a fresh nonce, no image output, the context bound read-only', () => {
    const text = injectDockerfile('golang:1.24-alpine', [mount('s0'), mount('s1', { id: '/go/pkg/mod', kind: 'go-modules' })]);
    // On the node's own platform: a node reached by a platform it emulates runs the helper natively.
    expect(text).toContain('FROM --platform=$BUILDPLATFORM golang:1.24-alpine\nUSER 0\nARG GCA_NONCE\n');
    expect(text).toContain('--mount=type=bind,target=/gca-in');
    expect(text).toContain('["/bin/sh", "/gca-in/inject.sh"]');
    expect(text).not.toMatch(/^# syntax/m);
    expect(helperArgv({ context: '/ctx', dockerfilePath: '/w/i.Dockerfile' }, 'n1')).toEqual([
      'buildx',
      'build',
      '--progress',
      'plain',
      '--provenance',
      'false',
      '--sbom',
      'false',
      '--file',
      '/w/i.Dockerfile',
      '--build-arg',
      'GCA_NONCE=n1',
      '--output',
      'type=cacheonly',
      '/ctx',
    ]);
    expect(helperArgv({ builder: 'b1', context: '/ctx', dockerfilePath: '/w/e.Dockerfile', tarOutput: '/w/e.tar' }, 'n2')).toContain(
      'type=tar,dest=/w/e.tar',
    );
  });

  it.each([
    ['one node: no platform, as before', { builder: 'gca-container' }, ['--builder', 'gca-container']],
    ['the docker driver', {}, []],
    [
      'the arm64 node of a two-node builder',
      { builder: 'gca-multi', platform: 'linux/arm64' },
      ['--builder', 'gca-multi', '--platform', 'linux/arm64'],
    ],
    ['the amd64 node', { builder: 'gca-multi', platform: 'linux/amd64' }, ['--builder', 'gca-multi', '--platform', 'linux/amd64']],
  ])('routes a helper to its node by platform: %s', (_name, over, routing) => {
    const argv = helperArgv({ context: '/ctx', dockerfilePath: '/w/i.Dockerfile', ...over }, 'n');
    expect(argv.slice(2, 2 + routing.length)).toEqual(routing);
    expect(argv[2 + routing.length]).toBe('--progress');
    expect(argv.filter((a) => a === '--platform')).toHaveLength('platform' in over ? 1 : 0);
  });

  it.each([
    ['inject', injectDockerfile, ['FROM --platform=$BUILDPLATFORM img:1']],
    ['held', heldDockerfile, ['FROM --platform=$BUILDPLATFORM img:1 AS pack', 'FROM scratch']],
    ['extract', extractDockerfile, ['FROM --platform=$BUILDPLATFORM img:1 AS pack', 'FROM scratch']],
  ])('runs the %s helper on the build platform, never emulated', (_kind, dockerfile, froms) => {
    expect(
      dockerfile('img:1', [mount('s0')])
        .split('\n')
        .filter((l) => l.startsWith('FROM')),
    ).toEqual(froms);
  });

  it('extracts from a scratch stage, so only the changed files leave BuildKit', () => {
    const text = extractDockerfile('golang:1.24', [mount('s0')]);
    expect(text).toMatch(/FROM --platform=\$BUILDPLATFORM golang:1.24 AS pack[\s\S]*FROM scratch\nCOPY --from=pack \/gca-out\/ \/\n$/);
  });

  it('unpacks one stream per cache, never empties a mount, dates back only what no other build touched meanwhile', () => {
    const script = injectScript([mount('s0'), mount('s1')], { s0: { file: 'v1-go-build-x/cache.tar' } }, 1_700_000_000 - 7200);
    expect(script).toContain("tar -xf '/gca-in/v1-go-build-x/cache.tar' -C /gca/s0");
    // Another build may be compiling from the same mount: a failed unpack leaves it alone.
    expect(script).not.toMatch(/rm -rf|-delete/);
    expect(script).toMatch(/could not unpack the cache into s0" >&2\n {2}exit 3/);
    // Only an empty mount is filled: a warm one may be in use by another build.
    expect(script.indexOf('if [ -n "$(ls -A /gca/s0)" ]; then')).toBeLessThan(script.indexOf('tar -xf'));
    expect(script).not.toContain('-C /gca/s1');
    expect(script).toContain('stamp=1699992800');
    expect(script.indexOf('touch /tmp/gca-started')).toBeLessThan(script.indexOf('tar -xf'));
    expect(script).toContain('find /gca/s1 -type f ! -newer /tmp/gca-started -exec touch -c -d "@$stamp" {} +');
    expect(script).not.toContain('wget');
  });

  it('run by sh: a stream cut short leaves its mark and the fallback finishes the fill; a warm mount stays as it is', () => {
    // The script's paths moved into a temp dir, run by the host's sh as the helper's would be.
    const root = tempDir('inject-sh');
    const run = (script: string): number => {
      const places: Record<string, string> = { '/gca-in/': `${root}/in/`, '/gca/': `${root}/mnt/`, '/tmp/gca-': `${root}/gca-` };
      const local = script.replace(/\/gca-in\/|\/gca\/|\/tmp\/gca-/g, (p) => places[p]!);
      return spawnSync('sh', ['-c', local], { encoding: 'utf8' }).status ?? -1;
    };
    mkdirSync(join(root, 'in', 'slot'), { recursive: true });
    mkdirSync(join(root, 'src', 'aa'), { recursive: true });
    writeFileSync(join(root, 'src', 'aa', 'one-d'), 'one');
    writeFileSync(join(root, 'src', 'aa', 'two-d'), 'two');
    spawnSync('tar', ['-cf', join(root, 'in', 'slot', 'cache.tar'), '-C', join(root, 'src'), '.']);
    const mnt = join(root, 'mnt', 's0');
    mkdirSync(join(mnt, 'aa'), { recursive: true });
    const fromContext = injectScript([mount('s0')], { s0: { file: 'slot/cache.tar' } }, 1);

    // A stream from a port nothing listens on fails; its mark stays, with what a stream cut
    // midway would have written.
    rmSync(join(mnt, 'aa'), { recursive: true });
    expect(run(injectScript([mount('s0')], { s0: { urls: ['http://127.0.0.1:9/none'] } }, 1))).toBe(4);
    expect(existsSync(join(mnt, '.go-container-action-filling'))).toBe(true);
    mkdirSync(join(mnt, 'aa'));
    writeFileSync(join(mnt, 'aa', 'one-d'), 'one');
    // The fallback sees the mark: it unpacks over the partial fill and clears the mark.
    expect(run(fromContext)).toBe(0);
    expect(existsSync(join(mnt, 'aa', 'two-d'))).toBe(true);
    expect(existsSync(join(mnt, '.go-container-action-filling'))).toBe(false);

    // A warm mount without the mark is another build's state: nothing of it changes.
    rmSync(join(mnt, 'aa', 'two-d'));
    expect(run(fromContext)).toBe(0);
    expect(existsSync(join(mnt, 'aa', 'two-d'))).toBe(false);
    expect(existsSync(join(mnt, 'aa', 'one-d'))).toBe(true);
  });

  it('streams an archive with wget or curl, and fails (for the context fallback) when it cannot', () => {
    const script = injectScript([mount('s0')], { s0: { urls: ['http://172.17.0.1:4000/t/s0'] } }, 1);
    expect(script).toContain('if command -v wget >/dev/null 2>&1; then fetch() { wget -q -O- "$1"; }');
    expect(script).toContain('elif command -v curl >/dev/null 2>&1; then fetch() { curl -fsS --connect-timeout 10 -y 15 -Y 1 "$1"; }');
    expect(script).toContain("{ fetch 'http://172.17.0.1:4000/t/s0' || touch /tmp/gca-fetch-failed; } | tar -xf - -C /gca/s0");
    expect(script).toMatch(/exit 4/);
  });

  it('unpacks the two halves of a streamed archive side by side, and fails when either fails', () => {
    const script = injectScript([mount('s0')], { s0: { urls: ['http://172.17.0.1:4000/t/s0/1', 'http://172.17.0.1:4000/t/s0/2'] } }, 1);
    expect(script).toContain(
      "{ { fetch 'http://172.17.0.1:4000/t/s0/1' || touch /tmp/gca-fetch-failed; } | tar -xf - -C /gca/s0 || touch /tmp/gca-fetch-failed; } &",
    );
    expect(script).toContain(
      "{ { fetch 'http://172.17.0.1:4000/t/s0/2' || touch /tmp/gca-fetch-failed; } | tar -xf - -C /gca/s0 || touch /tmp/gca-fetch-failed; } &",
    );
    expect(script).toMatch(/&\nwait\nif \[ -e \/tmp\/gca-fetch-failed \]; then\n.*\n {2}exit 4\nfi\n/);
    expect(script).toMatch(/\nsync\necho "go-container-action: caches ready"\n$/);
  });

  it('serves an archive as two whole tar streams split at an entry boundary, and refuses what it is told to', async () => {
    const path = join(dir, 'served.tar');
    const bytes = Buffer.alloc(4096, 7);
    writeFileSync(path, bytes);
    const refused = new Set<string>();
    let split: number | undefined = 1536;
    const server = await serveArchives({ s0: { path, split: () => split }, s1: { path } }, '127.0.0.1', refused);
    try {
      const get = async (url: string) => {
        const r = await fetch(url);
        return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
      };
      const [h1, h2] = server!.urls.s0!;
      expect((await get(h1)).body.equals(Buffer.concat([bytes.subarray(0, 1536), Buffer.alloc(1024)]))).toBe(true);
      expect((await get(h2)).body.equals(bytes.subarray(1536))).toBe(true);
      split = undefined;
      expect((await get(h1)).body.equals(bytes)).toBe(true);
      expect((await get(h2)).body.equals(Buffer.alloc(1024))).toBe(true);
      expect((await get(server!.urls.s1![0])).body.equals(bytes)).toBe(true);
      refused.add('s0');
      expect((await get(h1)).status).toBe(404);
      expect((await get(`${h1.slice(0, -2)}/3`)).status).toBe(404);
    } finally {
      await server!.close();
    }
  });

  it('holds the mounts: fills them, reports ready, waits to be told, then extracts with the lists it fetches', () => {
    const control = { ready: 'http://gw:1/t/ready', wait: 'http://gw:1/t/wait', list: (name: string) => `http://gw:1/t/list/${name}` };
    const script = heldScript(
      [mount('s0'), mount('s1', { kind: 'go-modules' })],
      { s0: { urls: ['http://gw:1/t/s0/1', 'http://gw:1/t/s0/2'] } },
      1_700_000_000 - 7200,
      1_699_999_940,
      control,
    );
    const at = (text: string) => {
      const i = script.indexOf(text);
      expect(i, text).toBeGreaterThanOrEqual(0);
      return i;
    };
    // In this order: unpack, date back, report ready, wait, fetch the lists, extract.
    const order = [
      at("fetch 'http://gw:1/t/s0/1'"),
      at('find /gca/s1 -type f ! -newer /tmp/gca-started -exec touch -c -d "@$stamp" {} +'),
      at("fetch 'http://gw:1/t/ready' >/dev/null || exit 5"),
      at("answer=$(fetch 'http://gw:1/t/wait') || {"),
      at("fetch 'http://gw:1/t/list/s0' > /tmp/gca-lists/s0.list || exit 5"),
      at(
        "awk 'FILENAME==ARGV[1]{seen[$0]=1;next} !($0 in seen)' /tmp/gca-lists/s0.list /gca-out/.gca/s0.changed > /gca-out/.gca/s0.export",
      ),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(script).toContain('    extract) break ;;\n    stop) echo "go-container-action: nothing to take out"; exit 0 ;;');
    expect(script).toContain('touch -d "@1699999940" /tmp/gca-since');
    // The mounts are flushed when the helper ends, after the build, not before it.
    expect(script).not.toMatch(/^sync$/m);
    expect(script.startsWith('set -eu\nmkdir -p /gca-out\n')).toBe(true);
    expect(heldDockerfile('golang:1.24', [mount('s0')])).toMatch(
      /\["\/bin\/sh", "\/gca-in\/held.sh"\]\nFROM scratch\nCOPY --from=pack \/gca-out\/ \/\n$/,
    );
  });

  it('answers a held helper: ready once, `wait` until released, then the answer; the lists it is given', async () => {
    const control = (await serveControl('127.0.0.1'))!;
    try {
      const { urls } = control;
      let ready = false;
      void control.ready.then(() => (ready = true));
      const text = async (url: string) => (await fetch(url)).text();
      expect(await text(urls.list('s0'))).toBe('');
      expect(ready).toBe(false);
      expect(await text(urls.ready)).toBe('ok');
      await control.ready;
      expect(ready).toBe(true);
      const pending = text(urls.wait);
      control.setLists((name) => (name === 's0' ? './ab/cd-a\n' : ''));
      control.release('extract');
      expect(await pending).toBe('extract');
      expect(await text(urls.wait)).toBe('extract');
      expect(await text(urls.list('s0'))).toBe('./ab/cd-a\n');
      expect(await text(urls.list('s9'))).toBe('');
      expect((await fetch(urls.ready.replace(/\/[^/]+\/ready$/, '/wrong-token/ready'))).status).toBe(404);
    } finally {
      await control.close();
    }
  });

  it('lists used and new build-cache entries apart, other caches by change', () => {
    const script = extractScript([mount('s0'), mount('s1', { kind: 'go-modules' })], 1_700_000_000, { s0: true });
    expect(script).toContain('touch -d "@1700000000" /tmp/gca-since');
    expect(script).toContain(
      "awk 'FILENAME==ARGV[1]{seen[$0]=1;next} !($0 in seen)' /gca-in/s0.list /gca-out/.gca/s0.changed > /gca-out/.gca/s0.export",
    );
    expect(script).toContain("($0 in seen)' /gca-in/s0.list /gca-out/.gca/s0.changed > /gca-out/.gca/s0.used");
    expect(script).toContain('cp /gca-out/.gca/s1.changed /gca-out/.gca/s1.export');
    expect(script).toContain('xargs -0 sh -c \'tar -cf - "$@" | tar -xf - -C /gca-out/s0\' sh');
  });
});

describe('restore and save without a build', () => {
  const dockerfile = join(dir, 'Dockerfile');
  writeFileSync(
    dockerfile,
    'FROM golang:1.24 AS build\nRUN --mount=type=cache,id=gca-unit-never-used,target=/root/.cache/go-build go build ./...\n',
  );
  const opts = {
    enabled: true,
    stream: true,
    file: dockerfile,
    context: dir,
    platforms: ['linux/amd64'],
    buildArgs: [],
    buildPlatform: 'linux/amd64',
    workDir: dir,
    unique: 'u',
    maxBytes: Number.POSITIVE_INFINITY,
    savePlan: { save: true, supersede: true },
  };
  const tools = (reporter: RecordingReporter) => ({ docker: new FakeDocker(), reporter });
  const service = (over: Partial<CacheService> = {}): CacheService => ({
    available: () => true,
    restore: async () => undefined,
    save: async () => undefined,
    ...over,
  });

  it('warns once and does nothing without a cache service', async () => {
    const reporter = new RecordingReporter();
    let asked = false;
    const { session, summary } = await restoreGoCaches(
      opts,
      service({ available: () => false, restore: async () => ((asked = true), undefined) }),
      tools(reporter),
    );
    expect(session).toBeUndefined();
    expect(summary).toEqual({ hit: 'false', restored: [] });
    expect(asked).toBe(false);
    expect(reporter.annotations.map((a) => a.level)).toEqual(['warning']);
    expect(reporter.annotations[0]!.message).toMatch(/no Actions cache service/);
  });

  it.each([
    ['go-cache is false', 'FROM golang:1.24\nRUN --mount=type=cache,target=/root/.cache/go-build go build ./...\n', false, 'false'],
    ['no cache mount at all: nothing to restore', 'FROM golang:1.24\nRUN go build ./...\n', true, 'none'],
    [
      'a cache mount only in a stage the target does not need',
      'FROM golang:1.24 AS unused\nRUN --mount=type=cache,target=/root/.cache/go-build go build ./...\nFROM golang:1.24\nRUN go build ./...\n',
      true,
      'none',
    ],
    [
      'cache mounts, only in a stage without a shell to restore them',
      'FROM scratch\nRUN --mount=type=cache,target=/root/.cache/go-build go build ./...\n',
      true,
      'false',
    ],
  ])('does nothing when %s: go-cache-hit %s', async (_name, text, enabled, hit) => {
    const reporter = new RecordingReporter();
    const file = join(dir, `${hit}-${text.length}.Dockerfile`);
    writeFileSync(file, text);
    const { session, summary } = await restoreGoCaches(
      { ...opts, enabled, file },
      service({
        restore: async () => {
          throw new Error('must not restore');
        },
      }),
      tools(reporter),
    );
    expect(session).toBeUndefined();
    expect(summary).toEqual({ hit, restored: [] });
    if (hit === 'none') expect(reporter.lines.join('\n')).toMatch(/no RUN --mount=type=cache/);
    if (enabled && hit === 'false')
      expect(reporter.annotations.map((a) => a.message)).toEqual([expect.stringMatching(/has no base image with a shell/)]);
  });

  it("saves what the main step prepared from the run's own workspace, and warns on a save fault", async () => {
    const env = cacheEnv(join(dir, 'work'));
    const saved: { key: string; paths: string[]; workspace?: string; temp?: string; cwd: string }[] = [];
    const state: Record<string, string> = {};
    const writer = new StateWriter((name, value) => (state[name] = value));
    writer.goCacheSaves([
      { key: 'k1', path: 'go-cache/v1-go-build-unit-test', id: 'a', bytes: 10 },
      { key: 'k2', path: 'go-cache/v1-go-modules-unit-test', id: 'b', bytes: 20 },
    ]);
    writer.goCacheEnv(env);
    const reporter = new RecordingReporter();
    const before = { workspace: process.env.GITHUB_WORKSPACE, temp: process.env.RUNNER_TEMP, cwd: process.cwd() };
    await saveGoCaches(
      readPostState((n) => state[n] ?? ''),
      // The env a call is given is the worker's: GITHUB_WORKSPACE, RUNNER_TEMP inside the temp dir, cwd.
      service({
        within: (given) =>
          service({
            save: async (paths, key) => {
              if (key === 'k2') throw new Error('disk full');
              saved.push({ key, paths, workspace: given.workspace, temp: given.temp, cwd: given.workspace });
            },
          }),
      }),
      reporter,
    );
    expect(saved).toEqual([
      { key: 'k1', paths: ['go-cache/v1-go-build-unit-test'], workspace: env.workspace, temp: env.temp, cwd: env.workspace },
    ]);
    expect(reporter.annotations.map((a) => a.message)).toEqual(['Go cache: could not save b: disk full']);
    // Never changed in this process.
    expect({ workspace: process.env.GITHUB_WORKSPACE, temp: process.env.RUNNER_TEMP, cwd: process.cwd() }).toEqual(before);
    expect(existsSync(join(homedir(), '.cache', 'go-container-action', 'v1-go-build-unit-test'))).toBe(false);
  });

  it('does nothing in the post step when the main step prepared nothing', async () => {
    const reporter = new RecordingReporter();
    await saveGoCaches(
      readPostState(() => ''),
      service({
        save: async () => {
          throw new Error('must not save');
        },
      }),
      reporter,
    );
    expect(reporter.annotations).toEqual([]);
  });
});

describe('summaries', () => {
  const slot = (id: string, kind: 'go-build' | 'go-modules') => ({ id, kind, target: '/x', sharing: 'shared', platforms: [], lines: [] });
  it.each([
    [[], 'false'],
    [[{ slot: slot('a', 'go-build'), restoredKey: 'k', exact: false, restoredBytes: 5, restoredFiles: 1 }], 'true'],
    [
      [
        { slot: slot('a', 'go-build'), restoredKey: 'k', exact: false, restoredBytes: 5, restoredFiles: 1 },
        { slot: slot('b', 'go-modules'), exact: false, restoredBytes: 0, restoredFiles: 0 },
      ],
      'partial',
    ],
    [[{ slot: slot('b', 'go-modules'), exact: false, restoredBytes: 0, restoredFiles: 0 }], 'false'],
  ])('go-cache-hit %#', (slots, hit) => {
    expect(summarizeRestore(slots).hit).toBe(hit);
  });

  it('reports a restore that did not make it into BuildKit as nothing restored, with no size', () => {
    const s = {
      slot: slot('a', 'go-build'),
      restoredKey: 'k',
      exact: true,
      restoredBytes: 5,
      restoredFiles: 1,
      restoredList: ['ab/cd-a'],
    } as unknown as SlotState;
    forgetRestore(s);
    expect(summarizeRestore([s])).toEqual({
      hit: 'false',
      restored: [{ id: 'a', kind: 'go-build', key: undefined, exact: false, bytes: 0, files: 0 }],
    });
  });

  it.each([
    [512, '512 B'],
    [2048, '2.0 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [3 * 1024 ** 3, '3.00 GiB'],
  ])('the cache log sizes in binary units: formatBinaryBytes(%d) = %s', (bytes, text) => {
    expect(formatBinaryBytes(bytes)).toBe(text);
  });
});

describe('keeping the Go build cache to its working set', () => {
  /** A tar of `names`, each file `bytes` long, under `prefix`. */
  const tar = (path: string, names: string[], bytes: number, prefix = ''): string => {
    const w = new TarWriter(path);
    for (const name of names)
      w.add(
        { name: `${prefix}${name}`, type: '0', mode: 0o644, uid: 0, gid: 0, size: bytes, mtime: 1_700_000_000, linkname: '' },
        Buffer.alloc(Math.ceil(bytes / 512) * 512, 1),
      );
    w.close();
    return path;
  };
  const restored = Array.from({ length: 10 }, (_, i) => `0${i}/entry-${i}-d`);

  async function join10(used: number, name: string) {
    const slotDir = join(dir, name);
    mkdirSync(slotDir, { recursive: true });
    tar(join(slotDir, 'cache.tar'), restored, 10_000);
    const index = indexTar(join(slotDir, 'cache.tar'));
    const s = {
      slot: { id: 'gobuild', kind: 'go-build', target: '/root/.cache/go-build', sharing: 'shared', platforms: [], lines: [] },
      mountName: 's0',
      keys: { primary: 'k-next', restore: ['k-'], path: slotDir },
      dir: slotDir,
      restoredKey: 'k-prev',
      exact: false,
      restoredBytes: index.end,
      restoredFiles: index.files.length,
      restoredList: index.files,
      restoredIndex: index,
    } as unknown as SlotState;
    const extract = tar(join(dir, `${name}-extract.tar`), ['ff/new-d'], 10_000, 's0/');
    const lists = new Map([
      ['s0.changed', [...restored.slice(0, used), 'ff/new-d']],
      ['s0.export', ['ff/new-d']],
      ['s0.used', restored.slice(0, used)],
    ]);
    const reporter = new RecordingReporter();
    const save = await trimAndJoin(s, extract, lists, reporter);
    return { save, files: indexTar(join(slotDir, 'cache.tar')).files.sort(), log: reporter.lines.join('\n') };
  }

  it('appends the new entries while the unused ones are at most 20% of the archive', async () => {
    const { save, files, log } = await join10(9, 'append');
    expect(files).toEqual([...restored, 'ff/new-d'].sort());
    expect(save).toMatchObject({ key: 'k-next', id: 'gobuild' });
    expect(log).toMatch(/1 new file appended, 9 reused, 1 unused kept/);
  });

  it('drops the entries the build did not use once they are more than 20%', async () => {
    const { save, files, log } = await join10(5, 'rewrite');
    expect(files).toEqual([...restored.slice(0, 5), 'ff/new-d'].sort());
    expect(save).toMatchObject({ key: 'k-next', id: 'gobuild' });
    expect(log).toMatch(/1 new file, 5 reused, 5 unused dropped: 6 files/);
  });
});

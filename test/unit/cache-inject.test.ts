/**
 * The Go cache's inject strategies, driven through restoreGoCaches and the pipeline's two calls
 * with a recorded fake of docker: the helper build is played by test/support/fake-helper.ts,
 * which reads the script the action wrote and fetches from the action's own loopback servers.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CacheEnv } from '../../src/actions-cache/isolation.js';
import { restoreGoCaches } from '../../src/go-cache/restore.js';
import type { CacheService } from '../../src/actions-cache/service.js';
import type { GoCacheOptions } from '../../src/go-cache/session.js';
import { goCacheAfterBuild, goCacheBeforeBuild } from '../../src/go-cache/stage.js';
import { TarWriter } from '../../src/go-cache/tar.js';
import { StateWriter } from '../../src/state.js';
import { FakeDocker } from '../support/fake-docker.js';
import { fakeHelper, type HelperRun } from '../support/fake-helper.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('cache-inject');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid archive of `n` cache entries. */
function archive(path: string, n = 3): void {
  mkdirSync(dirname(path), { recursive: true });
  const w = new TarWriter(path);
  for (let i = 0; i < n; i++)
    w.add(
      { name: `0${i}/entry-${i}-d`, type: '0', mode: 0o644, uid: 0, gid: 0, size: 700, mtime: 1_700_000_000, linkname: '' },
      Buffer.alloc(1024, i + 1),
    );
  w.close();
}

/** A cache service holding one entry for every key asked, its archive written where the action reads it. */
function serviceWith(write: (path: string) => void): CacheService & { restored: string[] } {
  const restored: string[] = [];
  const within = (env: CacheEnv): CacheService => ({
    available: () => true,
    restore: async (paths, primary) => {
      write(join(env.workspace, paths[0]!, 'cache.tar'));
      restored.push(primary);
      return primary;
    },
    save: async () => undefined,
  });
  return { restored, available: () => true, restore: async () => undefined, save: async () => undefined, within };
}

let n = 0;
/** A Dockerfile with one Go build cache mount of the given sharing, and options for it. */
function setup(sharing: 'shared' | 'locked', over: Partial<GoCacheOptions> = {}): GoCacheOptions {
  const work = join(dir, `run-${n++}`);
  mkdirSync(work, { recursive: true });
  const file = join(work, 'Dockerfile');
  writeFileSync(file, `FROM golang:1.24 AS build\nRUN --mount=type=cache,target=/root/.cache/go-build,sharing=${sharing} go build ./...\n`);
  return {
    enabled: true,
    stream: true,
    file,
    context: work,
    platforms: ['linux/amd64'],
    buildArgs: [],
    buildPlatform: 'linux/amd64',
    workDir: work,
    unique: `u${n}`,
    maxBytes: Number.POSITIVE_INFINITY,
    savePlan: { save: true, supersede: true },
    ...over,
  };
}

function tools(runs: HelperRun[], fail?: (run: HelperRun) => boolean, gateway: string | undefined = '127.0.0.1') {
  const docker = new FakeDocker({ bridgeGateway: async () => gateway, helperBuild: fakeHelper(runs, fail) });
  return { docker, reporter: new RecordingReporter() };
}

const log = (r: RecordingReporter): string => r.lines.join('\n');

describe('injecting the restored caches', () => {
  it("streams a locked mount's archive over the bridge in two halves that make the whole archive", async () => {
    const opts = setup('locked');
    const runs: HelperRun[] = [];
    const t = tools(runs);
    let archivePath = '';
    const { session, summary } = await restoreGoCaches(
      opts,
      serviceWith((p) => archive((archivePath = p))),
      t,
    );
    expect(summary.hit).toBe('true');
    expect(runs.map((r) => r.kind)).toEqual(['inject']);
    const [h1, h2] = [...runs[0]!.fetched.values()];
    const bytes = readFileSync(archivePath);
    // Half 1 ends with end-of-archive blocks of its own; the rest of the file is half 2.
    expect(Buffer.concat([h1!.subarray(0, h1!.length - 1024), h2!]).equals(bytes.subarray(0, h1!.length - 1024 + h2!.length))).toBe(true);
    expect(h1!.length - 1024 + h2!.length).toBeLessThanOrEqual(bytes.length);
    expect(log(t.reporter)).toMatch(/injected 1 archive into BuildKit \(streamed over the docker bridge\)/);
    expect(session!.held.size).toBe(0);
    expect(session!.slots[0]!.restoredFiles).toBe(3);
  });

  it('holds a shared mount while the build runs, and releases it after a failed build', async () => {
    const opts = setup('shared');
    const runs: HelperRun[] = [];
    const t = tools(runs);
    const { session, summary } = await restoreGoCaches(
      opts,
      serviceWith((p) => archive(p)),
      t,
    );
    expect(summary.hit).toBe('true');
    expect(runs.map((r) => r.kind)).toEqual(['held']);
    expect(session!.held.size).toBe(1);
    expect(runs[0]!.answer).toBeUndefined();
    expect(log(t.reporter)).toMatch(/the helper holds the mounts until the build ends/);
    const state = new StateWriter(() => undefined);
    await goCacheAfterBuild(session, false, { ...t, state });
    expect(runs[0]!.answer).toBe('stop');
    expect(session!.held.size).toBe(0);
    // Nothing taken out: no extract build ran.
    expect(runs).toHaveLength(1);
  });

  it('falls back to the build context when the stream fails, with the archive files in the context', async () => {
    const opts = setup('locked');
    const runs: HelperRun[] = [];
    const t = tools(runs, (run) => run.script.includes('fetch '));
    const { summary } = await restoreGoCaches(
      opts,
      serviceWith((p) => archive(p)),
      t,
    );
    expect(summary.hit).toBe('true');
    expect(runs).toHaveLength(2);
    expect(runs[1]!.script).toMatch(/tar -xf '\/gca-in\/[^']+\/cache\.tar' -C \/gca\/s0/);
    expect(runs[1]!.script).not.toContain('http://');
    expect(log(t.reporter)).toMatch(/debug: Go cache: streaming the archives failed/);
    expect(log(t.reporter)).toMatch(/injected 1 archive into BuildKit \(as build context\)/);
  });

  it('sends the archives as build context only when streaming is off, without asking for the gateway', async () => {
    const opts = setup('shared', { stream: false });
    const runs: HelperRun[] = [];
    const t = tools(runs);
    const { session } = await restoreGoCaches(
      opts,
      serviceWith((p) => archive(p)),
      t,
    );
    // The builder's nodes are asked for (where helpers go); the bridge is not.
    expect(t.docker.methods()).toEqual(['inspectBuilder', 'helperBuild']);
    expect(runs.map((r) => r.kind)).toEqual(['inject']);
    expect(session!.held.size).toBe(0);
  });

  it('refuses a corrupt archive to the stream, then injects as build context without it', async () => {
    const opts = setup('locked');
    const runs: HelperRun[] = [];
    const t = tools(runs);
    const { summary } = await restoreGoCaches(
      opts,
      serviceWith((p) => (mkdirSync(dirname(p), { recursive: true }), writeFileSync(p, Buffer.alloc(700, 9)))),
      t,
    );
    expect(summary.hit).toBe('false');
    expect(runs).toHaveLength(2);
    expect(runs[0]!.fetched.size).toBe(0);
    expect(runs[1]!.script).not.toContain('tar -xf');
    expect(t.reporter.annotations.map((a) => a.message).join('\n')).toMatch(/could not restore \/root\/\.cache\/go-build/);
  });

  it('a failed inject leaves the run without the cache: outputs say nothing restored', async () => {
    const opts = setup('locked');
    const runs: HelperRun[] = [];
    const t = tools(runs, () => true);
    const state = new StateWriter(() => undefined);
    const { result, session } = await goCacheBeforeBuild(
      {
        enabled: true,
        stream: true,
        buildPlatform: 'linux/amd64',
        plan: { file: opts.file, context: opts.context, platforms: opts.platforms, buildArgs: [] },
        workDir: opts.workDir,
        save: { mode: 'auto', maxBytes: Number.POSITIVE_INFINITY },
      },
      { ...t, state, service: serviceWith((p) => archive(p)), runId: '1', runAttempt: '1', ref: 'refs/heads/main' },
    );
    expect(runs).toHaveLength(2);
    expect(result.outputs['go-cache-hit']).toBe('false');
    expect(JSON.parse(result.outputs['go-cache-restored']!)).toEqual([
      { id: '/root/.cache/go-build', kind: 'go-build', exact: false, bytes: 0, files: 0 },
    ]);
    expect(session!.slots.every((s) => s.restoredKey === undefined)).toBe(true);
    expect(t.reporter.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(/could not inject the caches \(ERROR: .*\); the build runs without them/),
    ]);
  });
});

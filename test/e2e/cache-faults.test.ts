/**
 * The Go cache on a shared machine and with a faulty cache service, end to end: the bundled
 * action with the real @actions/cache. Two runs at once (one engine, one BuildKit, one HOME,
 * one cache service) both pass and both save a whole build cache; a service that hangs, answers
 * 500 or garbage costs a warning and a bounded time; a cancelled run leaves no file behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { docker, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { CACHE_BUDGET } from '../../src/actions-cache/service.js';
import { DEADLINE_SCALE_ENV, formatDuration } from '../../src/util/deadline.js';

/**
 * The faulty-service runs shorten every deadline tenfold (GO_CONTAINER_ACTION_DEADLINE_SCALE):
 * they check how the guard ends a call, not how long the real deadline is.
 */
const SCALE = 0.1;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const HOME_CACHE = join(homedir(), '.cache', 'go-container-action');
const homeCache = (): string[] => (existsSync(HOME_CACHE) ? readdirSync(HOME_CACHE).sort() : []);

/** A copy of the fixture app with a one-line change of its own. */
function changedApp(label: string): { dir: string; remove: () => void } {
  const app = copyApp('test/fixtures/cache/app');
  const main = join(app.dir, 'main.go');
  writeFileSync(main, readFileSync(main, 'utf8').replace('cache fixture v1', `cache fixture ${label}`));
  return app;
}

describe('Go caches on a shared machine and with a faulty cache service', () => {
  const ns = uniqueName('e2e').replace(/[^a-z0-9-]/g, '-');
  const inputs = { platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}\nCACHE_NS=${ns}` };
  let server: CacheServer;
  let single: ActionRun;
  let singleBytes: number;
  let homeBefore: string[];
  const apps: { remove: () => void }[] = [];
  const app = (label: string): string => {
    const a = changedApp(label);
    apps.push(a);
    return a.dir;
  };
  const buildEntries = (): { key: string; size: number }[] =>
    server.entries().filter((e) => e.finalized && e.key.includes('-go-build-') && e.key.includes(ns));
  let runId = 5000;
  const run = (label: string, extra: Partial<Parameters<typeof runAction>[0]> = {}): Promise<ActionRun> =>
    runAction({ workspace: app(label), inputs, ...extra, env: { ...server.env, GITHUB_RUN_ID: String(runId++), ...extra.env } });

  beforeAll(async () => {
    homeBefore = homeCache();
    server = await startCacheServer();
    // A cold build, then one with a change on a fresh BuildKit: the size of one run's saved build cache.
    await run('cold');
    docker(['buildx', 'prune', '-af']);
    const before = buildEntries().length;
    single = await run('single');
    const saved = buildEntries();
    expect(saved.length).toBe(before + 1);
    singleBytes = saved.at(-1)!.size;
  });
  afterAll(async () => {
    await server.close();
    for (const a of apps) a.remove();
  });

  it('a single run restores and saves a build cache of MiBs (the yardstick)', () => {
    expect(single.main.exitCode, single.main.stdout).toBe(0);
    expect(single.main.outputs['go-cache-hit']).toBe('true');
    expect(singleBytes).toBeGreaterThan(4 << 20);
  });

  // On a fresh BuildKit (both fill the same empty mount), then on a warm one (the mount is there).
  it.each([
    ['fresh', true],
    ['warm', false],
    ['warm again', false],
  ])('two runs at once (%s BuildKit) both pass and both save a whole build cache', async (label, prune) => {
    if (prune) docker(['buildx', 'prune', '-af']);
    const before = new Set(buildEntries().map((e) => e.key));
    const pair = await Promise.all([run(`${label} a`), run(`${label} b`)]);
    for (const r of pair) {
      expect(r.main.exitCode, r.main.stdout + r.main.stderr).toBe(0);
      expect(r.post?.exitCode).toBe(0);
      expect(r.main.outputs['go-cache-hit']).toBe('true');
      expect(
        annotations(r.main.stdout + (r.post?.stdout ?? '')).filter(
          (a) => a.level !== 'notice' && /Go cache|ENOENT|Failed to/.test(a.message),
        ),
      ).toEqual([]);
      expect(r.leftovers).toEqual([]);
    }
    const saved = buildEntries().filter((e) => !before.has(e.key));
    expect(saved).toHaveLength(2);
    for (const e of saved) expect(e.size, `${e.key}: ${e.size} B, a single run saved ${singleBytes} B`).toBeGreaterThan(singleBytes * 0.8);
    expect(homeCache()).toEqual(homeBefore);
  });

  it.each([
    [
      'hang' as const,
      new RegExp(escape(`the cache service (first request) did not answer in ${formatDuration(CACHE_BUDGET.callMs * SCALE)}`)),
    ],
    ['500' as const, /the cache service answered 500 Internal Server Error/],
    ['garbage' as const, /the cache service answered 200 with something that is not its JSON/],
  ])('a cache service that answers %s costs a warning and a bounded time; the build and the size report go on', async (fault, message) => {
    server.options.fault = fault;
    try {
      const r = await run(`fault ${fault}`, { env: { [DEADLINE_SCALE_ENV]: String(SCALE) } });
      expect(r.main.exitCode, r.main.stdout).toBe(0);
      expect(r.main.outputs['go-cache-hit']).toBe('false');
      const warnings = annotations(r.main.stdout)
        .filter((a) => a.level === 'warning')
        .map((a) => a.message);
      expect(
        warnings.filter((w) => w.startsWith('Go cache: could not restore')),
        warnings.join('\n'),
      ).toEqual([expect.stringMatching(message)]);
      // The size stage says the service failed, not that there is no report yet.
      expect(r.main.stdout).not.toMatch(/no cached size report of the base branch yet/);
      expect(
        warnings.some((w) => /^The cached size report could not be restored \(.*the cache service/.test(w)),
        warnings.join('\n'),
      ).toBe(true);
      expect((JSON.parse(r.main.outputs['size-report']!) as { baselineNote?: string }).baselineNote ?? '').not.toMatch(
        /no cached size report/,
      );
      console.log(`cache service ${fault}: main step ${r.main.durationMs} ms, post step ${r.post?.durationMs} ms`);
      expect(r.main.durationMs).toBeLessThan(90_000);
      expect(r.post?.exitCode).toBe(0);
      expect(r.post!.durationMs).toBeLessThan(60_000);
      expect(annotations(r.post!.stdout).map((a) => a.message)).toEqual([expect.stringMatching(message)]);
      expect(r.leftovers).toEqual([]);
    } finally {
      server.options.fault = undefined;
    }
  });

  it('SIGINT right after a restore leaves no file of the run behind', async () => {
    const r = await run('cancel after restore', { cancelWhen: /Cache restored successfully/ });
    expect(r.main.exitCode).not.toBe(0);
    expect(r.main.stdout).toMatch(/Cache restored successfully/);
    expect(r.post?.exitCode).toBe(0);
    expect(r.leftovers).toEqual([]);
    expect(homeCache()).toEqual(homeBefore);
  });

  it('SIGINT during a slow download leaves no partial archive behind', async () => {
    server.options.downloadBytesPerSecond = 1 << 20;
    try {
      // The build cache is the archive slowed down; the module cache (a few bytes) may finish first.
      const r = await run('cancel during download', { cancelWhen: /Cache hit for.*go-build/ });
      expect(r.main.exitCode).not.toBe(0);
      expect(r.main.stdout.match(/Cache restored successfully/g) ?? []).not.toHaveLength(2);
      expect(r.post?.exitCode).toBe(0);
      expect(r.leftovers).toEqual([]);
      expect(homeCache()).toEqual(homeBefore);
    } finally {
      server.options.downloadBytesPerSecond = undefined;
    }
  });

  it('a slow but steady download is not cut off', async () => {
    // About 12 s for the build cache at this rate: over a short deadline, under the stall limit.
    server.options.downloadBytesPerSecond = Math.ceil(singleBytes / 12);
    try {
      const r = await run('slow download');
      expect(r.main.exitCode, r.main.stdout).toBe(0);
      expect(r.main.outputs['go-cache-hit']).toBe('true');
      expect(annotations(r.main.stdout).filter((a) => /cache service/.test(a.message))).toEqual([]);
    } finally {
      server.options.downloadBytesPerSecond = undefined;
    }
  });
});

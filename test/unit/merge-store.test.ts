/**
 * The hand-off's cache adapter with an in-memory service that matches keys as the real one does
 * (the primary key exactly, then each restore key exactly or by prefix, newest first).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CacheService } from '../../src/actions-cache/service.js';
import { HANDOFF_PATH, handoffKey, serializeHandoff, type HandoffScope, type PlatformHandoff } from '../../src/merge/handoff.js';
import { restoreHandoffs, saveHandoffs } from '../../src/merge/store.js';
import { tempDir } from '../support/temp.js';

function memoryCache(workspace: string): CacheService & { stored: Map<string, string>; restores: string[][] } {
  const stored = new Map<string, string>();
  const restores: string[][] = [];
  return {
    stored,
    restores,
    available: () => true,
    restore: async (paths, primary, restoreKeys) => {
      restores.push([primary, ...restoreKeys]);
      const newest = [...stored.keys()].reverse();
      const hit = stored.has(primary) ? primary : restoreKeys.map((k) => newest.find((s) => s.startsWith(k))).find(Boolean);
      if (!hit) return undefined;
      mkdirSync(dirname(join(workspace, paths[0]!)), { recursive: true });
      writeFileSync(join(workspace, paths[0]!), stored.get(hit)!);
      return hit;
    },
    save: async (paths, key) => {
      stored.set(key, readFileSync(join(workspace, paths[0]!), 'utf8'));
    },
  };
}

const scope: HandoffScope = { runId: '9', runAttempt: '1', image: 'ghcr.io/org/app' };

function record(platform: string, runAttempt = '1', failures: string[] = []): PlatformHandoff {
  return {
    schema: 1,
    ...scope,
    runAttempt,
    platform,
    digest: null,
    pushed: false,
    repositories: ['ghcr.io/org/app'],
    version: '1',
    size: null,
    smoke: { status: 'skipped' },
    platformCheck: { errors: [], warnings: [], unchecked: [] },
    failures,
  };
}

describe('the hand-off through the cache', () => {
  it('saves one entry per platform and leaves nothing in the workspace', async () => {
    const ws = tempDir('merge-store');
    const cache = memoryCache(ws);
    const keys = await saveHandoffs(cache, ws, [record('linux/amd64'), record('linux/arm64')]);
    expect(keys).toEqual([handoffKey(scope, 'linux/amd64'), handoffKey(scope, 'linux/arm64')]);
    expect(JSON.parse(cache.stored.get(keys[1]!)!)).toMatchObject({ platform: 'linux/arm64' });
    expect(existsSync(join(ws, dirname(HANDOFF_PATH)))).toBe(false);
  });

  it('restores this attempt first, then the earlier ones, newest first: a re-run of one job wins over its first attempt', async () => {
    const ws = tempDir('merge-store');
    const cache = memoryCache(ws);
    await saveHandoffs(cache, ws, [record('linux/amd64', '1'), record('linux/arm64', '1', ['Compose smoke test failed'])]);
    // Attempt 2 re-ran the failed arm64 job only; the merge job runs in attempt 3.
    await saveHandoffs(cache, ws, [{ ...record('linux/arm64', '2'), runAttempt: '2' }]);
    const found = await restoreHandoffs(cache, ws, { ...scope, runAttempt: '3' }, ['linux/amd64', 'linux/arm64']);
    expect(found.map((f) => ('record' in f ? [f.platform, f.record.runAttempt, f.record.failures] : f.missing))).toEqual([
      ['linux/amd64', '1', []],
      ['linux/arm64', '2', []],
    ]);
    expect(cache.restores[0]).toEqual([3, 2, 1].map((a) => handoffKey({ ...scope, runAttempt: String(a) }, 'linux/amd64')));
    expect(existsSync(join(ws, dirname(HANDOFF_PATH)))).toBe(false);
  });

  it('a platform not handed off, one of another image, and a service that throws are missing, each with why', async () => {
    const ws = tempDir('merge-store');
    const cache = memoryCache(ws);
    cache.stored.set(handoffKey(scope, 'linux/arm64'), serializeHandoff({ ...record('linux/arm64'), image: 'ghcr.io/evil/app' }));
    const found = await restoreHandoffs(cache, ws, scope, ['linux/amd64', 'linux/arm64']);
    expect(found).toEqual([
      { platform: 'linux/amd64', missing: 'no result in the cache' },
      { platform: 'linux/arm64', missing: `its result (${handoffKey(scope, 'linux/arm64')}) is unusable: it is of another image` },
    ]);
    const broken: CacheService = { ...cache, restore: () => Promise.reject(new Error('the cache service timed out')) };
    expect(await restoreHandoffs(broken, ws, scope, ['linux/amd64'])).toEqual([
      { platform: 'linux/amd64', missing: 'the cache could not be read: the cache service timed out' },
    ]);
  });

  it('without a cache service: saving fails with why, restoring names every platform missing', async () => {
    const ws = tempDir('merge-store');
    const none: CacheService = { ...memoryCache(ws), available: () => false };
    await expect(saveHandoffs(none, ws, [record('linux/amd64')])).rejects.toThrow(/the Actions cache service is not available to this job/);
    expect(await restoreHandoffs(none, ws, scope, ['linux/amd64'])).toEqual([
      { platform: 'linux/amd64', missing: 'the Actions cache service is not available to this job' },
    ]);
  });
});

/**
 * The cache service's deadlines with a fake @actions/cache (RawCache): the probe's verdicts, a
 * hung, broken or garbage-answering service given up on once per step, a slow but steady
 * transfer left alone, a stalled one cut off; and where a run's cache calls put their files.
 */
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cacheEnv } from '../../src/actions-cache/isolation.js';
import { slotKeys } from '../../src/go-cache/keys.js';
import { isFeatureAvailable } from '@actions/cache';
import { cacheServiceConfigured, CacheServiceError, probeTarget, probeVerdict } from '../../src/actions-cache/probe.js';
import { inSteps } from '../../src/actions-cache/progress.js';
import { CACHE_BUDGET, guardedCache, type CacheCall, type RawCache } from '../../src/actions-cache/service.js';
import { ServiceGuard } from '../../src/util/deadline.js';
import { tempDir } from '../support/temp.js';

const never = (): Promise<never> => new Promise(() => undefined);

describe('probeVerdict', () => {
  it.each([
    [{ status: 200, statusText: 'OK', body: '{"ok":false}' }, undefined],
    [{ status: 200, statusText: 'OK', body: '{}' }, undefined],
    [{ status: 204, statusText: 'No Content', body: '' }, undefined],
    [{ status: 500, statusText: 'Internal Server Error', body: '{"msg":"down"}' }, 'the cache service answered 500 Internal Server Error'],
    [{ status: 401, statusText: '', body: '' }, 'the cache service answered 401'],
    [
      { status: 200, statusText: 'OK', body: '<html><body>Service Unavailable</body></html>' },
      'the cache service answered 200 with something that is not its JSON ("<html><body>Service Unavailable</body></…")',
    ],
    [{ status: 200, statusText: 'OK', body: '' }, 'the cache service answered 200 with something that is not its JSON (an empty body)'],
    [{ status: 200, statusText: 'OK', body: '[1]' }, 'the cache service answered 200 with something that is not its JSON ("[1]")'],
  ])('%j', (answer, verdict) => expect(probeVerdict(answer)).toBe(verdict));
});

describe('probeTarget', () => {
  it('asks the v2 service its Twirp lookup, the v1 service its cache query, nothing without a service', () => {
    const v2 = probeTarget({ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/', ACTIONS_RUNTIME_TOKEN: 't' });
    expect(v2?.url).toBe('http://127.0.0.1:9/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL');
    expect(v2?.init.method).toBe('POST');
    expect(probeTarget({ ACTIONS_CACHE_URL: 'http://127.0.0.1:9/x/', ACTIONS_RUNTIME_TOKEN: 't' })?.url).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/x\/_apis\/artifactcache\/cache\?keys=go-container-action-probe&version=0{64}$/,
    );
    expect(probeTarget({})).toBeUndefined();
  });
});

describe('cacheServiceConfigured', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    [{}],
    [{ ACTIONS_CACHE_URL: 'http://c/' }],
    [{ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: 'http://r/' }],
    [{ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_CACHE_URL: 'http://c/' }],
    [{ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: 'http://r/', GITHUB_SERVER_URL: 'https://ghes.example' }],
    [{ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_CACHE_URL: 'http://c/', GITHUB_SERVER_URL: 'https://ghes.example' }],
    [{ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: 'http://r/', GITHUB_SERVER_URL: 'https://x.ghe.com' }],
  ])('answers as @actions/cache’s isFeatureAvailable for %j', (env: Record<string, string>) => {
    const names = ['ACTIONS_CACHE_URL', 'ACTIONS_CACHE_SERVICE_V2', 'ACTIONS_RESULTS_URL', 'GITHUB_SERVER_URL'];
    for (const name of names) vi.stubEnv(name, env[name] ?? '');
    expect(cacheServiceConfigured(env)).toBe(isFeatureAvailable());
  });
});

describe('paths of a run', () => {
  it('gives each slot one relative path string, the same on every run (it is part of the entry version)', () => {
    const slot = { id: 'gobuild-x', kind: 'go-build' as const, platforms: ['linux/amd64'] };
    const a = slotKeys(slot, { goSumHash: 'h', unique: 'run-1' });
    const b = slotKeys(slot, { goSumHash: 'h', unique: 'run-2' });
    expect(a.path).toBe(b.path);
    expect(a.path).toMatch(/^go-cache\/v1-go-build-gobuild-x-[0-9a-f]{8}$/);
    expect(a.primary).not.toBe(b.primary);
  });

  it('keeps every file of a run’s cache calls in its work dir', () => {
    expect(cacheEnv('/tmp/runner/go-container-action-abc')).toEqual({
      workspace: '/tmp/runner/go-container-action-abc/go-cache-workspace',
      temp: '/tmp/runner/go-container-action-abc/go-cache-temp',
    });
  });

  it('counts progress in steps of 64 KiB', () => {
    expect([0, 65_535, 65_536, 200_000].map((b) => inSteps(b))).toEqual([0, 0, 1, 3]);
  });
});

describe('the guarded cache service', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  const fake = (over: Partial<RawCache>): RawCache & { calls: string[] } => {
    const calls: string[] = [];
    return {
      calls,
      available: () => true,
      probe: async () => undefined,
      restore: async (_p, key) => (calls.push(`restore ${key}`), undefined),
      save: async (_p, key) => (calls.push(`save ${key}`), 1),
      ...over,
    };
  };

  it('gives up on a service that accepts and never answers after 30 s, then fails every call at once', async () => {
    const raw = fake({ probe: never });
    const service = guardedCache(raw, new ServiceGuard(CACHE_BUDGET));
    const first = service.restore(['go-cache/a'], 'k1', ['k']);
    const caught = first.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(String(await caught)).toBe('DeadlineError: the cache service (first request) did not answer in 30 s');
    await expect(service.restore(['go-cache/b'], 'k2', ['k'])).rejects.toThrow('the cache service (first request) did not answer in 30 s');
    await expect(service.save(['go-cache/b'], 'k3')).rejects.toThrow('did not answer in 30 s');
    expect(raw.calls).toEqual([]);
  });

  it.each([
    ['500', 'the cache service answered 500 Internal Server Error'],
    ['garbage', 'the cache service answered 200 with something that is not its JSON ("<html>")'],
  ])('says what a broken service answered (%s) and asks it nothing more', async (_name, message) => {
    const raw = fake({ probe: () => Promise.reject(new CacheServiceError(message)) });
    const guard = new ServiceGuard(CACHE_BUDGET);
    const service = guardedCache(raw, guard);
    await expect(service.restore(['p'], 'k1', [])).rejects.toThrow(message);
    await expect(service.has!(['p'], 'k1')).rejects.toThrow(message);
    expect(guard.down).toBe(message);
    expect(raw.calls).toEqual([]);
  });

  it('asks the service once per step, whichever call comes first, and restores through it', async () => {
    let probes = 0;
    const raw = fake({ probe: async () => void probes++, restore: async (_p, key) => key });
    const guard = new ServiceGuard(CACHE_BUDGET);
    const service = guardedCache(raw, guard);
    const isolated = service.within!(cacheEnv(tempDir('cache-guard')));
    expect(await Promise.all([service.restore(['p'], 'k1', []), isolated.restore(['p'], 'k2', [])])).toEqual(['k1', 'k2']);
    expect(await service.has!(['p'], 'k3')).toBe(true);
    expect(probes).toBe(1);
  });

  it('ends every call still under way once one is given up on, and gives each call the env it was made within', async () => {
    const envs: (string | undefined)[] = [];
    const ended: string[] = [];
    const hang = (key: string, call: CacheCall): Promise<never> =>
      new Promise((_resolve, reject) =>
        call.signal.addEventListener('abort', () => {
          ended.push(key);
          reject(call.signal.reason as Error);
        }),
      );
    const raw = fake({
      restore: (_p, key, _r, _l, call) => {
        envs.push(call.env?.workspace);
        // The first call stalls; the second moves steadily but is ended with it.
        if (key === 'k1') return hang(key, call);
        const timer = setInterval(() => call.progress(Date.now()), 1000);
        return hang(key, call).finally(() => clearInterval(timer));
      },
    });
    const env = cacheEnv('/tmp/runner/go-container-action-x');
    const service = guardedCache(raw, new ServiceGuard(CACHE_BUDGET));
    const first = service.restore(['p'], 'k1', []).catch((error: unknown) => error);
    const second = service.within!(env)
      .restore(['p'], 'k2', [])
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(String(await first)).toBe('DeadlineError: the cache service (restoring k1) did not answer in 30 s');
    expect(String(await second)).toBe('DeadlineError: the cache service (restoring k1) did not answer in 30 s');
    expect(ended).toEqual(['k1', 'k2']);
    expect(envs).toEqual([undefined, env.workspace]);
  });

  it('lets a slow but steady transfer go on for minutes, and cuts one that stalls for 30 s', async () => {
    const env = cacheEnv(tempDir('cache-guard-slow'));
    const file = join(env.temp, 'cache.tzst');
    let started = 0;
    // What the worker reports: the bytes of the archive as it grows.
    const transfer =
      (seconds: number, result: string) =>
      async (...args: Parameters<RawCache['restore']>): Promise<string> => {
        started++;
        mkdirSync(env.temp, { recursive: true });
        for (let s = 0; s < seconds; s += 10) {
          appendFileSync(file, Buffer.alloc(100 * 1024));
          args[4].progress(statSync(file).size);
          await new Promise((resolve) => setTimeout(resolve, 10_000));
        }
        return result;
      };
    // The clock moves only once the call has begun (its work dirs are made with real I/O first).
    const begun = async (count: number): Promise<void> => {
      while (started < count) await new Promise((resolve) => setImmediate(resolve));
    };
    const steady = guardedCache(fake({ restore: transfer(120, 'k-slow') }), new ServiceGuard(CACHE_BUDGET)).within!(env);
    const slow = steady.restore(['go-cache/a'], 'k-slow', []);
    await begun(1);
    await vi.advanceTimersByTimeAsync(125_000);
    await expect(slow).resolves.toBe('k-slow');

    const stalls = guardedCache(
      fake({ restore: async (...args) => (await transfer(20, 'x')(...args), never()) }),
      new ServiceGuard(CACHE_BUDGET),
    ).within!(env);
    const stalled = stalls.restore(['go-cache/a'], 'k-stall', []).catch((error: unknown) => error);
    await begun(2);
    await vi.advanceTimersByTimeAsync(70_000);
    expect(String(await stalled)).toBe('DeadlineError: the cache service (restoring k-stall) sent nothing for 30 s');
  });
});

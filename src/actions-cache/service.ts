/**
 * The Actions cache service, behind one small interface: the real `@actions/cache` in the action,
 * a fake in unit tests. Every call has a deadline and the step a budget (ServiceGuard): a service
 * that hangs, answers 500 or garbage costs a warning and at most about half a minute per step,
 * then the run goes on without it. Nothing here fails a build.
 */
import * as cache from '@actions/cache';
import { readdir, rm } from 'node:fs/promises';
import { ServiceGuard, type ServiceBudget } from '../util/deadline.js';
import { withCacheEnv, type CacheEnv } from './isolation.js';
import { probeCacheService } from './probe.js';
import { abandonCacheCalls, asCacheCall, cacheProgress } from './progress.js';

export interface CacheService {
  /** Whether a cache service is configured for this job. */
  available(): boolean;
  /** The key restored (exact or by prefix), or undefined on a miss. */
  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<void>;
  /** Whether an entry with exactly this key is stored (a save of it would only warn). */
  has?(paths: string[], key: string): Promise<boolean>;
  /** The same service with every file of its calls under `env` (isolation.ts). */
  within?(env: CacheEnv): CacheService;
}

/**
 * The deadlines. A lookup (or the wait for the first bytes of a transfer) gets 30 s: a healthy
 * service answers in well under a second, and @actions/cache's own retries of a 5xx take about
 * that long. A transfer may take as long as it needs while data moves: its 30 s are a stall
 * deadline (no new 64 KiB over the network or into the archive for 30 s). A step spends at most
 * 60 s waiting on the service in all; after the first time-out it does not wait again.
 */
export const CACHE_BUDGET: ServiceBudget = { name: 'the cache service', callMs: 30_000, totalMs: 60_000 };

/** What the guarded service calls: @actions/cache in the action, fakes in unit tests. */
export interface RawCache {
  available(): boolean;
  restore(paths: string[], primaryKey: string, restoreKeys: string[], lookupOnly: boolean): Promise<string | undefined>;
  /** The entry id, or -1 when @actions/cache logged a fault itself. */
  save(paths: string[], key: string): Promise<number>;
  /** Throws when the service does not answer as a cache service. */
  probe(signal: AbortSignal): Promise<void>;
}

const actionsToolkit: RawCache = {
  available: () => cache.isFeatureAvailable(),
  restore: async (paths, primaryKey, restoreKeys, lookupOnly) =>
    (await cache.restoreCache(paths, primaryKey, restoreKeys, { lookupOnly })) ?? undefined,
  save: (paths, key) => cache.saveCache(paths, key),
  probe: (signal) => probeCacheService(signal),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function listTemp(): Promise<Set<string>> {
  const temp = process.env.RUNNER_TEMP;
  return new Set(temp ? await readdir(temp).catch(() => []) : []);
}

let inFlight = 0;
let tempBefore: Promise<Set<string>> = Promise.resolve(new Set());

/**
 * @actions/cache leaves a working directory (a UUID, with a tar manifest in it after a save) in
 * RUNNER_TEMP per call; a self-hosted runner keeps them. Removes those made while calls ran,
 * once the last concurrent call is done (a call's directory is in use until then). Calls with
 * their own RUNNER_TEMP (isolation.ts) leave theirs in the run's work dir, removed with it.
 */
async function tidyTemp<T>(fn: () => Promise<T>): Promise<T> {
  if (inFlight++ === 0) tempBefore = listTemp();
  const before = await tempBefore;
  try {
    return await fn();
  } finally {
    if (--inFlight === 0) {
      const temp = process.env.RUNNER_TEMP;
      if (temp) {
        for (const name of await listTemp()) {
          if (!before.has(name) && UUID.test(name)) await rm(`${temp}/${name}`, { recursive: true, force: true }).catch(() => undefined);
        }
      }
    }
  }
}

/** The probe of each guard's service: once per step, whichever call comes first. */
const probed = new WeakMap<ServiceGuard, Promise<void>>();

/**
 * The cache service with deadlines: the first call of a step asks the service once (probe.ts),
 * every call runs under `guard`, and a call given up on has its sockets closed.
 */
export function guardedCache(raw: RawCache, guard: ServiceGuard, env?: CacheEnv): CacheService {
  const checkHealth = (): Promise<void> => {
    let healthy = probed.get(guard);
    if (!healthy) {
      healthy = guard
        .call('first request', (signal) => raw.probe(signal))
        .catch((error: unknown) => {
          guard.giveUp(error instanceof Error ? error.message : String(error));
          throw error;
        });
      probed.set(guard, healthy);
    }
    return healthy;
  };
  const progress = cacheProgress(env ? [env.workspace, env.temp] : []);
  const run = async <T>(what: string, work: () => Promise<T>, chdir = false): Promise<T> => {
    await checkHealth();
    const inEnv = (): Promise<T> => asCacheCall(() => tidyTemp(work));
    try {
      return await guard.call(what, (signal) => (env ? withCacheEnv(env, inEnv, chdir, signal) : inEnv()), progress);
    } catch (error) {
      if (guard.down) abandonCacheCalls();
      throw error;
    }
  };
  return {
    available: () => raw.available(),
    restore: (paths, primaryKey, restoreKeys) => run(`restoring ${primaryKey}`, () => raw.restore(paths, primaryKey, restoreKeys, false)),
    has: async (paths, key) => (await run(`looking up ${key}`, () => raw.restore(paths, key, [], true))) === key,
    save: (paths, key) =>
      run(
        `saving ${key}`,
        async () => {
          const id = await raw.save(paths, key);
          // @actions/cache reports most save faults as -1 after logging them itself.
          if (id === -1) throw new Error(`the cache service did not store ${key}`);
        },
        // @actions/cache finds the paths to save from the working directory.
        true,
      ),
    within: (given) => guardedCache(raw, guard, given),
  };
}

/** One guard per process (a step): the Go cache and the size baseline share the service's budget. */
export const cacheGuard = new ServiceGuard(CACHE_BUDGET);

export const actionsCache: CacheService = guardedCache(actionsToolkit, cacheGuard);

/** The real service under a guard of its own, its deadlines scaled (RunContext.deadlineScale): one per step. */
export function actionsCacheService(deadlineScale: number): CacheService {
  return deadlineScale === 1 ? actionsCache : guardedCache(actionsToolkit, new ServiceGuard(CACHE_BUDGET, Date.now, deadlineScale));
}

/** The service with its calls in `env`: its own way when it has one, else around each call. */
export function isolate(service: CacheService, env: CacheEnv): CacheService {
  if (service.within) return service.within(env);
  return {
    available: () => service.available(),
    restore: (paths, primaryKey, restoreKeys) => withCacheEnv(env, () => service.restore(paths, primaryKey, restoreKeys)),
    save: (paths, key) => withCacheEnv(env, () => service.save(paths, key), true),
    has: service.has ? (paths, key) => withCacheEnv(env, () => service.has!(paths, key)) : undefined,
  };
}

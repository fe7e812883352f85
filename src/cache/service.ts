/**
 * The Actions cache service, behind one small interface: the real `@actions/cache` in the action,
 * a fake in unit tests. Every fault becomes a warning upstream; nothing here fails a build.
 */
import * as cache from '@actions/cache';
import { readdir, rm } from 'node:fs/promises';

export interface CacheService {
  /** Whether a cache service is configured for this job. */
  available(): boolean;
  /** The key restored (exact or by prefix), or undefined on a miss. */
  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<void>;
  /** Whether an entry with exactly this key is stored (a save of it would only warn). */
  has?(paths: string[], key: string): Promise<boolean>;
}

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
 * once the last concurrent call is done (a call's directory is in use until then).
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

export const actionsCache: CacheService = {
  available: () => cache.isFeatureAvailable(),
  restore: (paths, primaryKey, restoreKeys) => tidyTemp(async () => (await cache.restoreCache(paths, primaryKey, restoreKeys)) ?? undefined),
  save: (paths, key) =>
    tidyTemp(async () => {
      const id = await cache.saveCache(paths, key);
      // @actions/cache reports most save faults as -1 after logging them itself.
      if (id === -1) throw new Error(`the cache service did not store ${key}`);
    }),
  has: (paths, key) => tidyTemp(async () => (await cache.restoreCache(paths, key, [], { lookupOnly: true })) === key),
};

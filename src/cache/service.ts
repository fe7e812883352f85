/**
 * The Actions cache service, behind one small interface: the real `@actions/cache` in the action,
 * a fake in unit tests. Every fault becomes a warning upstream; nothing here fails a build.
 */
import * as cache from '@actions/cache';

export interface CacheService {
  /** Whether a cache service is configured for this job. */
  available(): boolean;
  /** The key restored (exact or by prefix), or undefined on a miss. */
  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<void>;
}

export const actionsCache: CacheService = {
  available: () => cache.isFeatureAvailable(),
  restore: async (paths, primaryKey, restoreKeys) => (await cache.restoreCache(paths, primaryKey, restoreKeys)) ?? undefined,
  save: async (paths, key) => {
    const id = await cache.saveCache(paths, key);
    // @actions/cache reports most save faults as -1 after logging them itself.
    if (id === -1) throw new Error(`the cache service did not store ${key}`);
  },
};

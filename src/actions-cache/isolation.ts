import type { GoCacheEnv } from '../state.js';
/**
 * Every file a run's cache calls write lives in that run's work dir. @actions/cache reads
 * GITHUB_WORKSPACE when it packs or unpacks (paths in the archive are relative to it) and
 * RUNNER_TEMP when it makes the directory for the archive, so the cache worker of each call
 * (worker.ts) is started with both pointing into the work dir: two runs on one machine (one
 * HOME) never share a file, a cancelled run's partial download is under its work dir, and the
 * post step's removal of that dir removes it all. The path strings given to @actions/cache stay
 * the same on every run (they are part of the entry's version): relative ones, under the
 * workspace given here.
 */
import { join } from 'node:path';

/** Where this run's calls to the cache service keep their files (saved for the post step). */
export type CacheEnv = GoCacheEnv;

/** Pure: where a run's cache calls work, inside its work dir. */
export function cacheEnv(workDir: string): CacheEnv {
  return { workspace: join(workDir, 'go-cache-workspace'), temp: join(workDir, 'go-cache-temp') };
}

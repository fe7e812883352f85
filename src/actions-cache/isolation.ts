import type { GoCacheEnv } from '../state.js';
/**
 * Every file a run's cache calls write lives in that run's work dir. @actions/cache reads
 * GITHUB_WORKSPACE when it packs or unpacks (paths in the archive are relative to it) and
 * RUNNER_TEMP when it makes the directory for the archive, so both point into the work dir
 * while a call runs: two runs on one machine (one HOME) never share a file, a cancelled run's
 * partial download is under its work dir, and the post step's removal of that dir removes it all.
 * The path strings given to @actions/cache stay the same on every run (they are part of the
 * entry's version): relative ones, under the workspace set here.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Where this run's calls to the cache service keep their files (saved for the post step). */
export type CacheEnv = GoCacheEnv;

/** Pure: where a run's cache calls work, inside its work dir. */
export function cacheEnv(workDir: string): CacheEnv {
  return { workspace: join(workDir, 'go-cache-workspace'), temp: join(workDir, 'go-cache-temp') };
}

interface Lease {
  env: CacheEnv;
  chdir: boolean;
  holders: number;
  saved: { workspace?: string; temp?: string; cwd: string };
  released: Promise<void>;
  release: () => void;
}

let current: Lease | undefined;

function restoreVar(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function sameLease(lease: Lease, env: CacheEnv, chdir: boolean): boolean {
  return lease.env.workspace === env.workspace && lease.env.temp === env.temp && lease.chdir === chdir;
}

async function acquire(env: CacheEnv, chdir: boolean): Promise<Lease> {
  // Calls with the same settings share them; others wait until those calls are done.
  while (current && !sameLease(current, env, chdir)) await current.released;
  if (current) {
    current.holders++;
    return current;
  }
  await mkdir(env.workspace, { recursive: true });
  await mkdir(env.temp, { recursive: true });
  if (current) return acquire(env, chdir);
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const lease: Lease = {
    env,
    chdir,
    holders: 1,
    saved: { workspace: process.env.GITHUB_WORKSPACE, temp: process.env.RUNNER_TEMP, cwd: process.cwd() },
    released,
    release,
  };
  process.env.GITHUB_WORKSPACE = env.workspace;
  process.env.RUNNER_TEMP = env.temp;
  if (chdir) process.chdir(env.workspace);
  current = lease;
  return lease;
}

function letGo(lease: Lease): void {
  if (--lease.holders > 0) return;
  try {
    restoreVar('GITHUB_WORKSPACE', lease.saved.workspace);
    restoreVar('RUNNER_TEMP', lease.saved.temp);
    if (lease.chdir) process.chdir(lease.saved.cwd);
  } finally {
    // Whatever happened above, the next caller must not wait on this lease for ever.
    current = undefined;
    lease.release();
  }
}

/**
 * Runs `work` with GITHUB_WORKSPACE and RUNNER_TEMP (and with `chdir` the working directory)
 * set to `env`, restored when the last concurrent call with the same settings is done, or when
 * `signal` aborts (a call abandoned at its deadline may never settle: the rest of the run must
 * not inherit these settings).
 */
export async function withCacheEnv<T>(env: CacheEnv, work: () => Promise<T>, chdir = false, signal?: AbortSignal): Promise<T> {
  const lease = await acquire(env, chdir);
  let held = true;
  const leave = (): void => {
    if (!held) return;
    held = false;
    letGo(lease);
  };
  signal?.addEventListener('abort', leave, { once: true });
  try {
    return await work();
  } finally {
    signal?.removeEventListener('abort', leave);
    leave();
  }
}

import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheEnv } from '../actions-cache/isolation.js';
import { isolate, type CacheService } from '../actions-cache/service.js';
import type { CommentApi } from '../github/comment.js';
import { artifactHandoffStore } from '../merge/artifact-store.js';
import { cacheHandoffStore, type HandoffStore } from '../merge/store.js';
import { CachePruner } from '../go-cache/prune.js';
import type { GoCacheSaveMode } from '../go-cache/quota.js';
import type { SupersedeBaseline } from '../size/find-baseline.js';
import { StateWriter } from '../state.js';
import type { PipelineDeps } from './deps.js';

/** A work dir of this run's own, saved before anything is written there: the post step removes it, even after a cancel. */
export async function runWorkDir(
  deps: Pick<PipelineDeps, 'ctx' | 'reporter'>,
  state = new StateWriter((name, value) => deps.reporter.saveState(name, value)),
): Promise<string> {
  const workDir = await mkdtemp(join(deps.ctx.tempDir, 'go-container-action-'));
  state.workDir(workDir);
  return workDir;
}

/**
 * The cache service for the hand-off and the cached size report, with their files in the run's
 * work dir (as the Go cache's): the user's workspace is never written, and two runs in one
 * workspace do not share a file.
 */
export function runCache(deps: Pick<PipelineDeps, 'cache'>, workDir: string): { service: CacheService; workspace: string } {
  const env = cacheEnv(workDir);
  return { service: isolate(deps.cache, env), workspace: env.workspace };
}

/** Pure: the one notice of a hand-off that goes through the cache, and why. */
export function cacheHandoffNotice(why: string): string {
  return (
    `The results for the merge job go through the Actions cache: ${why}. ` +
    "A cache that is full or read-only breaks this hand-off; where the artifact service is there (github.com, GHE.com), it goes through the run's artifacts."
  );
}

/**
 * Where this run hands the per-platform results to the merge job: the run's artifacts, or where
 * the artifact service is missing the Actions cache, said once in a notice.
 */
export function runHandoff(deps: Pick<PipelineDeps, 'cache' | 'artifacts' | 'reporter'>, workDir: string): HandoffStore {
  const why = deps.artifacts ? deps.artifacts.missing() : 'this run has no artifact service';
  if (deps.artifacts && why === undefined) return artifactHandoffStore(deps.artifacts, workDir);
  deps.reporter.notice(cacheHandoffNotice(why ?? ''));
  const cache = runCache(deps, workDir);
  return cacheHandoffStore(cache.service, cache.workspace);
}

/** What the size report talks to: the run's cache and, with a token, the GitHub API. */
export interface ReportServices {
  cacheService: CacheService;
  cacheWorkspace: string;
  commentApi?: CommentApi;
  /** Deletes the baseline entries a saved one supersedes on the run's ref (go-cache-save auto). */
  supersede?: SupersedeBaseline;
}

/**
 * The report's services. `quota`: go-cache-save, which the cached baseline follows too (one entry
 * per ref unless always), and what to do when the token may not delete (said once per job).
 */
export function reportServices(
  deps: Pick<PipelineDeps, 'github' | 'caches' | 'reporter' | 'ctx'>,
  cache: { service: CacheService; workspace: string },
  token: string,
  quota?: { mode: GoCacheSaveMode; stopped: (why: 'denied' | 'fault') => void },
): ReportServices {
  const services = { cacheService: cache.service, cacheWorkspace: cache.workspace, commentApi: token ? deps.github(token) : undefined };
  if (!quota || quota.mode === 'always') return services;
  const pruner = new CachePruner(token ? deps.caches?.(token) : undefined, deps.reporter);
  return { ...services, supersede: { pruner, ref: deps.ctx.ref, stopped: quota.stopped } };
}

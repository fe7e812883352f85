import type { Reporter } from '../reporter.js';
import type { GoCacheSave, PostState } from '../state.js';
import { errorText } from '../errors.js';
import { isolate, type CacheService } from '../actions-cache/service.js';
import type { CacheApi } from '../github/caches.js';
import { formatBinaryBytes } from '../util/bytes.js';
import { CachePruner } from './prune.js';
import { renderQuotaSummary } from './quota.js';

/** The post step: uploads what the main step prepared (the archives go with the work dir); returns what it stored. */
export async function saveGoCaches(
  state: Pick<PostState, 'goCacheSaves' | 'goCacheEnv'>,
  service: CacheService,
  reporter: Reporter,
): Promise<GoCacheSave[]> {
  const saves = state.goCacheSaves;
  const env = state.goCacheEnv;
  if (saves.length === 0 || !env) return [];
  const isolated = isolate(service, env);
  const faults = new Set<string>();
  const saved: GoCacheSave[] = [];
  for (const save of saves) {
    const started = Date.now();
    try {
      await isolated.save([save.path], save.key);
      saved.push(save);
      reporter.info(
        `Go cache: saved ${save.id} (${formatBinaryBytes(save.bytes)}) as ${save.key} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      // One warning per fault: a service given up on fails every save with the same reason.
      const fault = errorText(error);
      if (!faults.has(fault)) reporter.warning(`Go cache: could not save ${save.id}: ${fault}`);
      else reporter.info(`Go cache: ${save.id} not saved either`);
      faults.add(fault);
    }
  }
  // The archives are in the run's work dir, which the post step removes next.
  return saved;
}

/**
 * After the saves: with go-cache-save auto, deletes the entries each new one supersedes (the
 * same cache on the same ref), then says in the job summary what was saved and deleted and how
 * much of the repository's cache is used. Never throws.
 */
export async function settleGoCacheQuota(
  state: Pick<PostState, 'goCacheQuota' | 'cacheDeleteStopped'>,
  saved: GoCacheSave[],
  deps: { reporter: Reporter; api?: CacheApi },
): Promise<void> {
  const quota = state.goCacheQuota;
  if (!quota || saved.length === 0) return;
  const pruner = new CachePruner(deps.api, deps.reporter, state.cacheDeleteStopped);
  if (quota.supersede) {
    for (const s of saved) if (s.prefix) await pruner.supersede({ key: s.key, prefix: s.prefix, ref: quota.ref }, `Go cache: ${s.id}`);
    if (pruner.stop === 'no-token') deps.reporter.info('Go cache: no github-token: superseded entries are not deleted');
  }
  const usage = await pruner.usage();
  deps.reporter.addSummary(
    renderQuotaSummary({
      mode: quota.mode,
      saved: saved.map((s) => ({ id: s.id, key: s.key, bytes: s.bytes })),
      deleted: pruner.deleted,
      notDeleted: pruner.notDeleted,
      usage,
    }),
  );
}

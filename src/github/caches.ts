/**
 * The repository's Actions cache entries through the REST API (list by key prefix and ref,
 * delete by id, the repository's use), for keeping one entry per cache and ref. Deleting needs
 * `actions: write`; every call runs under the run's guard of the GitHub API.
 */
import type { RunContext } from '../context.js';
import { isRecord } from '../util/json.js';
import { githubApiGuard, hasNextPage, repositoryOctokit } from './api.js';
import type { ServiceGuard } from '../util/deadline.js';

/** An Actions cache entry as the REST API lists it. */
export interface ListedCacheEntry {
  id: number;
  key: string;
  ref: string;
  sizeBytes: number;
  /** ISO time. */
  createdAt: string;
}

export interface CacheApi {
  /** The entries whose key starts with `keyPrefix` on `ref`, newest first. */
  list(keyPrefix: string, ref: string): Promise<ListedCacheEntry[]>;
  remove(id: number): Promise<void>;
  /** The repository's active cache entries: their bytes and count. */
  usage(): Promise<{ bytes: number; count: number }>;
}

/** Pages of 100 entries read at most: one cache of one ref has a few; a server that always says "next" cannot hold the step. */
const MAX_PAGES = 10;

/** Pure: one listed entry, or undefined when it lacks what an entry has. */
export function parseCacheEntry(raw: unknown): ListedCacheEntry | undefined {
  if (!isRecord(raw) || !Number.isSafeInteger(raw.id) || typeof raw.key !== 'string' || typeof raw.ref !== 'string') return undefined;
  const size = typeof raw.size_in_bytes === 'number' && raw.size_in_bytes >= 0 ? raw.size_in_bytes : 0;
  const createdAt = typeof raw.created_at === 'string' && !Number.isNaN(Date.parse(raw.created_at)) ? raw.created_at : undefined;
  if (!createdAt) return undefined;
  return { id: raw.id as number, key: raw.key, ref: raw.ref, sizeBytes: size, createdAt };
}

/** Pure: a page of the cache list, or undefined when the answer is not one. */
export function parseCacheList(raw: unknown): ListedCacheEntry[] | undefined {
  if (!isRecord(raw) || !Array.isArray(raw.actions_caches)) return undefined;
  const out: ListedCacheEntry[] = [];
  for (const item of raw.actions_caches) {
    const e = parseCacheEntry(item);
    if (!e) return undefined;
    out.push(e);
  }
  return out;
}

/** Pure: the usage answer, or undefined when it is not one. */
export function parseCacheUsage(raw: unknown): { bytes: number; count: number } | undefined {
  if (!isRecord(raw)) return undefined;
  const bytes = raw.active_caches_size_in_bytes;
  const count = raw.active_caches_count;
  if (typeof bytes !== 'number' || typeof count !== 'number' || bytes < 0 || count < 0) return undefined;
  return { bytes, count };
}

/** The real API through Octokit, at GITHUB_API_URL, every call with a deadline. */
export function octokitCacheApi(token: string, repository: string, apiUrl: string, guard: ServiceGuard): CacheApi {
  const { octokit, owner, repo, nonsense } = repositoryOctokit(token, repository, apiUrl, guard);
  return {
    async list(keyPrefix, ref) {
      const all: ListedCacheEntry[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const res = await octokit.rest.actions.getActionsCacheList({
          owner,
          repo,
          key: keyPrefix,
          ref,
          sort: 'created_at',
          direction: 'desc',
          per_page: 100,
          ...(page > 1 ? { page } : {}),
        });
        const list = parseCacheList(res.data);
        if (!list) throw nonsense('a list of cache entries');
        all.push(...list);
        if (!hasNextPage(res.headers.link)) break;
      }
      return all;
    },
    async remove(id) {
      await octokit.rest.actions.deleteActionsCacheById({ owner, repo, cache_id: id });
    },
    async usage() {
      const { data } = await octokit.rest.actions.getActionsCacheUsage({ owner, repo });
      const usage = parseCacheUsage(data);
      if (!usage) throw nonsense("the repository's cache usage");
      return usage;
    },
  };
}

/** The cache entries API of the run's repository, for whichever token the step is given. */
export function githubCaches(ctx: Pick<RunContext, 'repository' | 'apiUrl' | 'deadlineScale'>): (token: string) => CacheApi {
  return (token) => octokitCacheApi(token, ctx.repository, ctx.apiUrl, githubApiGuard(ctx.deadlineScale));
}

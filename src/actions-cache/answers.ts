/**
 * What the cache service answered to one call of @actions/cache, in words: the cache worker
 * sees every HTTP answer (worker.ts), and an answer that is a fault is reported as that status,
 * never as a time-out (@actions/cache retries a 5xx and then only logs it).
 */

const TWIRP = /\/twirp\/github\.actions\.results\.api\.v1\.CacheService\/(\w+)$/;

/** What each request of @actions/cache does, as a message names it. */
const CALLS: Record<string, string> = {
  CreateCacheEntry: 'reserving the entry',
  FinalizeCacheEntryUpload: 'finalizing the upload',
  GetCacheEntryDownloadURL: 'looking up the entry',
};

/** Pure: the request in words, from its method and path ("finalizing the upload"). */
export function cacheRequestOf(method: string, path: string): string {
  const twirp = TWIRP.exec(path.split('?')[0] ?? '');
  if (twirp) return CALLS[twirp[1]!] ?? twirp[1]!;
  if (method === 'PUT') return 'the upload';
  if (method === 'GET' || method === 'HEAD') return 'the download';
  return `${method} ${path.split('?')[0] ?? ''}`;
}

/** Pure: "answered 500 Internal Server Error to finalizing the upload"; undefined for an answer that is no fault. */
export function answerFault(request: string, status: number, statusText: string): string | undefined {
  if (status >= 200 && status < 400) return undefined;
  return `answered ${status}${statusText ? ` ${statusText}` : ''} to ${request}`;
}

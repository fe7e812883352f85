/**
 * What the cache service answered to one call of @actions/cache, in words: the cache worker
 * sees every HTTP answer (worker.ts), and an answer that is a fault is reported as that status,
 * never as a time-out (@actions/cache retries a 5xx and then only logs it).
 */

const TWIRP = /\/twirp\/github\.actions\.results\.api\.v1\.(?:CacheService|ArtifactService)\/(\w+)$/;

/** What each request of @actions/cache and @actions/artifact does, as a message names it. */
const CALLS: Record<string, string> = {
  CreateCacheEntry: 'reserving the entry',
  FinalizeCacheEntryUpload: 'finalizing the upload',
  GetCacheEntryDownloadURL: 'looking up the entry',
  CreateArtifact: 'creating the artifact',
  FinalizeArtifact: 'finalizing the artifact',
  ListArtifacts: "listing the run's artifacts",
  GetSignedArtifactURL: 'asking for the download URL',
};

/** Pure: whether a request (as cacheRequestOf names it) is a Twirp call of the results service. */
export function isTwirpRequest(request: string): boolean {
  return Object.values(CALLS).includes(request);
}

/** Pure: the request in words, from its method and path ("finalizing the upload"). */
export function cacheRequestOf(method: string, path: string): string {
  const twirp = TWIRP.exec(path.split('?')[0] ?? '');
  if (twirp) return CALLS[twirp[1]!] ?? twirp[1]!;
  if (method === 'PUT') return 'the upload';
  if (method === 'GET' || method === 'HEAD') return 'the download';
  return `${method} ${path.split('?')[0] ?? ''}`;
}

/**
 * Pure: "answered 500 Internal Server Error to finalizing the upload"; undefined for an answer
 * that is no fault. With its content type, a 2xx Twirp answer that is not JSON is one too.
 */
export function answerFault(request: string, status: number, statusText: string, contentType?: string): string | undefined {
  if (contentType !== undefined && status >= 200 && status < 300 && isTwirpRequest(request) && !/json/i.test(contentType))
    return `answered ${status} with something that is not JSON (${contentType || 'no content type'}) to ${request}`;
  if (status >= 200 && status < 400) return undefined;
  return `answered ${status}${statusText ? ` ${statusText}` : ''} to ${request}`;
}

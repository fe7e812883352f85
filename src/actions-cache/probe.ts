/**
 * One small request to the cache service before the first real call of a step. @actions/cache
 * reports a service that answers 500 or garbage as a plain miss, after retrying for about half
 * a minute; this request tells those apart in one round trip, so the run warns with what
 * happened and goes on without the service at once.
 */

/** The service answered, but not as a cache service does: the run goes on without it. */
export class CacheServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheServiceError';
  }
}

export interface ProbeAnswer {
  status: number;
  statusText: string;
  body: string;
}

/** The key looked up: never saved by anyone, so the answer is a miss on a healthy service. */
export const PROBE_KEY = 'go-container-action-probe';
const PROBE_VERSION = '0'.repeat(64);
const TWIRP_LOOKUP = '/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL';
/** A 5xx or a dropped connection is tried once more after this long (within the call's deadline). */
const RETRY_AFTER_MS = 2000;

function quoted(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text === '' ? 'an empty body' : `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
}

/**
 * Pure: why an answer shows the service unusable, or undefined when it is fine. A v1 service
 * answers a miss with 204; a v2 (Twirp) service with a JSON object.
 */
export function probeVerdict(answer: ProbeAnswer, name = 'the cache service'): string | undefined {
  const { status, statusText, body } = answer;
  if (status < 200 || status > 299) return `${name} answered ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 204) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return undefined;
  } catch {
    // Not JSON: garbage, below.
  }
  return `${name} answered ${status} with something that is not its JSON (${quoted(body)})`;
}

/**
 * Pure: whether a cache service is configured, by the rule of @actions/cache's isFeatureAvailable
 * (v2 on github.com and GHE.com needs ACTIONS_RESULTS_URL, otherwise ACTIONS_CACHE_URL), read
 * from `env` so the action decides without loading @actions/cache (that runs in the cache worker).
 */
export function cacheServiceConfigured(env: NodeJS.ProcessEnv): boolean {
  const host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.trimEnd().toUpperCase();
  const ghes = host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST');
  if (env.ACTIONS_CACHE_SERVICE_V2 && !ghes) return Boolean(env.ACTIONS_RESULTS_URL);
  return Boolean(env.ACTIONS_CACHE_URL);
}

export interface ProbeTarget {
  url: string;
  init: RequestInit;
}

/** Where and how to ask, from the runner's environment (undefined: no cache service configured). */
export function probeTarget(env: NodeJS.ProcessEnv = process.env): ProbeTarget | undefined {
  const token = env.ACTIONS_RUNTIME_TOKEN ?? '';
  if (env.ACTIONS_CACHE_SERVICE_V2 && env.ACTIONS_RESULTS_URL) {
    return {
      url: new URL(TWIRP_LOOKUP, env.ACTIONS_RESULTS_URL).href,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ key: PROBE_KEY, restore_keys: [], version: PROBE_VERSION }),
      },
    };
  }
  const v1 = env.ACTIONS_CACHE_URL;
  if (!v1) return undefined;
  const url = new URL(`_apis/artifactcache/cache?keys=${PROBE_KEY}&version=${PROBE_VERSION}`, v1.endsWith('/') ? v1 : `${v1}/`).href;
  return {
    url,
    init: { method: 'GET', headers: { accept: 'application/json;api-version=6.0-preview.1', authorization: `Bearer ${token}` } },
  };
}

async function ask(target: ProbeTarget, signal: AbortSignal): Promise<ProbeAnswer> {
  const res = await fetch(target.url, { ...target.init, signal });
  return { status: res.status, statusText: res.statusText, body: await res.text() };
}

/**
 * Asks the service once (twice after a 5xx or a dropped connection); throws a CacheServiceError
 * saying what it answered when that is not a cache service's answer.
 */
export async function probeCacheService(signal: AbortSignal, target = probeTarget(), name = 'the cache service'): Promise<void> {
  if (!target) return;
  let verdict: string | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const answer = await ask(target, signal);
      verdict = probeVerdict(answer, name);
      if (answer.status < 500) break;
    } catch (error) {
      if (signal.aborted) throw error;
      verdict = `${name} could not be reached (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)})`;
    }
    if (attempt === 1) await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
  }
  if (verdict) throw new CacheServiceError(verdict);
}

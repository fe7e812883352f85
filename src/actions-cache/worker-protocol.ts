/**
 * What the action and its cache worker (worker.ts) say to each other: one request on the
 * worker's command line, then progress messages and one answer over its IPC channel.
 */

/** One call of @actions/cache, and the directories whose growth counts as its progress. */
export type WorkerRequest = { dirs: string[] } & (
  | { call: 'probe' }
  | { call: 'restore'; paths: string[]; primaryKey: string; restoreKeys: string[]; lookupOnly: boolean }
  | { call: 'save'; paths: string[]; key: string }
);

export type WorkerMessage =
  /** Bytes moved so far over the worker's sockets and into its directories. */
  | { kind: 'progress'; bytes: number }
  /** restore: the key restored or null; save: the entry id (-1 when @actions/cache logged a fault); probe: null. */
  | { kind: 'result'; value: string | number | null }
  /** The cache service answered one request (answers.ts names it): a sign of life, and a fault when not 2xx. */
  | { kind: 'answer'; request: string; status: number; statusText: string }
  | { kind: 'error'; name: string; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Pure: the message, when `value` is one of the worker's. */
export function workerMessage(value: unknown): WorkerMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.kind === 'progress' && typeof value.bytes === 'number') return { kind: 'progress', bytes: value.bytes };
  if (value.kind === 'result' && (value.value === null || typeof value.value === 'string' || typeof value.value === 'number')) {
    return { kind: 'result', value: value.value };
  }
  if (
    value.kind === 'answer' &&
    typeof value.request === 'string' &&
    typeof value.status === 'number' &&
    typeof value.statusText === 'string'
  ) {
    return { kind: 'answer', request: value.request, status: value.status, statusText: value.statusText };
  }
  if (value.kind === 'error' && typeof value.name === 'string' && typeof value.message === 'string') {
    return { kind: 'error', name: value.name, message: value.message };
  }
  return undefined;
}

const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((s) => typeof s === 'string');

/** Pure: the request given on the worker's command line; throws when it is not one. */
export function parseWorkerRequest(text: string | undefined): WorkerRequest {
  const value: unknown = JSON.parse(text ?? 'null');
  if (isRecord(value) && strings(value.dirs)) {
    const { dirs } = value;
    if (value.call === 'probe') return { call: 'probe', dirs };
    if (value.call === 'save' && strings(value.paths) && typeof value.key === 'string')
      return { call: 'save', dirs, paths: value.paths, key: value.key };
    if (
      value.call === 'restore' &&
      strings(value.paths) &&
      typeof value.primaryKey === 'string' &&
      strings(value.restoreKeys) &&
      typeof value.lookupOnly === 'boolean'
    ) {
      const { paths, primaryKey, restoreKeys, lookupOnly } = value;
      return { call: 'restore', dirs, paths, primaryKey, restoreKeys, lookupOnly };
    }
  }
  throw new Error(`not a cache worker request: ${text}`);
}

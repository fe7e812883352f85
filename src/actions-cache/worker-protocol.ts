/**
 * What the action and its worker (worker.ts) say to each other: one request on the
 * worker's command line, then progress messages and one answer over its IPC channel.
 */

/** One call of @actions/artifact (actions-artifact/calls.ts). */
export type ArtifactRequest =
  | { call: 'artifact-upload'; name: string; file: string; root: string }
  | { call: 'artifact-list' }
  | { call: 'artifact-download'; id: number; path: string; expectedHash?: string };

/** One call of @actions/cache or @actions/artifact, and the directories whose growth counts as its progress. */
export type WorkerRequest = { dirs: string[] } & (
  | { call: 'probe' }
  | { call: 'restore'; paths: string[]; primaryKey: string; restoreKeys: string[]; lookupOnly: boolean }
  | { call: 'save'; paths: string[]; key: string }
  | ArtifactRequest
);

export type WorkerMessage =
  /** Bytes moved so far over the worker's sockets and into its directories. */
  | { kind: 'progress'; bytes: number }
  /** restore: the key restored or null; save: the entry id (-1 when @actions/cache logged a fault); probe: null. */
  | { kind: 'result'; value: string | number | null }
  /** The service answered one request (answers.ts names it): a sign of life, and a fault when not 2xx. */
  | { kind: 'answer'; request: string; status: number; statusText: string; contentType?: string }
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
    const contentType = typeof value.contentType === 'string' ? { contentType: value.contentType } : {};
    return { kind: 'answer', request: value.request, status: value.status, statusText: value.statusText, ...contentType };
  }
  if (value.kind === 'error' && typeof value.name === 'string' && typeof value.message === 'string') {
    return { kind: 'error', name: value.name, message: value.message };
  }
  return undefined;
}

const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((s) => typeof s === 'string');

function artifactRequest(value: Record<string, unknown>): ArtifactRequest | undefined {
  const { name, file, root, id, path, expectedHash } = value;
  if (value.call === 'artifact-list') return { call: 'artifact-list' };
  if (value.call === 'artifact-upload' && typeof name === 'string' && typeof file === 'string' && typeof root === 'string')
    return { call: 'artifact-upload', name, file, root };
  if (value.call === 'artifact-download' && typeof id === 'number' && typeof path === 'string')
    return { call: 'artifact-download', id, path, ...(typeof expectedHash === 'string' ? { expectedHash } : {}) };
  return undefined;
}

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
    const artifact = artifactRequest(value);
    if (artifact) return { ...artifact, dirs };
  }
  throw new Error(`not a worker request: ${text}`);
}

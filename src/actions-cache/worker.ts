/**
 * A worker: one call of @actions/cache (worker-entry.ts) or of @actions/artifact
 * (actions-artifact/worker-entry.ts, a bundle of its own) in a process of its own. The action
 * starts it with the call's GITHUB_WORKSPACE, RUNNER_TEMP and working directory (what both
 * clients read at call time), so the action's own process never changes its environment or
 * directory. It
 * reports progress every half second, then its answer, and exits; the action kills it (its
 * whole process group, tar included) on a stall, a deadline or a cancel.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { errorText } from '../errors.js';
import { cacheRequestOf } from './answers.js';
import { probeCacheService } from './probe.js';
import { meterSockets, treeBytes } from './progress.js';
import { parseWorkerRequest, type WorkerMessage, type WorkerRequest } from './worker-protocol.js';

/** How often the worker reports the bytes it moved (the action looks once a second). */
const PROGRESS_EVERY_MS = 500;

/** What a worker does with its one request: its answer, or a throw. */
export type WorkerAnswer = (request: WorkerRequest) => Promise<string | number | null>;

/** The probe, the one call both workers answer alike (probe.ts: one request, no client library). */
export async function probeAnswer(): Promise<null> {
  await probeCacheService(new AbortController().signal);
  return null;
}

/** Tells the action about every answer of the cache service: a sign of life, and the status of a fault. */
function reportAnswers(): void {
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request?: ClientRequest; response?: IncomingMessage };
    if (!request || !response?.statusCode) return;
    void send({
      kind: 'answer',
      request: cacheRequestOf(request.method, request.path),
      status: response.statusCode,
      statusText: response.statusMessage ?? '',
      contentType: String(response.headers['content-type'] ?? ''),
    });
  });
}

/**
 * Pure: @actions/cache's log with its `::error::` commands as warnings. It logs a 5xx of a save as
 * an error, yet a cache that could not be saved never fails a build: the action warns of it too.
 */
export function savesWarnOnly(text: string): string {
  return text.replace(/^::error(?=[ :])/gm, '::warning');
}

/**
 * Pure: @actions/artifact's log with its annotations as plain lines. It warns of every fault
 * itself, before the action says once what failed and what follows from it.
 */
export function withoutAnnotations(text: string): string {
  return text.replace(/^::(?:error|warning|notice)(?: [^:]*)?::/gm, '');
}

/** Rewrites what this process writes to stdout (savesWarnOnly, or withoutAnnotations for an artifact call). */
function rewriteStdout(rewrite: (text: string) => string): void {
  const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) =>
    write(typeof chunk === 'string' ? rewrite(chunk) : chunk, ...rest);
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Runs the request on the command line and exits (0 with an answer sent, 1 otherwise). */
export async function runWorker(answer: WorkerAnswer, argv: readonly string[] = process.argv): Promise<void> {
  // Without the action on the other end, nobody waits for the answer.
  process.on('disconnect', () => process.exit(1));
  reportAnswers();
  let message: WorkerMessage;
  let timer: NodeJS.Timeout | undefined;
  try {
    const request = parseWorkerRequest(argv[2]);
    rewriteStdout(request.call.startsWith('artifact-') ? withoutAnnotations : savesWarnOnly);
    const networkBytes = meterSockets();
    let last = -1;
    timer = setInterval(() => {
      const bytes = networkBytes() + request.dirs.reduce((sum, dir) => sum + treeBytes(dir), 0);
      if (bytes !== last) void send({ kind: 'progress', bytes: (last = bytes) });
    }, PROGRESS_EVERY_MS);
    message = { kind: 'result', value: await answer(request) };
  } catch (error) {
    message = { kind: 'error', name: error instanceof Error ? error.name : 'Error', message: errorText(error) };
  } finally {
    clearInterval(timer);
  }
  await send(message);
  process.exit(message.kind === 'result' ? 0 : 1);
}

/**
 * The cache worker: one call of @actions/cache in a process of its own. The action starts it
 * with the call's GITHUB_WORKSPACE, RUNNER_TEMP and working directory (what @actions/cache reads
 * at call time), so the action's own process never changes its environment or directory. It
 * reports progress every half second, then its answer, and exits; the action kills it (its
 * whole process group, tar included) on a stall, a deadline or a cancel.
 */
import * as cache from '@actions/cache';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { errorText } from '../errors.js';
import { cacheRequestOf } from './answers.js';
import { probeCacheService } from './probe.js';
import { meterSockets, treeBytes } from './progress.js';
import { parseWorkerRequest, type WorkerMessage, type WorkerRequest } from './worker-protocol.js';

/** How often the worker reports the bytes it moved (the action looks once a second). */
const PROGRESS_EVERY_MS = 500;

async function answer(request: WorkerRequest): Promise<string | number | null> {
  switch (request.call) {
    case 'probe':
      await probeCacheService(new AbortController().signal);
      return null;
    case 'restore':
      return (await cache.restoreCache(request.paths, request.primaryKey, request.restoreKeys, { lookupOnly: request.lookupOnly })) ?? null;
    case 'save':
      return cache.saveCache(request.paths, request.key);
  }
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

/** Rewrites what this process writes to stdout (savesWarnOnly). */
function warnOnlyOnStdout(): void {
  const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) =>
    write(typeof chunk === 'string' ? savesWarnOnly(chunk) : chunk, ...rest);
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Runs the request on the command line and exits (0 with an answer sent, 1 otherwise). */
export async function runCacheWorker(argv: readonly string[] = process.argv): Promise<void> {
  // Without the action on the other end, nobody waits for the answer.
  process.on('disconnect', () => process.exit(1));
  warnOnlyOnStdout();
  reportAnswers();
  let message: WorkerMessage;
  let timer: NodeJS.Timeout | undefined;
  try {
    const request = parseWorkerRequest(argv[2]);
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

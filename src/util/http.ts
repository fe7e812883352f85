import { Readable, Transform } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineError, formatDuration, type ServiceGuard } from './deadline.js';

/** How one HTTP request to an outside service is sent. */
export interface GuardedFetchOptions {
  /** Times the request is sent again after a 5xx answer or a connection error (never after a time-out). */
  retries: number;
  /** May the request be sent again (false for a POST that creates something). */
  idempotent: boolean;
  /** Read the whole body within the call's deadline (small JSON answers); false: only until the headers. */
  buffer: boolean;
  /** Wait before the n-th retry: n times this. */
  backoffMs?: number;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

async function buffered(res: Response): Promise<Response> {
  const body = NULL_BODY.has(res.status) ? null : await res.arrayBuffer();
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Pure: why a fetch failed to connect, in a word (ECONNREFUSED) when there is one. */
export function connectionFault(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * `fetch` under a service's guard: each attempt has the guard's deadline (with the body when
 * `buffer`), 5xx answers and connection errors are retried a bounded number of times, and a
 * service still failing after its retries is given up for the run, so it costs once.
 */
export async function guardedFetch(
  guard: ServiceGuard,
  what: string,
  url: string | URL,
  init: RequestInit,
  opts: GuardedFetchOptions,
): Promise<Response> {
  const backoff = opts.backoffMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= opts.retries || !opts.idempotent;
    let res: Response;
    try {
      res = await guard.call(what, async (signal) => {
        if (attempt > 0) await sleep(backoff * attempt, undefined, { signal });
        const answer = await fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, signal]) : signal });
        return opts.buffer ? buffered(answer) : answer;
      });
    } catch (error) {
      if (error instanceof DeadlineError || init.signal?.aborted) throw error;
      if (last) {
        guard.giveUp(`${guard.budget.name} could not be reached (${what}: ${connectionFault(error)})`);
        throw error;
      }
      continue;
    }
    if (res.status < 500) return res;
    if (last) {
      guard.giveUp(`${guard.budget.name} answered HTTP ${res.status} (${what})${attempt > 0 ? ` ${attempt + 1} times` : ''}`);
      return res;
    }
    await res.body?.cancel();
  }
}

/**
 * A response body as a Node stream that fails with a DeadlineError when no byte comes for `ms`
 * (a registry that stalls mid-layer); destroying it stops the download.
 */
export function idleLimited(body: ReadableStream<Uint8Array>, ms: number, what: string): Readable {
  const source = Readable.fromWeb(body);
  const out = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      timer.refresh();
      done(null, chunk);
    },
  });
  const timer = setTimeout(() => out.destroy(new DeadlineError(`${what} sent nothing for ${formatDuration(ms)}`)), ms);
  source.on('error', (error) => out.destroy(error));
  out.on('close', () => {
    clearTimeout(timer);
    source.destroy();
  });
  source.pipe(out);
  return out;
}

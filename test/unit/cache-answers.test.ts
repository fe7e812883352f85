/**
 * A cache service that answers a fault is reported as that status, never as a time-out: the
 * worker's answers as words, the guarded service with a fake @actions/cache that retries a 500
 * of finalize (its answers keep the call alive) and then gives up as @actions/cache does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerFault, cacheRequestOf } from '../../src/actions-cache/answers.js';
import { CACHE_BUDGET, guardedCache, type CacheCall, type RawCache } from '../../src/actions-cache/service.js';
import { savesWarnOnly } from '../../src/actions-cache/worker.js';
import { workerMessage } from '../../src/actions-cache/worker-protocol.js';
import { ServiceGuard } from '../../src/util/deadline.js';

const TWIRP = '/twirp/github.actions.results.api.v1.CacheService/';

describe('what the cache service answered, in words', () => {
  it.each([
    ['POST', `${TWIRP}FinalizeCacheEntryUpload`, 'finalizing the upload'],
    ['POST', `${TWIRP}CreateCacheEntry`, 'reserving the entry'],
    ['POST', `${TWIRP}GetCacheEntryDownloadURL`, 'looking up the entry'],
    ['POST', `${TWIRP}SomethingNew`, 'SomethingNew'],
    ['PUT', '/devstoreaccount1/cache/3?sig=upload&comp=block', 'the upload'],
    ['GET', '/devstoreaccount1/cache/3?sig=download', 'the download'],
    ['DELETE', '/x?y', 'DELETE /x'],
  ])('%s %s is %s', (method, path, words) => {
    expect(cacheRequestOf(method, path)).toBe(words);
  });

  it.each([
    [500, 'Internal Server Error', 'answered 500 Internal Server Error to finalizing the upload'],
    [429, '', 'answered 429 to finalizing the upload'],
    [200, 'OK', undefined],
    [201, 'Created', undefined],
  ])('an answer %d %s is %s', (status, text, said) => {
    expect(answerFault('finalizing the upload', status, text)).toBe(said);
  });

  it('the worker reports answers over IPC', () => {
    expect(workerMessage({ kind: 'answer', request: 'the upload', status: 500, statusText: 'x' })).toEqual({
      kind: 'answer',
      request: 'the upload',
      status: 500,
      statusText: 'x',
    });
    expect(workerMessage({ kind: 'answer', request: 'the upload', status: '500', statusText: 'x' })).toBeUndefined();
  });

  it("@actions/cache's error commands become warnings; everything else is left as it is", () => {
    const log = '::error::Failed to save: (500)\nAttempt 1 of 5 failed\n::error file=a::x\n::warning::w\nno ::error:: here\n';
    expect(savesWarnOnly(log)).toBe(
      '::warning::Failed to save: (500)\nAttempt 1 of 5 failed\n::warning file=a::x\n::warning::w\nno ::error:: here\n',
    );
  });
});

describe('a save whose finalize the service answers with 500', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  /**
   * @actions/cache's save in its worker: the upload, then finalize answered 500 `attempts` times
   * `waits` apart, then -1; an aborted call ends its worker at once (worker-client.ts).
   */
  const retryingSave =
    (attempts: number, waits: number[], asked: { finalize: number }) =>
    (_paths: string[], _key: string, call: CacheCall): Promise<number> =>
      new Promise<number>((resolve, reject) => {
        call.signal.addEventListener('abort', () => reject(call.signal.reason as Error), { once: true });
        const attempt = (i: number): void => {
          if (call.signal.aborted) return;
          asked.finalize++;
          call.answered?.('finalizing the upload', 500, 'Internal Server Error');
          if (i + 1 < attempts) setTimeout(() => attempt(i + 1), waits[i]);
          else resolve(-1);
        };
        call.progress(1 << 20);
        call.answered?.('the upload', 201, 'Created');
        attempt(0);
      });
  const raw = (save: RawCache['save']): RawCache => ({
    available: () => true,
    probe: async () => undefined,
    restore: async () => undefined,
    save,
  });
  const message = 'the cache service answered 500 Internal Server Error to finalizing the upload (saving k1)';

  it.each([1, 0.1])(
    "ends the call at the first 500 (no wait for @actions/cache's own retries), names the status, and asks nothing more (scale %s)",
    async (scale) => {
      const asked = { finalize: 0 };
      const guard = new ServiceGuard(CACHE_BUDGET, Date.now, scale);
      const service = guardedCache(raw(retryingSave(5, [3000, 6750, 10_000, 14_000], asked)), guard);
      const started = Date.now();
      const saved = service.save(['p'], 'k1').catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(0);
      const error = await saved;
      expect(Date.now() - started).toBe(0);
      expect(String(error)).toBe(`Error: ${message}`);
      expect(String(error)).not.toMatch(/did not answer|sent nothing/);
      expect(asked.finalize).toBe(1);
      expect(guard.down).toBe(message);
      await expect(service.save(['p'], 'k2')).rejects.toThrow(message);
      expect(asked.finalize).toBe(1);
    },
  );

  it('a restore that @actions/cache answers as a miss after a 5xx is reported as the status, not a miss', async () => {
    const service = guardedCache(
      {
        ...raw(async () => 1),
        restore: async (_p, _k, _r, _l, call) => {
          call.answered?.('looking up the entry', 503, 'Service Unavailable');
          return undefined;
        },
      },
      new ServiceGuard(CACHE_BUDGET),
    );
    await expect(service.restore(['p'], 'k1', [])).rejects.toThrow(
      'the cache service answered 503 Service Unavailable to looking up the entry (restoring k1)',
    );
  });

  it('a save that fails without any fault answer says the entry was not stored, as before', async () => {
    const service = guardedCache(
      raw(async () => -1),
      new ServiceGuard(CACHE_BUDGET),
    );
    await expect(service.save(['p'], 'k1')).rejects.toThrow('the cache service did not store k1');
  });
});

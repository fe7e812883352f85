/**
 * The Actions cache service, behind one small interface: @actions/cache in a worker process per
 * call in the action, a fake in unit tests. Every call has a deadline and the step a budget
 * (ServiceGuard): a service that hangs, answers 500 or garbage costs a warning and at most about
 * half a minute per step, then the run goes on without it. Nothing here fails a build.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildRegistry } from '../util/children.js';
import { DeadlineError, ServiceGuard, type ServiceBudget } from '../util/deadline.js';
import type { CacheEnv } from './isolation.js';
import { cacheServiceConfigured } from './probe.js';
import { answerFault } from './answers.js';
import { inSteps } from './progress.js';
import { runInWorker, type WorkerLaunch } from './worker-client.js';
import type { WorkerRequest } from './worker-protocol.js';

export interface CacheService {
  /** Whether a cache service is configured for this job. */
  available(): boolean;
  /** The key restored (exact or by prefix), or undefined on a miss. */
  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<void>;
  /** Whether an entry with exactly this key is stored (a save of it would only warn). */
  has?(paths: string[], key: string): Promise<boolean>;
  /** The same service with every file of its calls under `env` (isolation.ts). */
  within?(env: CacheEnv): CacheService;
}

/**
 * The deadlines. A lookup (or the wait for the first bytes of a transfer) gets 30 s: a healthy
 * service answers in well under a second, and @actions/cache's own retries of a 5xx take about
 * that long. A transfer may take as long as it needs while data moves: its 30 s are a stall
 * deadline (no new 64 KiB over the network or into the archive for 30 s). A step spends at most
 * 60 s waiting on the service in all; after the first time-out it does not wait again.
 */
export const CACHE_BUDGET: ServiceBudget = { name: 'the cache service', callMs: 30_000, totalMs: 60_000 };

/** One call as the raw service sees it. */
export interface CacheCall {
  /** Where the call's files go (its workspace, and its temp dir inside); undefined: the step's workspace. */
  env?: CacheEnv;
  /** Aborted when the call is given up on: the call ends at once (the worker is killed). */
  signal: AbortSignal;
  /** Hears the bytes the call moved so far (over the network and into its directories). */
  progress(bytes: number): void;
  /** Hears each answer of the service (answers.ts): a sign of life, and a fault's status. */
  answered?(request: string, status: number, statusText: string): void;
}

/** What the guarded service calls: @actions/cache in a worker in the action, fakes in unit tests. */
export interface RawCache {
  available(): boolean;
  restore(paths: string[], primaryKey: string, restoreKeys: string[], lookupOnly: boolean, call: CacheCall): Promise<string | undefined>;
  /** The entry id, or -1 when @actions/cache logged a fault itself. */
  save(paths: string[], key: string, call: CacheCall): Promise<number>;
  /** Throws when the service does not answer as a cache service. */
  probe(call: CacheCall): Promise<void>;
}

export interface WorkerCacheOptions {
  /** How to start the cache worker (worker-client.ts cacheWorkerLaunch). */
  launch: WorkerLaunch;
  /** The environment each worker starts from: the step's (the runner's cache URL and token). */
  env: NodeJS.ProcessEnv;
  /** The working directory of a call without a CacheEnv of its own. */
  cwd: string;
  /** The step's children: a cancelled step ends its workers. */
  registry: ChildRegistry;
  /** Where @actions/cache's log lines go (default stdout, the step's log; the CLI keeps stdout for its report). */
  logTo?: 'stdout' | 'stderr';
}

/**
 * @actions/cache with each call in a worker of its own, started with the call's GITHUB_WORKSPACE
 * and working directory and a fresh RUNNER_TEMP (inside the call's temp dir), removed once the
 * worker has exited: @actions/cache's per-call UUID directories go with it, even after a kill.
 */
export function workerCache(options: WorkerCacheOptions): RawCache {
  const run = async (request: WorkerRequest, call: CacheCall): Promise<string | number | null> => {
    const base = call.env?.temp ?? options.env.RUNNER_TEMP ?? tmpdir();
    if (call.env) await mkdir(call.env.workspace, { recursive: true });
    await mkdir(base, { recursive: true });
    const temp = await mkdtemp(join(base, 'call-'));
    const env = { ...options.env, ...(call.env ? { GITHUB_WORKSPACE: call.env.workspace } : {}), RUNNER_TEMP: temp };
    try {
      const dirs = request.call === 'probe' ? [] : call.env ? [call.env.workspace, temp] : [temp];
      const worker = {
        launch: options.launch,
        registry: options.registry,
        logTo: options.logTo ?? 'stdout',
        signal: call.signal,
        progress: (b: number) => call.progress(b),
        answered: (request: string, status: number, statusText: string) => call.answered?.(request, status, statusText),
      };
      return await runInWorker({ ...worker, request: { ...request, dirs }, env, cwd: call.env?.workspace ?? options.cwd });
    } finally {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    }
  };
  return {
    available: () => cacheServiceConfigured(options.env),
    restore: async (paths, primaryKey, restoreKeys, lookupOnly, call) => {
      const key = await run({ call: 'restore', dirs: [], paths, primaryKey, restoreKeys, lookupOnly }, call);
      return typeof key === 'string' ? key : undefined;
    },
    save: async (paths, key, call) => {
      const id = await run({ call: 'save', dirs: [], paths, key }, call);
      return typeof id === 'number' ? id : -1;
    },
    probe: async (call) => void (await run({ call: 'probe', dirs: [] }, call)),
  };
}

/**
 * The answers of one call: each is a sign of life, and the last fault is what to say ("the
 * cache service answered 500 … to finalizing the upload (saving KEY)"); a 5xx is handed to
 * `onServerFault` as soon as it is heard.
 */
function answerLog(service: string, what: string, onServerFault: (said: string) => void) {
  let count = 0;
  let last: string | undefined;
  return {
    answered: (request: string, status: number, statusText: string): void => {
      count++;
      const said = answerFault(request, status, statusText);
      if (!said) return;
      last = `${service} ${said} (${what})`;
      if (status >= 500) onServerFault(last);
    },
    answers: (): number => count,
    fault: (): string | undefined => last,
  };
}

/**
 * The cache service with deadlines: the first call of a step asks the service once (probe.ts),
 * every call runs under `guard` with its own progress as the stall measure, and once the guard
 * gives up every call still under way is ended too. The state is this object's: one per step.
 */
export function guardedCache(raw: RawCache, guard: ServiceGuard): CacheService {
  let probed: Promise<void> | undefined;
  const live = new Set<AbortController>();
  const checkHealth = (): Promise<void> =>
    (probed ??= guard
      .call('first request', (signal) => raw.probe({ signal, progress: () => undefined }))
      .catch((error: unknown) => {
        guard.giveUp(error instanceof Error ? error.message : String(error));
        throw error;
      }));
  const run = async <T>(
    what: string,
    env: CacheEnv | undefined,
    work: (call: CacheCall, fault: () => string | undefined) => Promise<T>,
  ): Promise<T> => {
    await checkHealth();
    const abandon = new AbortController();
    live.add(abandon);
    let bytes = 0;
    const progress = (moved: number): void => void (bytes = moved);
    // A 5xx ends the call at once: its retries would cost up to half a minute for an optional cache.
    const { answered, answers, fault } = answerLog(`${guard.budget.name}`, what, (said) => abandon.abort(new Error(said)));
    try {
      return await guard.call(
        what,
        (signal) => work({ env, signal: AbortSignal.any([signal, abandon.signal]), progress, answered }, fault),
        () => inSteps(bytes) + answers(),
        fault,
      );
    } catch (error) {
      // A service that answers faults is not asked again: its retries would cost the same wait once more.
      const said = fault();
      if (said && /answered 5\d\d/.test(said)) guard.giveUp(said);
      if (guard.down) for (const other of live) other.abort(new DeadlineError(guard.down));
      throw error;
    } finally {
      live.delete(abandon);
    }
  };
  const service = (env?: CacheEnv): CacheService => ({
    available: () => raw.available(),
    restore: (paths, primaryKey, restoreKeys) =>
      run(`restoring ${primaryKey}`, env, async (call, fault) => {
        const key = await raw.restore(paths, primaryKey, restoreKeys, false, call);
        // @actions/cache logs a fault of a restore and answers a miss: say the status it got instead.
        const said = key === undefined ? fault() : undefined;
        if (said) throw new Error(said);
        return key;
      }),
    has: async (paths, key) => (await run(`looking up ${key}`, env, (call) => raw.restore(paths, key, [], true, call))) === key,
    save: (paths, key) =>
      run(`saving ${key}`, env, async (call, fault) => {
        const id = await raw.save(paths, key, call);
        // @actions/cache reports most save faults as -1 after logging them itself: say the status it got, if any.
        if (id === -1) throw new Error(fault() ?? `the cache service did not store ${key}`);
      }),
    within: (given) => service(given),
  });
  return service();
}

/**
 * A step's cache service: @actions/cache in workers, one guard (the Go cache and the size
 * baseline share its budget), its deadlines scaled by RunContext.deadlineScale.
 */
export function actionsCacheService(options: WorkerCacheOptions, deadlineScale: number): CacheService {
  return guardedCache(workerCache(options), new ServiceGuard(CACHE_BUDGET, Date.now, deadlineScale));
}

/** The service with its calls in `env` (a fake without a way of its own is used as it is). */
export function isolate(service: CacheService, env: CacheEnv): CacheService {
  return service.within ? service.within(env) : service;
}

/**
 * Starts the cache worker (worker.ts) for one call: its environment and working directory are
 * given to the new process, never set in ours. The worker runs in its own process group,
 * registered with the step's children, so a cancelled step ends it with everything it started.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildRegistry } from '../util/children.js';
import { signalGroup } from '../util/children.js';
import { CacheServiceError } from './probe.js';
import { workerMessage, type WorkerRequest } from './worker-protocol.js';

/** How to start the worker: node's arguments before the request. */
export interface WorkerLaunch {
  program: string;
  args: string[];
}

/**
 * The worker next to the running code: dist/cache-worker/index.js beside the bundle of main, post
 * or the CLI (dist/<entry>/index.js); from the TypeScript sources (tests, the bench), worker-entry.ts
 * with the bench's loader hooks (Node strips the types, the hooks map `./x.js` to `./x.ts`).
 */
export function cacheWorkerLaunch(moduleUrl: string = import.meta.url): WorkerLaunch {
  return workerLaunch(moduleUrl, 'cache-worker', join('actions-cache', 'worker-entry.ts'));
}

/** The artifact worker (dist/artifact-worker, from actions-artifact/worker-entry.ts): as cacheWorkerLaunch. */
export function artifactWorkerLaunch(moduleUrl: string = import.meta.url): WorkerLaunch {
  return workerLaunch(moduleUrl, 'artifact-worker', join('actions-artifact', 'worker-entry.ts'));
}

function workerLaunch(moduleUrl: string, bundle: string, entry: string): WorkerLaunch {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.ts')) {
    const hooks = join(dirname(here), '..', '..', 'bench', 'ts-register.mjs');
    return { program: process.execPath, args: ['--import', pathToFileURL(hooks).href, join(dirname(here), '..', entry)] };
  }
  const bundled = join(dirname(here), '..', bundle, 'index.js');
  if (!existsSync(bundled)) throw new Error(`the ${bundle} is missing: ${bundled} (run npm run build)`);
  return { program: process.execPath, args: [bundled] };
}

export interface WorkerCall {
  launch: WorkerLaunch;
  request: WorkerRequest;
  /** The worker's whole environment. */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where the worker's stdout (@actions/cache's log lines and workflow commands) goes. */
  logTo: 'stdout' | 'stderr';
  registry: ChildRegistry;
  /** Ends the worker (its process group) and rejects with the signal's reason. */
  signal: AbortSignal;
  progress: (bytes: number) => void;
  /** Hears each answer of the service (a request in words, its status, its content type). */
  answered?: (request: string, status: number, statusText: string, contentType?: string) => void;
}

/** The last lines a worker wrote to stderr: what to say when it ended without an answer. */
function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (tail = (tail + chunk).slice(-2000)));
  return () => tail.trim().split('\n').slice(-3).join(' | ');
}

function workerError(name: string, message: string): Error {
  if (name === 'CacheServiceError') return new CacheServiceError(message);
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Runs one call in a new worker; resolves with its answer once the worker has exited. */
export function runInWorker(call: WorkerCall): Promise<string | number | null> {
  return new Promise((resolve, reject) => {
    if (call.signal.aborted) return reject(call.signal.reason as Error);
    let child: ChildProcess;
    try {
      child = call.registry.spawn(call.launch.program, [...call.launch.args, JSON.stringify(call.request)], {
        cwd: call.cwd,
        env: call.env,
        stdio: ['ignore', call.logTo === 'stderr' ? 2 : 1, 'pipe', 'ipc'],
      });
    } catch (error) {
      return reject(error instanceof Error ? error : new Error(String(error)));
    }
    const tail = stderrTail(child);
    let outcome: { ok: true; value: string | number | null } | { ok: false; error: Error } | undefined;
    const kill = (): void => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    };
    call.signal.addEventListener('abort', kill, { once: true });
    child.on('message', (raw) => {
      const message = workerMessage(raw);
      if (message?.kind === 'progress') call.progress(message.bytes);
      else if (message?.kind === 'answer') call.answered?.(message.request, message.status, message.statusText, message.contentType);
      else if (message?.kind === 'result') outcome ??= { ok: true, value: message.value };
      else if (message?.kind === 'error') outcome ??= { ok: false, error: workerError(message.name, message.message) };
    });
    child.once('error', (error) => {
      call.signal.removeEventListener('abort', kill);
      reject(error);
    });
    // A killed worker is done at its exit (its stderr may stay open in what it started).
    child.once('exit', () => {
      if (call.signal.aborted) reject(call.signal.reason as Error);
    });
    child.once('close', (code, signal) => {
      call.signal.removeEventListener('abort', kill);
      if (outcome?.ok) resolve(outcome.value);
      else if (outcome) reject(outcome.error);
      else reject(new Error(`the cache worker ended (${signal ?? `exit code ${code}`}) without an answer${tail() ? `: ${tail()}` : ''}`));
    });
  });
}

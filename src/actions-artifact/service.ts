/**
 * The artifact service of the workflow run, behind one small interface: @actions/artifact in a
 * worker process per call (the same worker as the cache's, actions-cache/worker.ts), a fake in
 * unit tests. Every call has a deadline (ServiceGuard); a 5xx, or a Twirp answer that is not
 * JSON, ends the call at once with what the service answered, instead of the client's half
 * minute of retries.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerFault } from '../actions-cache/answers.js';
import { runInWorker, type WorkerLaunch } from '../actions-cache/worker-client.js';
import type { ArtifactRequest } from '../actions-cache/worker-protocol.js';
import type { ChildRegistry } from '../util/children.js';
import { ServiceGuard, type ServiceBudget } from '../util/deadline.js';
import { isRecord } from '../util/json.js';
import { artifactServiceMissing } from './available.js';
import type { ListedArtifact } from './calls.js';

export type { ListedArtifact } from './calls.js';

export interface ArtifactService {
  /** Why the artifact service cannot be used by this job; undefined when it can. */
  missing(): string | undefined;
  /** Uploads one file (zipped, as every artifact) under `name`; its path in the zip is relative to `root`. */
  upload(name: string, file: string, root: string): Promise<void>;
  /** The workflow run's artifacts (of every job and attempt). */
  list(): Promise<ListedArtifact[]>;
  /** Downloads and unzips one artifact into `dir`; 'digest-mismatch' when it is not what was uploaded. */
  download(id: number, dir: string, expectedHash?: string): Promise<'digest-mismatch' | undefined>;
}

/**
 * The deadlines: a call of a healthy service moves a few kilobytes in well under a second; 30 s
 * of silence is a stall. A step waits on the service 90 s at most in all.
 */
export const ARTIFACT_BUDGET: ServiceBudget = { name: 'the artifact service', callMs: 30_000, totalMs: 90_000 };

/** The most artifacts a listing may name (a run keeps a few per platform and attempt). */
const MAX_LISTED = 10_000;

export interface WorkerArtifactOptions {
  launch: WorkerLaunch;
  /** The step's environment (the runner's results URL and token). */
  env: NodeJS.ProcessEnv;
  cwd: string;
  registry: ChildRegistry;
  logTo?: 'stdout' | 'stderr';
}

/** Pure: the worker's listing, checked (it comes from outside): the entries that are artifacts. */
export function parseListing(raw: unknown): ListedArtifact[] {
  if (typeof raw !== 'string') throw new Error('the artifact listing is not text');
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed) || parsed.length > MAX_LISTED) throw new Error(`the artifact listing is not a list of at most ${MAX_LISTED}`);
  return parsed.flatMap((a): ListedArtifact[] =>
    isRecord(a) && typeof a.name === 'string' && typeof a.id === 'number' && Number.isSafeInteger(a.id)
      ? [{ name: a.name, id: a.id, ...(typeof a.digest === 'string' ? { digest: a.digest } : {}) }]
      : [],
  );
}

/** @actions/artifact in a worker per call, each under `guard`'s deadlines. */
export function workerArtifacts(options: WorkerArtifactOptions, guard: ServiceGuard): ArtifactService {
  const run = async (request: ArtifactRequest, what: string, dirs: string[] = []): Promise<string | number | null> => {
    const base = options.env.RUNNER_TEMP ?? tmpdir();
    await mkdir(base, { recursive: true });
    const temp = await mkdtemp(join(base, 'artifact-call-'));
    const abandon = new AbortController();
    let last: string | undefined;
    let bytes = 0;
    let answers = 0;
    const answered = (request: string, status: number, statusText: string, contentType?: string): void => {
      answers++;
      const said = answerFault(request, status, statusText, contentType);
      if (!said) return;
      last = `${guard.budget.name} ${said} (${what})`;
      // Its retries of a fault would cost half a minute and end the same way.
      if (status >= 500 || status < 300) abandon.abort(new Error(last));
    };
    try {
      return await guard.call(
        what,
        (signal) =>
          runInWorker({
            launch: options.launch,
            registry: options.registry,
            logTo: options.logTo ?? 'stdout',
            signal: AbortSignal.any([signal, abandon.signal]),
            progress: (moved) => void (bytes = moved),
            answered,
            request: { ...request, dirs },
            env: { ...options.env, RUNNER_TEMP: temp },
            cwd: options.cwd,
          }),
        () => bytes + answers,
        () => last,
      );
    } catch (error) {
      if (last && error instanceof Error && error.message !== last) throw new Error(`${last}: ${error.message}`);
      throw error;
    } finally {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    }
  };
  return {
    missing: () => artifactServiceMissing(options.env),
    upload: async (name, file, root) => void (await run({ call: 'artifact-upload', name, file, root }, `uploading ${name}`)),
    list: async () => parseListing(await run({ call: 'artifact-list' }, "listing the run's artifacts")),
    download: async (id, dir, expectedHash) => {
      const request = { call: 'artifact-download' as const, id, path: dir, ...(expectedHash ? { expectedHash } : {}) };
      return (await run(request, `downloading artifact ${id}`, [dir])) === 'digest-mismatch' ? 'digest-mismatch' : undefined;
    },
  };
}

/** A step's artifact service: @actions/artifact in workers, its deadlines scaled by RunContext.deadlineScale. */
export function actionsArtifactService(options: WorkerArtifactOptions, deadlineScale: number): ArtifactService {
  return workerArtifacts(options, new ServiceGuard(ARTIFACT_BUDGET, Date.now, deadlineScale));
}

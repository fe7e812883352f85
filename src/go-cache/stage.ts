/**
 * The Go cache as the pipeline sees it: restore + inject before the build, extract + trim after
 * it (save in the post step, save.ts). Thin: every fault is a warning, and the build then runs
 * as it would without the feature.
 */
import type { DockerClient } from '../docker/client.js';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import type { StateWriter } from '../state.js';
import { extractGoCaches } from './extract.js';
import { releaseHeldHelpers } from './inject-held.js';
import { cacheEnv } from '../actions-cache/isolation.js';
import { restoreGoCaches } from './restore.js';
import type { CacheService } from '../actions-cache/service.js';
import { savePlan, type GoCacheSaveMode } from './quota.js';
import { summarizeRestore, type GoCacheOptions, type GoCacheSession, type RestoreSummary } from './session.js';

export type { GoCacheSession } from './session.js';

export interface GoCacheStageInput {
  enabled: boolean;
  /** The build runs with `no-cache`: BuildKit then gives its cache mounts empty and drops them (see NO_CACHE_NOTE). */
  noCache?: boolean;
  /** Whether the archives may be streamed over the docker bridge (RunContext.cacheStream). */
  stream: boolean;
  /** Where the build runs (BUILDPLATFORM): the engine's platform. */
  buildPlatform: string;
  /** The build's own settings, as the Go cache options name them. */
  plan: Pick<GoCacheOptions, 'file' | 'context' | 'platforms' | 'target' | 'buildArgs' | 'builder'>;
  workDir: string;
  /** go-cache-save and go-cache-max-size. */
  save: { mode: GoCacheSaveMode; maxBytes: number };
}

/**
 * Under `--no-cache` BuildKit gives every cache mount of the build a new, empty directory and
 * drops it when the step ends (seen on BuildKit v0.13, docker-container and docker drivers): a
 * restored cache is not seen by the build, and what the build downloads or compiles never
 * reaches the mount the extract reads. So the Go cache does nothing, and says so once.
 */
export const NO_CACHE_NOTE =
  "Go cache: not restored and not saved: no-cache is true, and BuildKit then runs the build's cache mounts empty and drops them afterwards " +
  '(the Go steps download and compile everything). The saved caches stay as they are for the next build with the cache.';

/** The Go cache outputs of a restore. */
function restoreOutputs(summary: RestoreSummary): StageResult {
  return { outputs: { 'go-cache-hit': summary.hit, 'go-cache-restored': JSON.stringify(summary.restored) }, failures: [] };
}

/**
 * Before the build: restore + inject. Returns the go-cache-hit and go-cache-restored outputs,
 * and the session the extract continues (none when nothing was restored or injected).
 */
export async function goCacheBeforeBuild(
  input: GoCacheStageInput,
  deps: {
    reporter: Reporter;
    state: StateWriter;
    docker: DockerClient;
    service: CacheService;
    runId: string;
    runAttempt: string;
    ref: string;
  },
): Promise<{ result: StageResult; session?: GoCacheSession }> {
  const { reporter, state, service } = deps;
  const unique = `${deps.runId || 'local'}-${deps.runAttempt || '1'}-${Date.now().toString(36)}`;
  const plan = savePlan(input.save.mode, deps.ref);
  const opts: GoCacheOptions = {
    enabled: input.enabled,
    stream: input.stream,
    buildPlatform: input.buildPlatform,
    ...input.plan,
    workDir: input.workDir,
    unique,
    maxBytes: input.save.maxBytes,
    savePlan: plan,
  };
  if (!input.enabled) return { result: restoreOutputs(summarizeRestore([])) };
  if (input.noCache) {
    reporter.info(NO_CACHE_NOTE);
    return { result: restoreOutputs(summarizeRestore([])) };
  }
  // Saved before the calls: a cancelled restore's files are where the post step looks.
  state.goCacheEnv(cacheEnv(opts.workDir));
  state.goCacheQuota({ mode: input.save.mode, supersede: plan.supersede, ref: deps.ref });
  try {
    const { session, summary } = await reporter.group('Restoring Go caches', () =>
      restoreGoCaches(opts, service, { docker: deps.docker, reporter }),
    );
    return { result: restoreOutputs(summary), session };
  } catch (error) {
    reporter.warning(`Go cache: restore failed (${errorText(error)}); the build runs without it.`);
    return { result: restoreOutputs(summarizeRestore([])) };
  }
}

/**
 * After the build: extract + trim when it succeeded, and hand the archives to the post step;
 * after a failed build the helpers holding the mounts only end. Never throws.
 */
export async function goCacheAfterBuild(
  session: GoCacheSession | undefined,
  buildOk: boolean,
  deps: { reporter: Reporter; state: StateWriter; docker: DockerClient },
): Promise<void> {
  const { reporter, state } = deps;
  if (!session) return;
  if (!buildOk || !session.opts.savePlan.save) {
    if (buildOk) reporter.info(`Go cache: not saved: ${session.opts.savePlan.reason ?? 'saving is off'}`);
    await releaseHeldHelpers(session).catch((error: unknown) => reporter.warning(`Go cache: ${errorText(error)}`));
    return;
  }
  try {
    const saves = await reporter.group('Taking the Go caches out of BuildKit', () =>
      extractGoCaches(session, { docker: deps.docker, reporter }),
    );
    state.goCacheSaves(saves);
  } catch (error) {
    reporter.warning(`Go cache: extract failed (${errorText(error)}); the caches are not saved.`);
    await releaseHeldHelpers(session).catch(() => undefined);
  }
}

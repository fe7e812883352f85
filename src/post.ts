import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { readPostState, type PostState, type StateReader } from './state.js';
import type { Reporter } from './reporter.js';
import { ActionReporter } from './action-reporter.js';
import { cleanupSmokeFromState } from './smoke/stage.js';
import { saveGoCaches } from './go-cache/save.js';
import type { DockerClient } from './docker/client.js';
import { DockerCli } from './docker/cli.js';
import { actionsCacheService, type CacheService } from './actions-cache/service.js';
import { deadlineScaleFromEnv } from './context.js';
import { cacheWorkerLaunch } from './actions-cache/worker-client.js';
import { processChildren } from './util/children.js';
import { errorText } from './errors.js';

/**
 * Cleans up after the main step, whatever happened there (also after a failure or a
 * cancellation). Never fails the job: every fault here is a warning.
 */
/** What the cleanup talks to, built by the entry point. */
export interface CleanupDeps {
  reporter: Reporter;
  docker: DockerClient;
  /** Undefined when the run context could not be read (the CLI): nothing was prepared to save. */
  cache?: CacheService;
}

export async function runCleanup(readState: StateReader, deps: CleanupDeps): Promise<void> {
  const { reporter, docker } = deps;
  const state: PostState = readPostState(readState);
  // A cancelled run's stack goes first (its override file is in the work dir).
  try {
    await cleanupSmokeFromState(docker, state.smoke, reporter);
  } catch (error) {
    reporter.warning(`Could not remove the smoke test's compose project: ${errorText(error)}`);
  }
  // Upload what the main step prepared; the archives go with the work dir.
  try {
    if (deps.cache) await saveGoCaches(state, deps.cache, reporter);
  } catch (error) {
    reporter.warning(`Go cache: save failed: ${errorText(error)}`);
  }
  const workDir = state.workDir;
  if (workDir) {
    try {
      await rm(workDir, { recursive: true, force: true });
      reporter.debug(`removed ${workDir}`);
    } catch (error) {
      reporter.warning(`Could not remove ${workDir}: ${errorText(error)}`);
    }
  }
}

export async function runPost(): Promise<void> {
  const reporter = new ActionReporter();
  try {
    await runCleanup((name) => core.getState(name), {
      reporter,
      docker: new DockerCli(),
      cache: actionsCacheService(
        { launch: cacheWorkerLaunch(), env: process.env, cwd: process.cwd(), registry: processChildren },
        deadlineScaleFromEnv(reporter),
      ),
    });
  } catch (error) {
    core.warning(`Post step: ${errorText(error)}`);
  }
}

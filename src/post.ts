import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { readPostState, type PostState, type StateReader } from './state.js';
import type { Reporter } from './reporter.js';
import { ActionReporter } from './action-reporter.js';
import { cleanupSmokeFromState } from './smoke/stage.js';
import { saveGoCaches, settleGoCacheQuota } from './go-cache/save.js';
import { githubCaches, type CacheApi } from './github/caches.js';
import { booleanInput } from './input-table.js';
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
  /** The repository's cache entries through the GitHub API (with the step's token); undefined without a token. */
  caches?: CacheApi;
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
    if (deps.cache) {
      const saved = await saveGoCaches(state, deps.cache, reporter);
      await settleGoCacheQuota(state, saved, { reporter, api: deps.caches });
    }
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
    const deadlineScale = deadlineScaleFromEnv(reporter);
    const token = core.getInput('github-token').trim();
    if (token) reporter.setSecret(token);
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    const apiUrl = process.env.GITHUB_API_URL ?? 'https://api.github.com';
    await runCleanup((name) => core.getState(name), {
      reporter,
      docker: new DockerCli(),
      cache: actionsCacheService(
        { launch: cacheWorkerLaunch(), env: process.env, cwd: process.cwd(), registry: processChildren },
        deadlineScale,
      ),
      caches: token && repository ? githubCaches({ repository, apiUrl, deadlineScale })(token) : undefined,
    });
    if (summaryWanted()) await reporter.writeSummary();
  } catch (error) {
    core.warning(`Post step: ${errorText(error)}`);
  }
}

/** The summary input; a bad value was the main step's error to report, so the post step writes none. */
function summaryWanted(): boolean {
  try {
    return booleanInput((name) => core.getInput(name), 'summary');
  } catch {
    return false;
  }
}

import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { readPostState, type PostState, type StateReader } from './state.js';
import type { Reporter } from './reporter.js';
import { ActionReporter } from './action-reporter.js';
import { cleanupSmokeFromState } from './smoke/stage.js';
import { saveGoCaches } from './go-cache/save.js';
import type { DockerClient } from './docker/client.js';
import { DockerCli } from './docker/cli.js';
import { actionsCache } from './actions-cache/service.js';
import { errorText } from './errors.js';

/**
 * Cleans up after the main step, whatever happened there (also after a failure or a
 * cancellation). Never fails the job: every fault here is a warning.
 */
export async function runCleanup(readState: StateReader, reporter: Reporter, docker: DockerClient): Promise<void> {
  const state: PostState = readPostState(readState);
  // A cancelled run's stack goes first (its override file is in the work dir).
  try {
    await cleanupSmokeFromState(docker, state.smoke, reporter);
  } catch (error) {
    reporter.warning(`Could not remove the smoke test's compose project: ${errorText(error)}`);
  }
  // Upload what the main step prepared; the archives go with the work dir.
  try {
    await saveGoCaches(state, actionsCache, reporter);
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
    await runCleanup((name) => core.getState(name), reporter, new DockerCli());
  } catch (error) {
    core.warning(`Post step: ${errorText(error)}`);
  }
}

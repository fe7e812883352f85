import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { STATE } from './pipeline.js';
import type { Reporter } from './reporter.js';
import { ActionReporter } from './action-reporter.js';
// Compose smoke test (issue 4).
import { cleanupSmokeFromState } from './smoke/stage.js';
// Go cache mounts (issue 5).
import { saveGoCaches } from './cache/stage.js';
import { actionsCache } from './cache/service.js';
import { errorText } from './errors.js';

/** Reads what the main step handed over. */
export type StateReader = (name: string) => string;

/**
 * Cleans up after the main step, whatever happened there (also after a failure or a
 * cancellation). Never fails the job: every fault here is a warning.
 */
export async function runCleanup(readState: StateReader, reporter: Reporter): Promise<void> {
  // Compose smoke test (issue 4): a cancelled run's stack goes first (its override file is in the work dir).
  try {
    await cleanupSmokeFromState(readState, reporter);
  } catch (error) {
    reporter.warning(`Could not remove the smoke test's compose project: ${errorText(error)}`);
  }
  // Go cache mounts (issue 5): upload what the main step prepared, then remove the archives.
  try {
    await saveGoCaches(readState, actionsCache, reporter);
  } catch (error) {
    reporter.warning(`Go cache: save failed: ${errorText(error)}`);
  }
  const workDir = readState(STATE.workDir);
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
    await runCleanup((name) => core.getState(name), reporter);
  } catch (error) {
    core.warning(`Post step: ${errorText(error)}`);
  }
}

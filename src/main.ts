import * as core from '@actions/core';
import { ActionReporter } from './action-reporter.js';
import { loadContext } from './context.js';
import { failureMessage } from './errors.js';
import { parseInputs } from './inputs.js';
import { runPipeline } from './pipeline.js';

/** The action's main step: read inputs once, run the pipeline, fail once. */
export async function run(): Promise<void> {
  const reporter = new ActionReporter();
  try {
    const ctx = loadContext();
    const inputs = parseInputs((name) => core.getInput(name), ctx.workspace);
    reporter.setSecret(inputs.githubToken);
    const outcome = await runPipeline(inputs, { reporter, ctx });
    await reporter.writeSummary();
    if (outcome.failures.length > 0) core.setFailed(outcome.failures.join('\n'));
  } catch (error) {
    if (!(error instanceof Error) || error.name === 'Error') core.debug(error instanceof Error ? (error.stack ?? '') : String(error));
    await reporter.writeSummary();
    core.setFailed(failureMessage(error));
  }
}

import * as core from '@actions/core';
import { ActionReporter } from './action-reporter.js';
import { loadContext } from './context.js';
import { failureMessage } from './errors.js';
import { booleanInput } from './input-table.js';
import { inputSecrets, parseInputs } from './inputs.js';
import { DockerCli } from './docker/cli.js';
import { runPipeline } from './pipeline.js';

/** The action's main step: read inputs once, run the pipeline, fail once. */
export async function run(): Promise<void> {
  const reporter = new ActionReporter();
  const read = (name: Parameters<typeof core.getInput>[0]): string => core.getInput(name);
  let writeSummary = true;
  try {
    writeSummary = booleanInput(read, 'summary');
    const ctx = loadContext();
    const inputs = parseInputs(read, ctx.workspace);
    for (const secret of inputSecrets(inputs)) reporter.setSecret(secret);
    const outcome = await runPipeline(inputs, { reporter, ctx, docker: new DockerCli() });
    if (writeSummary) await reporter.writeSummary();
    if (outcome.failures.length > 0) core.setFailed(outcome.failures.join('\n'));
  } catch (error) {
    if (!(error instanceof Error) || error.name === 'Error') core.debug(error instanceof Error ? (error.stack ?? '') : String(error));
    if (writeSummary) await reporter.writeSummary();
    core.setFailed(failureMessage(error));
  }
}

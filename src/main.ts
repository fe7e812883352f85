import * as core from '@actions/core';
import { ActionReporter } from './action-reporter.js';
import { loadContext } from './context.js';
import { ActionError, failureMessage, failuresAfterCancel } from './errors.js';
import { runnerRefusal } from './requirements.js';
import { booleanInput } from './input-table.js';
import { inputSecrets, parseInputs } from './inputs.js';
import { runPipeline } from './pipeline/pipeline.js';
import { runCommentOnly } from './pipeline/comment-only.js';
import { DockerCli } from './docker/cli.js';
import { actionsArtifactService } from './actions-artifact/service.js';
import { actionsCacheService } from './actions-cache/service.js';
import { artifactWorkerLaunch, cacheWorkerLaunch } from './actions-cache/worker-client.js';
import { processChildren } from './util/children.js';
import { githubClient } from './github/api.js';
import { githubCaches } from './github/caches.js';
import type { CancelHooks } from './util/cancel.js';
import { systemClock } from './util/clock.js';

/** The action's main step: read inputs once, run the pipeline, fail once. `cancel`: the step's cancellation (a cancel while tagging puts the tags back). */
export async function run(cancel?: CancelHooks): Promise<void> {
  const reporter = new ActionReporter();
  const read = (name: Parameters<typeof core.getInput>[0]): string => core.getInput(name);
  let writeSummary = true;
  try {
    writeSummary = booleanInput(read, 'summary');
    const ctx = loadContext();
    // Comment-only: before anything reads the build's inputs (there may be no checkout) or docker.
    const commentFrom = read('comment-from').trim();
    if (commentFrom) {
      const token = read('github-token').trim();
      if (token) reporter.setSecret(token);
      const outcome = await runCommentOnly(commentFrom, token, { reporter, ctx, github: githubClient(ctx) });
      if (writeSummary) await reporter.writeSummary();
      if (outcome.failures.length > 0) core.setFailed(outcome.failures.join('\n'));
      return;
    }
    // A build needs Linux: refused before any build input is read or docker runs.
    const refused = runnerRefusal(ctx.runnerOs, process.platform);
    if (refused) throw new ActionError(refused);
    const inputs = parseInputs(read, ctx.workspace);
    for (const secret of inputSecrets(inputs)) reporter.setSecret(secret);
    const workers = { launch: cacheWorkerLaunch(), env: process.env, cwd: process.cwd(), registry: processChildren };
    const deps = {
      reporter,
      ctx,
      clock: systemClock,
      docker: new DockerCli(),
      cache: actionsCacheService(workers, ctx.deadlineScale),
      artifacts: actionsArtifactService({ ...workers, launch: artifactWorkerLaunch() }, ctx.deadlineScale),
      github: githubClient(ctx),
      caches: githubCaches(ctx),
      cancel,
      writeSummaryNow: writeSummary ? () => reporter.writeSummary() : undefined,
    };
    const outcome = await runPipeline(inputs, deps);
    if (writeSummary) await reporter.writeSummary();
    const failures = failuresAfterCancel(processChildren.cancelledBy, outcome.failures);
    if (failures.length > 0) core.setFailed(failures.join('\n'));
  } catch (error) {
    // A failure we did not foresee (not an ActionError, which says what to do): its stack helps whoever reports it.
    if (!(error instanceof ActionError)) core.debug(error instanceof Error ? (error.stack ?? '') : String(error));
    if (writeSummary) await reporter.writeSummary();
    core.setFailed(failuresAfterCancel(processChildren.cancelledBy, [failureMessage(error)]).join('\n'));
  }
}

import { renderBuildSummary, type TagState } from '../buildx/summary.js';
import { goCacheBeforeBuild } from '../go-cache/stage.js';
import type { Inputs } from '../inputs.js';
import { notTaggedReason } from '../release/apply.js';
import { smokeStageResult } from '../smoke/stage.js';
import { StateWriter } from '../state.js';
import { checkBuilt, handOffResult, moveTags, type Checked } from './after-build.js';
import { actionPushes, buildOutputs, buildWithCache, pushIfNeeded, type Pushed } from './build.js';
import { asFailure, Collector } from './collector.js';
import type { PipelineDeps } from './deps.js';
import { mergeJob } from './merge-job.js';
import { prepare, type Prepared } from './prepare.js';

export type { PipelineDeps } from './deps.js';

/** What a run produced. */
export interface PipelineOutcome {
  /** Reasons the step fails (empty: it passes). */
  failures: string[];
}

/**
 * The whole run, shared by the action and the CLI: validate the machine, build (a push goes by
 * digest only), measure, check (platforms, smoke test, budgets, report), and only then move the
 * tags. A per-platform job (push-by-digest) hands its result to the merge job instead of
 * tagging; a merge job builds nothing (src/merge/). Inputs are already parsed and valid.
 * Stages return what they produced; this function alone sets outputs, writes summary
 * sections and decides failure.
 */
export async function runPipeline(inputs: Inputs, deps: PipelineDeps): Promise<PipelineOutcome> {
  const out = new Collector(deps.reporter);
  // What the event payload lacked, said once before the tags, the version and the report use it.
  if (deps.ctx.eventWarning) deps.reporter.warning(deps.ctx.eventWarning);
  try {
    if (inputs.fanOut === 'merge') await mergeJob(inputs, deps, out);
    else await buildJob(inputs, deps, out);
  } catch (error) {
    out.failures.push(asFailure(error));
  } finally {
    out.flush();
  }
  return { failures: out.failures };
}

/** A job that builds: prepare, build with the Go cache, check, then tag (or hand off to the merge job). */
async function buildJob(inputs: Inputs, deps: PipelineDeps, out: Collector): Promise<void> {
  const { reporter, docker, ctx } = deps;
  const state = new StateWriter((name, value) => reporter.saveState(name, value));
  const prepared = await prepare(inputs, deps, state, out);
  if (!prepared) return;
  const { plan, workDir } = prepared;

  const restored = await goCacheBeforeBuild(
    {
      enabled: inputs.goCache,
      noCache: inputs.extras.noCache,
      stream: ctx.cacheStream,
      buildPlatform: prepared.enginePlatform,
      plan,
      workDir,
      save: { mode: inputs.goCacheSave, maxBytes: inputs.goCacheMaxBytes },
    },
    { reporter, state, docker, service: deps.cache, runId: ctx.runId, runAttempt: ctx.runAttempt, ref: ctx.ref },
  );
  out.take(restored.result);
  const build = await buildWithCache(plan, restored.session, { reporter, state, docker });
  out.take(buildOutputs(build.result, actionPushes(plan)), 'build');
  const summarize = buildSummary(prepared, build, out);
  const handOff = (checked?: Checked, pushed?: Pushed): Promise<void> =>
    handOffResult(inputs, prepared, { checked, pushed: !!pushed && !out.failed('push') }, deps, out);
  // With push, the tags output names only tags that point at the new image when the step ends.
  if (plan.push && (!build.result.ok || inputs.fanOut === 'push-by-digest')) out.output('tags', '');
  if (!build.result.ok) {
    out.take(smokeStageResult({ status: 'skipped' }));
    if (inputs.fanOut === 'push-by-digest') await handOff();
    return;
  }
  const pushed = await pushIfNeeded(plan, build.result, deps, out);
  const checked = await checkBuilt(inputs, prepared, build.result, { deps, state }, out);
  if (inputs.fanOut === 'push-by-digest') {
    await handOff(checked, pushed);
    if (plan.push) summarize({ applied: false, reason: 'pushed by digest only: the merge job tags the index' });
    return;
  }
  if (!plan.push) return;
  if (!pushed && !out.failed('push'))
    out.take({ outputs: {}, failures: ['The build named no pushed digest, so the tags cannot be moved to it.'] }, 'push');
  // A cancel while tagging ends the step before moveTags returns: the summary is written from the cancel.
  const onCancelled = async (tagging: TagState): Promise<void> => {
    summarize(tagging);
    out.flush();
    await deps.writeSummaryNow?.();
  };
  summarize(await moveTags(plan, pushed, { deps, guards: checked.measurement.guards, onCancelled }, out));
}

/** The build's summary section, kept in its place and written again once the tags moved (or did not). */
function buildSummary(prepared: Prepared, build: Awaited<ReturnType<typeof buildWithCache>>, out: Collector): (tagging?: TagState) => void {
  const section = out.reserve();
  const { plan, version } = prepared;
  const summarize = (tagging?: TagState): void =>
    section(
      renderBuildSummary({
        plan,
        version,
        build: build.result,
        seconds: build.seconds,
        tagsNote: prepared.releaseNote,
        tagging,
        versionUse: prepared.checks.versionUse,
        sourceDate: prepared.sourceDate,
      }),
    );
  summarize(plan.push ? { applied: false, reason: notTaggedReason(out.failedStages) } : undefined);
  return summarize;
}

/** After the build: the checks of what it made, then the tags, or the hand-off to the merge job. */
import type { BuildResult } from '../buildx/docker.js';
import type { BuildPlan } from '../buildx/plan.js';
import type { TagState } from '../buildx/summary.js';
import type { Inputs } from '../inputs.js';
import { handOffStage } from '../merge/publish.js';
import { handoffScope } from '../merge/stage.js';
import { RegistryGuards } from '../oci/registry-client.js';
import { applyTags, notTaggedReason, taggingDeps, taggingResult } from '../release/apply.js';
import { platformCheckExtras } from '../size/platform-check.js';
import { measureBuild, platformCheckStage, type Measurement } from '../size/stage.js';
import { sizeReportStage } from '../report/stage.js';
import { runSmokeTest, smokeStageResult, type SmokeResult } from '../smoke/stage.js';
import type { StateWriter } from '../state.js';
import { binariesOf } from '../size/go-binaries.js';
import { scanImage, type VulnScan } from '../vuln/stage.js';
import type { Pushed } from './build.js';
import type { Collector } from './collector.js';
import type { PipelineDeps } from './deps.js';
import type { Prepared } from './prepare.js';
import { reportServices, runCache, runHandoff } from './work-dir.js';

/** What the checks after the build hand on: the measurement (and its registry deadlines), the smoke test's result. */
export interface Checked {
  measurement: Measurement;
  smoke: SmokeResult;
  /** The known-vulnerability scan of the Go binaries; absent when vuln-check is off or nothing was measured. */
  vulnScan?: VulnScan;
}

/** Measure once, then the platform check, the smoke test, the size report, in that order. */
export async function checkBuilt(
  inputs: Inputs,
  prepared: Prepared,
  build: BuildResult,
  io: { deps: PipelineDeps; state: StateWriter },
  out: Collector,
): Promise<Checked> {
  const { plan, version, workDir, smokeSetup } = prepared;
  const { deps, state } = io;
  const { reporter, docker } = deps;
  const guards = new RegistryGuards(undefined, deps.ctx.deadlineScale);
  const symbols = inputs.vuln.check !== 'off';
  const measurement = await measureBuild({ plan, build, ctx: deps.ctx, docker, symbols }, reporter, guards);
  const platform = platformCheckStage(measurement, reporter);
  out.take(platform.result, 'platform-check');
  const smoke: SmokeResult = smokeSetup
    ? await runSmokeTest(smokeSetup, { docker, plan, build, workDir, reporter, state })
    : { status: 'skipped' };
  out.take(smokeStageResult(smoke), 'smoke-test');
  const extras = {
    version,
    smoke: { status: smoke.status, detail: smoke.detail },
    findings: prepared.checks.findings,
    platformCheck: platformCheckExtras(platform.check),
  };
  const services = reportServices(deps, runCache(deps, workDir), inputs.githubToken, {
    mode: inputs.goCacheSave,
    stopped: (why) => state.cacheDeleteStopped(why),
  });
  const partOfMerge = inputs.fanOut === 'push-by-digest';
  const image = measurement.image;
  const vulnScan =
    'fault' in image ? undefined : await scanImage(inputs.vuln, binariesOf(image.programs), reporter, deps.ctx.deadlineScale);
  const vuln = vulnScan ? { inputs: inputs.vuln, scan: vulnScan } : undefined;
  const input = {
    size: inputs.size,
    plan,
    ctx: deps.ctx,
    version,
    githubToken: inputs.githubToken,
    ...services,
    extras,
    partOfMerge,
    reportDir: workDir,
    vuln,
  };
  const reported = await sizeReportStage(input, measurement, reporter);
  out.take(reported, 'size-budget');
  out.take(reported.vuln, 'vuln-check');
  return { measurement, smoke, vulnScan };
}

/** The last stage of a push: the tags move to the image only when nothing failed; otherwise they stay, and the log says so. */
export async function moveTags(
  plan: BuildPlan,
  pushed: Pushed | undefined,
  io: { deps: PipelineDeps; guards: RegistryGuards; onCancelled?: (tagging: TagState) => Promise<void> },
  out: Collector,
): Promise<TagState> {
  const { reporter } = io.deps;
  if (!plan.pushByDigest) {
    if (out.failures.length > 0)
      reporter.warning(
        `The push moved the tags before the checks (this builder cannot push by digest): ${plan.tags.join(', ')} now name the image that failed them.`,
      );
    return { applied: true };
  }
  if (!pushed || out.failures.length > 0) {
    const reason = notTaggedReason(out.failedStages);
    const where = pushed
      ? ` The image was pushed by digest only: ${plan.pushByDigest.repositories.map((r) => `${r}@${pushed.digest}`).join(', ')}.`
      : '';
    reporter.warning(`Tags not moved (${reason}): ${plan.tags.join(', ')} stay where they were.${where}`);
    // The tags output lists the tags that name the new image when the step ends: none moved.
    out.output('tags', '');
    return { applied: false, reason };
  }
  const tagged = await reporter.group(`Tagging ${plan.tags.join(', ')}`, () =>
    applyTags(plan.tags, pushed, plan.builder, taggingDeps(io.deps, io.guards, out, io.onCancelled)),
  );
  const { result, tagging } = taggingResult(tagged, pushed.digest);
  out.take(result, 'tagging');
  return tagging;
}

/** A per-platform job's last stage: its result, per platform, for the merge job of this run. */
export async function handOffResult(
  inputs: Inputs,
  prepared: Prepared,
  done: { checked?: Checked; pushed: boolean },
  deps: PipelineDeps,
  out: Collector,
): Promise<void> {
  const { plan, version } = prepared;
  const smoke = done.checked ? { status: done.checked.smoke.status, detail: done.checked.smoke.detail } : { status: 'skipped' as const };
  const input = {
    scope: handoffScope(plan, deps.ctx),
    platforms: plan.platforms,
    repositories: plan.pushByDigest?.repositories ?? [],
    version,
    measurement: done.checked?.measurement,
    pushed: plan.push && done.pushed,
    smoke,
    failures: out.failures,
    vulnScan: done.checked?.vulnScan,
  };
  const store = runHandoff(deps, prepared.workDir);
  out.take(await handOffStage(input, { store, reporter: deps.reporter }), 'hand-off');
}

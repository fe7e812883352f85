import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from './context.js';
import type { Inputs } from './inputs.js';
import type { Reporter } from './reporter.js';
import { defaultVersion } from './release/version.js';
import { planBuild, type BuildPlan } from './buildx/plan.js';
import { checkCapabilities, inspectDocker, type BuildResult } from './buildx/docker.js';
import { buildImage } from './buildx/split-build.js';
import type { DockerClient } from './docker/client.js';
import { renderBuildSummary, type TagState, type VersionUseRow } from './buildx/summary.js';
import { pushLayoutStage } from './oci/registry-push.js';
import { commitEpoch, resolveSourceDate, type SourceDate } from './buildx/source-date.js';
import { ActionError, failureMessage, InputError } from './errors.js';
import { releaseTags } from './release/stage.js';
import { dockerfileChecks } from './checks/stage.js';
import { measureBuild, platformCheckStage, sizeReportStage, type Measurement } from './size/stage.js';
import { platformCheckExtras } from './size/platform-check.js';
import { applyTags, notTaggedReason } from './release/apply.js';
import { RegistryGuards } from './oci/registry-client.js';
import { checkSmokeSetup, runSmokeTest, smokeStageResult, type SmokeResult, type SmokeSetup } from './smoke/stage.js';
import type { CheckStageResult } from './checks/stage.js';
import { goCacheAfterBuild, goCacheBeforeBuild, type GoCacheSession } from './go-cache/stage.js';
import { actionsCache, isolate } from './actions-cache/service.js';
import { cacheEnv } from './actions-cache/isolation.js';
import type { CacheService } from './actions-cache/service.js';
import type { StageResult } from './stage.js';
import { StateWriter } from './state.js';
import type { OutputName } from './output-table.js';
import { repositoriesOf } from './util/reference.js';
import { gatherStage } from './merge/gather.js';
import { createIndexStage } from './merge/index-create.js';
import { handOffStage } from './merge/publish.js';
import { handoffScope, mergedSizeStage, platformsStage, tagIndexStage } from './merge/stage.js';
import { renderMergeSummary, type MergeSummaryInput } from './merge/summary.js';

export interface PipelineDeps {
  reporter: Reporter;
  ctx: RunContext;
  now?: () => Date;
  /** The Actions cache service (the real one unless replaced). */
  cache?: CacheService;
  /** Docker, buildx and compose: the entry point's client. */
  docker: DockerClient;
}

/** What a run produced. */
export interface PipelineOutcome {
  /** Reasons the step fails (empty: it passes). */
  failures: string[];
}

/**
 * Collects what the stages return: the only place outputs are set, summary sections kept (in
 * the order the stages ran, written at the end) and failures kept, with the stages that failed.
 */
class Collector {
  readonly failures: string[] = [];
  /** The stages that failed, in words ("the smoke test"): why the tags stay where they are. */
  readonly failedStages: string[] = [];
  private readonly sections: (string | undefined)[] = [];
  private readonly reporter: Reporter;

  constructor(reporter: Reporter) {
    this.reporter = reporter;
  }

  output(name: OutputName, value: string): void {
    this.reporter.setOutput(name, value);
  }

  /** Takes a stage's result; true when the stage passed. `stage` names it for the tags' note. */
  take(result: StageResult, stage?: string): boolean {
    for (const [name, value] of Object.entries(result.outputs) as [OutputName, string][]) this.output(name, value);
    if (result.summary) this.sections.push(result.summary);
    this.failures.push(...result.failures);
    if (result.failures.length > 0 && stage) this.failedStages.push(stage);
    return result.failures.length === 0;
  }

  /** Keeps a place for a section written later (the build's, which shows whether the tags moved); returns a setter. */
  reserve(): (markdown: string) => void {
    const at = this.sections.push(undefined) - 1;
    return (markdown) => (this.sections[at] = markdown);
  }

  /** Hands the sections to the reporter, in order. */
  flush(): void {
    for (const s of this.sections.splice(0)) if (s) this.reporter.addSummary(s);
  }
}

/** A user-facing error thrown by an adapter (a missing tool, a bad input found late) is a failure. */
function asFailure(error: unknown): string {
  if (error instanceof ActionError || error instanceof InputError) return failureMessage(error);
  throw error;
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
  try {
    await stages(inputs, deps, out);
  } catch (error) {
    out.failures.push(asFailure(error));
  } finally {
    out.flush();
  }
  return { failures: out.failures };
}

/** What the stages before the build hand on. */
interface Prepared {
  version: string;
  plan: BuildPlan;
  releaseNote?: string;
  checks: CheckStageResult;
  smokeSetup?: SmokeSetup;
  enginePlatform: string;
  workDir: string;
  sourceDate: SourceDate;
}

async function stages(inputs: Inputs, deps: PipelineDeps, out: Collector): Promise<void> {
  const { reporter } = deps;
  const { docker } = deps;
  if (inputs.fanOut === 'merge') return mergeStages(inputs, deps, docker, out);
  const state = new StateWriter((name, value) => reporter.saveState(name, value));
  const prepared = await prepare(inputs, deps, docker, state, out);
  if (!prepared) return;
  const { plan, version, workDir } = prepared;

  const cache = deps.cache ?? actionsCache;
  const restored = await goCacheBeforeBuild(
    { enabled: inputs.goCache, stream: deps.ctx.cacheStream, buildPlatform: prepared.enginePlatform, plan, workDir },
    { reporter, state, docker, service: cache, runId: deps.ctx.runId, runAttempt: deps.ctx.runAttempt },
  );
  out.take(restored.result);
  const build = await buildWithCache(plan, restored.session, { reporter, state, docker });
  out.take(buildOutputs(build.result), 'the build');
  const buildSection = out.reserve();
  const summarize = (tagging?: TagState): void =>
    buildSection(
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
  const handOff = (checked?: Checked, pushed?: Pushed): Promise<void> =>
    handOffResult(inputs, prepared, { checked, pushed: !!pushed && !out.failedStages.includes('the push') }, deps, out);
  if (!build.result.ok) {
    out.take(smokeStageResult({ status: 'skipped' }));
    if (inputs.fanOut === 'push-by-digest') await handOff();
    return;
  }
  const pushed = await pushIfNeeded(plan, build.result, reporter, out);
  const checked = await checkBuilt(inputs, prepared, build.result, { docker, reporter, state, deps }, out);
  if (inputs.fanOut === 'push-by-digest') {
    await handOff(checked, pushed);
    if (plan.push) summarize({ applied: false, reason: 'pushed by digest only: the merge job tags the index' });
    return;
  }
  if (!plan.push) return;
  if (!pushed && !out.failedStages.includes('the push'))
    out.take({ outputs: {}, failures: ['The build named no pushed digest, so the tags cannot be moved to it.'] }, 'the push');
  summarize(await moveTags(plan, pushed, { docker, reporter, guards: checked.measurement.guards }, out));
}

/** A per-platform job's last stage: its result, per platform, for the merge job of this run. */
async function handOffResult(
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
  };
  out.take(await handOffStage(input, { ...runCache(deps, prepared.workDir), reporter: deps.reporter }), 'the hand-off');
}

/**
 * A merge job (merge: true) builds nothing: it gathers this run's per-platform results, and once
 * every platform passed puts them under the tags as one index; one size report over all of them.
 */
async function mergeStages(inputs: Inputs, deps: PipelineDeps, docker: DockerClient, out: Collector): Promise<void> {
  const { reporter, ctx } = deps;
  const version = resolveVersion(inputs, ctx);
  out.output('version', version);
  const release = releaseTags(inputs, ctx, reporter);
  if (!out.take(release.result)) return;
  const section = out.reserve();
  const summary: MergeSummaryInput = { records: [], missing: [], tags: release.tags, push: inputs.push };
  const write = (): void => section(renderMergeSummary(summary));
  try {
    const cache = runCache(deps, await runWorkDir(deps));
    const gathered = await gatherStage(
      { ...cache, scope: handoffScope({ ...inputs, tags: release.tags }, ctx), platforms: inputs.platforms },
      reporter,
    );
    summary.records = gathered.records;
    summary.missing = inputs.platforms.filter((p) => !gathered.records.some((r) => r.platform === p));
    if (!out.take(gathered.result, 'gathering the platforms')) return;
    const repositories = repositoriesOf(release.tags);
    out.take(platformsStage(gathered.records, inputs.push, repositories), 'a per-platform job');
    const guards = new RegistryGuards();
    const io = { docker, guards, reporter, builder: inputs.builder };
    const made =
      inputs.push && out.failures.length === 0
        ? await createIndexStage(
            repositories,
            gathered.records.map((r) => r.digest!),
            io,
          )
        : undefined;
    if (made) out.take(made.result, 'the index');
    summary.digest = made?.index?.digest;
    const sizeInput = {
      size: inputs.size,
      githubToken: inputs.githubToken,
      file: inputs.file,
      target: inputs.target,
      ctx,
      tags: release.tags,
      version,
      guards,
      digest: summary.digest ?? '',
      ...sizeCache(cache),
    };
    out.take(await mergedSizeStage(sizeInput, gathered.records, reporter), 'the size budget');
    if (!inputs.push) return;
    summary.tagging = { applied: false, reason: notTaggedReason(out.failedStages) };
    if (made?.index && out.failures.length === 0) {
      const tagged = await tagIndexStage(release.tags, made.index, io);
      out.take(tagged.result, 'tagging');
      summary.tagging = tagged.tagging;
    } else reporter.warning(`Tags not moved (${summary.tagging.reason}): ${release.tags.join(', ')} stay where they were.`);
  } finally {
    write();
  }
}

/**
 * The cache service for the hand-off and the cached size report, with their files in the run's
 * work dir (as the Go cache's): the user's workspace is never written, and two runs in one
 * workspace do not share a file.
 */
function runCache(deps: PipelineDeps, workDir: string): { service: CacheService; workspace: string } {
  const env = cacheEnv(workDir);
  return { service: isolate(deps.cache ?? actionsCache, env), workspace: env.workspace };
}

function sizeCache(cache: { service: CacheService; workspace: string }): { cacheService: CacheService; cacheWorkspace: string } {
  return { cacheService: cache.service, cacheWorkspace: cache.workspace };
}

/** A work dir of this run's own, saved before anything is written there: the post step removes it, even after a cancel. */
async function runWorkDir(
  deps: PipelineDeps,
  state = new StateWriter((name, value) => deps.reporter.saveState(name, value)),
): Promise<string> {
  const workDir = await mkdtemp(join(deps.ctx.tempDir, 'go-container-action-'));
  state.workDir(workDir);
  return workDir;
}

/** A VERSION build-arg given by the user is the version: the binary, labels and outputs agree. */
function resolveVersion(inputs: Inputs, ctx: PipelineDeps['ctx']): string {
  return inputs.version ?? inputs.buildArgs.findLast((a) => a.key === 'VERSION')?.value ?? defaultVersion(ctx);
}

/** Before the build: version, release tags, docker, the Dockerfile checks, the plan, the smoke test's setup. */
async function prepare(
  inputs: Inputs,
  deps: PipelineDeps,
  docker: DockerClient,
  state: StateWriter,
  out: Collector,
): Promise<Prepared | undefined> {
  const { reporter, ctx } = deps;
  const version = resolveVersion(inputs, ctx);
  out.output('version', version);
  const release = releaseTags(inputs, ctx, reporter);
  if (!out.take(release.result)) return undefined;

  const engine = await reporter.group('Checking docker and buildx', () => inspectDocker(docker, inputs.builder));
  // `dockerfile-checks: error` stops here: a build whose result is thrown away costs minutes.
  const checks = await reporter.group('Checking the Dockerfile', () =>
    dockerfileChecks(inputs, ctx, reporter, { version, platform: engine.enginePlatform }),
  );
  if (!out.take(checks)) return undefined;

  const workDir = await runWorkDir(deps, state);
  const sourceDate = await reproducibleTime(inputs, ctx, reporter);
  const created = sourceDate.epoch !== undefined ? new Date(sourceDate.epoch * 1000) : (deps.now ?? (() => new Date()))();
  const plan: BuildPlan = planBuild(inputs, ctx, {
    version,
    tags: release.tags,
    created,
    workDir,
    driver: engine.builder.driver,
    containerdImageStore: engine.containerdImageStore,
    sourceDateEpoch: sourceDate.epoch,
  });
  checkCapabilities(plan, engine, reporter);
  if (inputs.fanOut === 'push-by-digest' && plan.push && !plan.pushByDigest) {
    throw new ActionError(
      'push-by-digest needs a builder that pushes by digest: the docker driver on the classic image store pushes under the tags. Use a docker-container builder (docker/setup-buildx-action) or the containerd image store.',
    );
  }
  const smokeSetup: SmokeSetup | undefined = inputs.smoke
    ? await reporter.group('Checking the compose files for the smoke test', () =>
        checkSmokeSetup(docker, inputs.smoke!, plan.platforms, engine.enginePlatform, ctx.workspace, reporter),
      )
    : undefined;
  return { version, plan, releaseNote: release.note, checks, smokeSetup, enginePlatform: engine.enginePlatform, workDir, sourceDate };
}

/** The time the build stamps: the commit's, so that the same commit gives the same image. */
async function reproducibleTime(inputs: Inputs, ctx: RunContext, reporter: Reporter): Promise<SourceDate> {
  const wanted = inputs.reproducible && !inputs.buildArgs.some((a) => a.key === 'SOURCE_DATE_EPOCH') && !process.env.SOURCE_DATE_EPOCH;
  const epoch = wanted ? await commitEpoch(ctx.workspace, ctx.sha) : undefined;
  const date = resolveSourceDate({
    reproducible: inputs.reproducible,
    buildArgs: inputs.buildArgs,
    env: process.env.SOURCE_DATE_EPOCH,
    sha: ctx.sha,
    commitEpoch: epoch,
    payload: ctx.payload,
  });
  reporter.info(
    date.epoch !== undefined
      ? `Reproducible build: SOURCE_DATE_EPOCH=${date.epoch} (${new Date(date.epoch * 1000).toISOString()}, ${date.from})`
      : `Timestamps: ${date.why}`,
  );
  return date;
}

/** The image pushed by digest: where it is, for the tags. */
interface Pushed {
  digest: string;
  mediaType?: string;
}

/** BuildKit pushed already (by digest, or under the tags); from the docker driver's OCI layout, the action does. Undefined: nothing to tag. */
async function pushIfNeeded(plan: BuildPlan, build: BuildResult, reporter: Reporter, out: Collector): Promise<Pushed | undefined> {
  if (!plan.push) return undefined;
  if (!plan.pushByDigest || plan.pushByDigest.via === 'exporter')
    return build.metadata.digest ? { digest: build.metadata.digest, mediaType: build.metadata.mediaType } : undefined;
  const pushed = await pushLayoutStage(plan, plan.pushByDigest.repositories, reporter);
  out.take(pushed.result, 'the push');
  return pushed.image;
}

/** After the build: measure once, then the platform check, the smoke test, the size report, in that order. */
async function checkBuilt(
  inputs: Inputs,
  prepared: Prepared,
  build: BuildResult,
  io: { docker: DockerClient; reporter: Reporter; state: StateWriter; deps: PipelineDeps },
  out: Collector,
): Promise<Checked> {
  const { plan, version, workDir, smokeSetup } = prepared;
  const { reporter, docker, state, deps } = io;
  const measurement = await measureBuild({ plan, build, ctx: deps.ctx, docker }, reporter);
  const platform = platformCheckStage(measurement, reporter);
  out.take(platform.result, 'the platform check');
  const smoke: SmokeResult = smokeSetup
    ? await runSmokeTest(smokeSetup, { docker, plan, build, workDir, reporter, state })
    : { status: 'skipped' };
  out.take(smokeStageResult(smoke), 'the smoke test');
  const extras = {
    version,
    smoke: { status: smoke.status, detail: smoke.detail },
    findings: prepared.checks.findings,
    platformCheck: platformCheckExtras(platform.check),
  };
  const partOfMerge = inputs.fanOut === 'push-by-digest';
  const size = await sizeReportStage(
    {
      size: inputs.size,
      plan,
      ctx: deps.ctx,
      version,
      githubToken: inputs.githubToken,
      ...sizeCache(runCache(deps, workDir)),
      extras,
      partOfMerge,
    },
    measurement,
    reporter,
  );
  out.take(size, 'the size budget');
  return { measurement, smoke };
}

/** What the checks after the build hand on: the measurement (and its registry deadlines), the smoke test's result. */
interface Checked {
  measurement: Measurement;
  smoke: SmokeResult;
}

/** The last stage of a push: the tags move to the image only when nothing failed; otherwise they stay, and the log says so. */
async function moveTags(
  plan: BuildPlan,
  pushed: Pushed | undefined,
  io: { docker: DockerClient; reporter: Reporter; guards: RegistryGuards },
  out: Collector,
): Promise<TagState> {
  const { reporter } = io;
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
      ? ` The image was pushed by digest only: ${plan.pushByDigest!.repositories.map((r) => `${r}@${pushed.digest}`).join(', ')}.`
      : '';
    reporter.warning(`Tags not moved (${reason}): ${plan.tags.join(', ')} stay where they were.${where}`);
    return { applied: false, reason };
  }
  const tagged = await reporter.group(`Tagging ${plan.tags.join(', ')}`, () =>
    applyTags(plan.tags, pushed, plan.builder, { docker: io.docker, guards: io.guards, log: (m) => reporter.info(m) }),
  );
  if (!tagged.failure) return { applied: true };
  out.take({ outputs: {}, failures: [tagged.failure] }, 'tagging');
  return {
    applied: false,
    reason: tagged.applied.length ? `only partly tagged (${tagged.applied.length} of ${plan.tags.length})` : 'not tagged: tagging failed',
  };
}

/**
 * The build between the Go cache's restore and extract. The extract runs whatever the build
 * did: after a failed (or thrown) build it only ends the helpers holding the cache mounts.
 */
async function buildWithCache(
  plan: BuildPlan,
  session: GoCacheSession | undefined,
  deps: { reporter: Reporter; state: StateWriter; docker: DockerClient },
): Promise<{ result: BuildResult; seconds: number }> {
  let result: BuildResult | undefined;
  try {
    const started = Date.now();
    result = await deps.reporter.group(`Building ${plan.platforms.join(', ')}`, () =>
      buildImage(deps.docker, plan, (m) => deps.reporter.info(m)),
    );
    // The build's own time: the cache extract below is not part of it.
    const seconds = (Date.now() - started) / 1000;
    if (result.ok)
      deps.reporter.info(
        `Built ${plan.platforms.join(', ')} in ${seconds.toFixed(1)} s${result.metadata.digest ? `: ${result.metadata.digest}` : ''}`,
      );
    return { result, seconds };
  } finally {
    await goCacheAfterBuild(session, result?.ok === true, deps);
  }
}

/** Pure: the build's outputs and its failure (its summary section is written once the tags moved, or did not). */
function buildOutputs(result: BuildResult): StageResult {
  const outputs: StageResult['outputs'] = {};
  if (result.imageId) outputs.imageid = result.imageId;
  if (result.metadata.digest) outputs.digest = result.metadata.digest;
  outputs.metadata = JSON.stringify(result.metadata.raw);
  return { outputs, failures: result.ok ? [] : [`Build failed: ${result.error}`] };
}

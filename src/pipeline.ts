import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from './context.js';
import type { Inputs } from './inputs.js';
import type { Reporter } from './reporter.js';
import { defaultVersion } from './build/version.js';
import { planBuild, type BuildPlan } from './build/plan.js';
import { checkCapabilities, inspectDocker, runBuildx, type BuildResult } from './build/docker.js';
import type { DockerClient } from './docker/client.js';
import { dockerCli } from './docker/cli.js';
import { renderBuildSummary, type TagState, type VersionUseRow } from './build/summary.js';
import { pushLayoutStage } from './build/registry-push.js';
import { ActionError, failureMessage, InputError } from './errors.js';
import { releaseTags } from './release/stage.js';
import { dockerfileChecks } from './checks/stage.js';
import { measureBuild, platformCheckStage, sizeReportStage, type Measurement } from './size/stage.js';
import { platformCheckExtras } from './size/platform-check.js';
import { applyTags, notTaggedReason } from './release/apply.js';
import { RegistryGuards } from './oci/registry-client.js';
import { checkSmokeSetup, runSmokeTest, smokeStageResult, type SmokeResult, type SmokeSetup } from './smoke/stage.js';
import type { CheckStageResult } from './checks/stage.js';
import { goCacheAfterBuild, goCacheBeforeBuild, type GoCacheSession } from './cache/stage.js';
import { actionsCache } from './cache/service.js';
import type { CacheService } from './cache/service.js';
import type { StageResult } from './stage.js';
import { StateWriter } from './state.js';
import type { OutputName } from './output-table.js';

export interface PipelineDeps {
  reporter: Reporter;
  ctx: RunContext;
  now?: () => Date;
  /** The Actions cache service (the real one unless replaced). */
  cache?: CacheService;
  /** Docker, buildx and compose (the docker CLI unless replaced). */
  docker?: DockerClient;
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
 * tags. Inputs are already parsed and valid. Stages return what they produced; this function
 * alone sets outputs, writes summary sections and decides failure.
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
}

async function stages(inputs: Inputs, deps: PipelineDeps, out: Collector): Promise<void> {
  const { reporter } = deps;
  const docker = deps.docker ?? dockerCli;
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
  const summarize = (tagging?: TagState): void => buildSection(renderBuildSummary({ plan, version, build: build.result, seconds: build.seconds, tagsNote: prepared.releaseNote, tagging, versionUse: prepared.checks.versionUse }));
  summarize(plan.push ? { applied: false, reason: notTaggedReason(out.failedStages) } : undefined);
  if (!build.result.ok) {
    out.take(smokeStageResult({ status: 'skipped' }));
    return;
  }
  const pushed = await pushIfNeeded(plan, build.result, reporter, out);
  const checked = await checkBuilt(inputs, prepared, build.result, { docker, reporter, state, deps }, out);
  if (!plan.push) return;
  if (!pushed && !out.failedStages.includes('the push')) out.take({ outputs: {}, failures: ['The build named no pushed digest, so the tags cannot be moved to it.'] }, 'the push');
  summarize(await moveTags(plan, pushed, { docker, reporter, guards: checked.guards }, out));
}

/** Before the build: version, release tags, docker, the Dockerfile checks, the plan, the smoke test's setup. */
async function prepare(inputs: Inputs, deps: PipelineDeps, docker: DockerClient, state: StateWriter, out: Collector): Promise<Prepared | undefined> {
  const { reporter, ctx } = deps;
  // A VERSION build-arg given by the user is the version: the binary, labels and outputs agree.
  const version = inputs.version ?? inputs.buildArgs.findLast((a) => a.key === 'VERSION')?.value ?? defaultVersion(ctx);
  out.output('version', version);
  const release = releaseTags(inputs, ctx, reporter);
  if (!out.take(release.result)) return undefined;

  const engine = await reporter.group('Checking docker and buildx', () => inspectDocker(docker, inputs.builder));
  // `dockerfile-checks: error` stops here: a build whose result is thrown away costs minutes.
  const checks = await reporter.group('Checking the Dockerfile', () => dockerfileChecks(inputs, ctx, reporter, { version, platform: engine.enginePlatform }));
  if (!out.take(checks)) return undefined;

  const workDir = await mkdtemp(join(ctx.tempDir, 'go-container-action-'));
  // Saved before anything is written there: the post step removes it even after a cancel.
  state.workDir(workDir);
  const created = (deps.now ?? (() => new Date()))();
  const plan: BuildPlan = planBuild(inputs, ctx, { version, tags: release.tags, created, workDir, driver: engine.builder.driver, containerdImageStore: engine.containerdImageStore });
  checkCapabilities(plan, engine, reporter);
  const smokeSetup: SmokeSetup | undefined = inputs.smoke
    ? await reporter.group('Checking the compose files for the smoke test', () => checkSmokeSetup(docker, inputs.smoke!, plan.platforms, engine.enginePlatform, ctx.workspace, reporter))
    : undefined;
  return { version, plan, releaseNote: release.note, checks, smokeSetup, enginePlatform: engine.enginePlatform, workDir };
}

/** The image pushed by digest: where it is, for the tags. */
interface Pushed {
  digest: string;
  mediaType?: string;
}

/** BuildKit pushed already (by digest, or under the tags); from the docker driver's OCI layout, the action does. Undefined: nothing to tag. */
async function pushIfNeeded(plan: BuildPlan, build: BuildResult, reporter: Reporter, out: Collector): Promise<Pushed | undefined> {
  if (!plan.push) return undefined;
  if (!plan.pushByDigest || plan.pushByDigest.via === 'exporter') return build.metadata.digest ? { digest: build.metadata.digest, mediaType: build.metadata.mediaType } : undefined;
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
): Promise<Measurement> {
  const { plan, version, workDir, smokeSetup } = prepared;
  const { reporter, docker, state, deps } = io;
  const measurement = await measureBuild({ plan, build, ctx: deps.ctx, docker }, reporter);
  const platform = platformCheckStage(measurement, reporter);
  out.take(platform.result, 'the platform check');
  const smoke: SmokeResult = smokeSetup ? await runSmokeTest(smokeSetup, { docker, plan, build, workDir, reporter, state }) : { status: 'skipped' };
  out.take(smokeStageResult(smoke), 'the smoke test');
  const extras = { version, smoke: { status: smoke.status, detail: smoke.detail }, findings: prepared.checks.findings, platformCheck: platformCheckExtras(platform.check) };
  const size = await sizeReportStage({ size: inputs.size, plan, ctx: deps.ctx, version, githubToken: inputs.githubToken, cacheService: deps.cache, extras }, measurement, reporter);
  out.take(size, 'the size budget');
  return measurement;
}

/** The last stage of a push: the tags move to the image only when nothing failed; otherwise they stay, and the log says so. */
async function moveTags(plan: BuildPlan, pushed: Pushed | undefined, io: { docker: DockerClient; reporter: Reporter; guards: RegistryGuards }, out: Collector): Promise<TagState> {
  const { reporter } = io;
  if (!plan.pushByDigest) {
    if (out.failures.length > 0) reporter.warning(`The push moved the tags before the checks (this builder cannot push by digest): ${plan.tags.join(', ')} now name the image that failed them.`);
    return { applied: true };
  }
  if (!pushed || out.failures.length > 0) {
    const reason = notTaggedReason(out.failedStages);
    const where = pushed ? ` The image was pushed by digest only: ${plan.pushByDigest!.repositories.map((r) => `${r}@${pushed.digest}`).join(', ')}.` : '';
    reporter.warning(`Tags not moved (${reason}): ${plan.tags.join(', ')} stay where they were.${where}`);
    return { applied: false, reason };
  }
  const tagged = await reporter.group(`Tagging ${plan.tags.join(', ')}`, () => applyTags(plan.tags, pushed, plan.builder, { docker: io.docker, guards: io.guards, log: (m) => reporter.info(m) }));
  if (!tagged.failure) return { applied: true };
  out.take({ outputs: {}, failures: [tagged.failure] }, 'tagging');
  return { applied: false, reason: tagged.applied.length ? `only partly tagged (${tagged.applied.length} of ${plan.tags.length})` : 'not tagged: tagging failed' };
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
    result = await deps.reporter.group(`Building ${plan.platforms.join(', ')}`, () => runBuildx(deps.docker, plan));
    // The build's own time: the cache extract below is not part of it.
    const seconds = (Date.now() - started) / 1000;
    if (result.ok) deps.reporter.info(`Built ${plan.platforms.join(', ')} in ${seconds.toFixed(1)} s${result.metadata.digest ? `: ${result.metadata.digest}` : ''}`);
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

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
import { renderBuildSummary, type VersionUseRow } from './build/summary.js';
import { ActionError, failureMessage, InputError } from './errors.js';
import { releaseTags } from './release/stage.js';
import { dockerfileChecks } from './checks/stage.js';
import { runSizeStage } from './size/stage.js';
import { checkSmokeSetup, runSmokeTest, smokeStageResult, type SmokeResult, type SmokeSetup } from './smoke/stage.js';
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
 * Collects what the stages return: the only place outputs are set, summary sections added (in
 * the order the stages ran) and failures kept.
 */
class Collector {
  readonly failures: string[] = [];
  private readonly reporter: Reporter;

  constructor(reporter: Reporter) {
    this.reporter = reporter;
  }

  output(name: OutputName, value: string): void {
    this.reporter.setOutput(name, value);
  }

  /** Takes a stage's result; true when the stage passed. */
  take(result: StageResult): boolean {
    for (const [name, value] of Object.entries(result.outputs) as [OutputName, string][]) this.output(name, value);
    if (result.summary) this.reporter.addSummary(result.summary);
    this.failures.push(...result.failures);
    return result.failures.length === 0;
  }
}

/** A user-facing error thrown by an adapter (a missing tool, a bad input found late) is a failure. */
function asFailure(error: unknown): string {
  if (error instanceof ActionError || error instanceof InputError) return failureMessage(error);
  throw error;
}

/**
 * The whole run, shared by the action and the CLI: validate the machine, build, then the
 * stages that inspect the result. Inputs are already parsed and valid. Stages return what they
 * produced; this function alone sets outputs, writes summary sections and decides failure.
 */
export async function runPipeline(inputs: Inputs, deps: PipelineDeps): Promise<PipelineOutcome> {
  const out = new Collector(deps.reporter);
  try {
    await stages(inputs, deps, out);
  } catch (error) {
    out.failures.push(asFailure(error));
  }
  return { failures: out.failures };
}

async function stages(inputs: Inputs, deps: PipelineDeps, out: Collector): Promise<void> {
  const { reporter, ctx } = deps;
  const docker = deps.docker ?? dockerCli;
  const state = new StateWriter((name, value) => reporter.saveState(name, value));
  // A VERSION build-arg given by the user is the version: the binary, labels and outputs agree.
  const version = inputs.version ?? inputs.buildArgs.findLast((a) => a.key === 'VERSION')?.value ?? defaultVersion(ctx);
  out.output('version', version);
  const release = releaseTags(inputs, ctx, reporter);
  if (!out.take(release.result)) return;

  const engine = await reporter.group('Checking docker and buildx', () => inspectDocker(docker, inputs.builder));
  // `dockerfile-checks: error` stops here: a build whose result is thrown away costs minutes.
  const checks = await reporter.group('Checking the Dockerfile', () => dockerfileChecks(inputs, ctx, reporter, { version, platform: engine.enginePlatform }));
  if (!out.take(checks)) return;

  const workDir = await mkdtemp(join(ctx.tempDir, 'go-container-action-'));
  // Saved before anything is written there: the post step removes it even after a cancel.
  state.workDir(workDir);
  const plan: BuildPlan = planBuild(inputs, ctx, { version, tags: release.tags, created: (deps.now ?? (() => new Date()))(), workDir });
  checkCapabilities(plan, engine, reporter);
  const smokeSetup: SmokeSetup | undefined = inputs.smoke
    ? await reporter.group('Checking the compose files for the smoke test', () => checkSmokeSetup(docker, inputs.smoke!, plan.platforms, engine.enginePlatform, ctx.workspace, reporter))
    : undefined;

  const cache = deps.cache ?? actionsCache;
  const restored = await goCacheBeforeBuild(
    { enabled: inputs.goCache, stream: ctx.cacheStream, buildPlatform: engine.enginePlatform, plan, workDir },
    { reporter, state, docker, service: cache, runId: ctx.runId, runAttempt: ctx.runAttempt },
  );
  out.take(restored.result);
  const build = await buildWithCache(plan, restored.session, { reporter, state, docker });
  out.take(buildResult(plan, build, version, release.note, checks.versionUse));
  if (!build.result.ok) {
    out.take(smokeStageResult({ status: 'skipped' }));
    return;
  }

  const smoke: SmokeResult = smokeSetup ? await runSmokeTest(smokeSetup, { docker, plan, build: build.result, workDir, reporter, state }) : { status: 'skipped' };
  out.take(smokeStageResult(smoke));

  out.take(
    await runSizeStage(
      { size: inputs.size, plan, build: build.result, ctx, version, githubToken: inputs.githubToken, cacheService: deps.cache, extras: { version, smoke: { status: smoke.status, detail: smoke.detail }, findings: checks.findings } },
      reporter,
    ),
  );
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

/** Pure: the build's outputs, its summary section (first of the build's stages) and its failure. */
function buildResult(plan: BuildPlan, build: { result: BuildResult; seconds: number }, version: string, tagsNote?: string, versionUse?: VersionUseRow): StageResult {
  const { result } = build;
  const outputs: StageResult['outputs'] = {};
  if (result.imageId) outputs.imageid = result.imageId;
  if (result.metadata.digest) outputs.digest = result.metadata.digest;
  outputs.metadata = JSON.stringify(result.metadata.raw);
  return {
    outputs,
    failures: result.ok ? [] : [`Build failed: ${result.error}`],
    summary: renderBuildSummary({ plan, version, build: result, seconds: build.seconds, tagsNote, versionUse }),
  };
}

import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from './context.js';
import type { Inputs } from './inputs.js';
import type { Reporter } from './reporter.js';
import { defaultVersion } from './build/version.js';
import { planBuild, type BuildPlan } from './build/plan.js';
import { checkCapabilities, inspectDocker, runBuildx, type BuildResult, type DockerEnvironment } from './build/docker.js';
import { renderBuildSummary } from './build/summary.js';
import { ActionError } from './errors.js';
import { releaseTags } from './release/stage.js';
import { dockerfileChecks } from './checks/stage.js';
// Image size, budgets and PR comment (issue 3).
import { runSizeStage } from './size/stage.js';
// Compose smoke test (issue 4).
import { checkSmokeSetup, runSmokeTest, type SmokeResult, type SmokeSetup } from './smoke/stage.js';
// Go cache mounts that survive fresh runners (issue 5).
import { goCacheAfterBuild, goCacheBeforeBuild } from './cache/stage.js';
import { actionsCache } from './cache/service.js';

export interface PipelineDeps {
  reporter: Reporter;
  ctx: RunContext;
  now?: () => Date;
}

/** What a run produced; the entry points set outputs as they come and fail once at the end. */
export interface PipelineOutcome {
  outputs: Record<string, string>;
  /** Reasons the step fails (empty: it passes). */
  failures: string[];
}

/** Names of the state handed to the post step. */
export const STATE = {
  workDir: 'work-dir',
} as const;

/**
 * The whole run, shared by the action and the CLI: validate the machine, build, then the
 * stages that inspect the result. Inputs are already parsed and valid.
 */
export async function runPipeline(inputs: Inputs, deps: PipelineDeps): Promise<PipelineOutcome> {
  const { reporter, ctx } = deps;
  const now = deps.now ?? (() => new Date());
  const outputs: Record<string, string> = {};
  const failures: string[] = [];
  const setOutput = (name: string, value: string): void => {
    outputs[name] = value;
    reporter.setOutput(name, value);
  };

  // A VERSION build-arg given by the user is the version: the binary, labels and outputs agree.
  const version = inputs.version ?? inputs.buildArgs.findLast((a) => a.key === 'VERSION')?.value ?? defaultVersion(ctx);
  // Release tags (issue 6): explicit `tags` win; otherwise `images` get tags that follow the ref.
  const { tags, note: tagsNote } = releaseTags(inputs, ctx, reporter);
  setOutput('version', version);
  setOutput('tags', tags.join('\n'));

  const docker: DockerEnvironment = await reporter.group('Checking docker and buildx', () => inspectDocker(inputs.builder));

  // Dockerfile checks (issue 6): annotations on the Dockerfile lines; `dockerfile-checks: error` stops here, before the build.
  await reporter.group('Checking the Dockerfile', () => dockerfileChecks(inputs, ctx, reporter, version));

  const workDir = await mkdtemp(join(ctx.tempDir, 'go-container-action-'));
  reporter.saveState(STATE.workDir, workDir);
  const plan: BuildPlan = planBuild(inputs, ctx, { version, tags, created: now(), workDir });
  checkCapabilities(plan, docker, reporter);

  // Compose smoke test (issue 4): the files parse and the services exist, before any build.
  const smokeInputs = inputs.smoke;
  const smokeSetup: SmokeSetup | undefined = smokeInputs
    ? await reporter.group('Checking the compose files for the smoke test', () => checkSmokeSetup(smokeInputs, plan.platforms, docker.enginePlatform, ctx.workspace, reporter))
    : undefined;

  // Go cache mounts (issue 5): restore and inject before the build; a fault only warns.
  const goCache = await goCacheBeforeBuild({ enabled: inputs.goCache, plan, workDir }, reporter, setOutput, actionsCache);

  const started = Date.now();
  const build: BuildResult = await reporter.group(`Building ${plan.platforms.join(', ')}`, () => runBuildx(plan)).catch(async (error: unknown) => {
    await goCacheAfterBuild(goCache, false, reporter);
    throw error;
  });
  const seconds = (Date.now() - started) / 1000;
  if (build.ok) reporter.info(`Built ${plan.platforms.join(', ')} in ${seconds.toFixed(1)} s${build.metadata.digest ? `: ${build.metadata.digest}` : ''}`);
  // Go cache mounts (issue 5): take out what the build changed (the post step saves it); after a
  // failed build the helper holding the mounts only ends.
  await goCacheAfterBuild(goCache, build.ok, reporter);
  if (build.imageId) setOutput('imageid', build.imageId);
  if (build.metadata.digest) setOutput('digest', build.metadata.digest);
  setOutput('metadata', JSON.stringify(build.metadata.raw));
  // The build's summary comes first in the job summary, whatever the later stages say.
  reporter.addSummary(renderBuildSummary({ plan, version, build, seconds, tagsNote }));
  if (!build.ok) {
    // Nothing was built to start: the smoke test did not run.
    setOutput('smoke-status', 'skipped');
    throw new ActionError(`Build failed: ${build.error}`);
  }

  // Compose smoke test (issue 4): the stack with the image just built; a failure fails the step at the end.
  const smoke: SmokeResult = smokeSetup ? await runSmokeTest(smokeSetup, { plan, build, workDir, reporter }) : { status: 'skipped' };
  setOutput('smoke-status', smoke.status);
  if (smoke.failure) failures.push(smoke.failure);

  // Image size, budgets and PR comment (issue 3): after the build (and the smoke test), outputs before failing.
  const sizeResult = await runSizeStage(
    { size: inputs.size, plan, build, ctx, version, githubToken: inputs.githubToken, extras: { version, smoke: { status: smoke.status, detail: smoke.detail } } },
    reporter,
  );
  for (const [k, v] of Object.entries(sizeResult.outputs)) setOutput(k, v!);
  if (sizeResult.summary) reporter.addSummary(sizeResult.summary);
  failures.push(...sizeResult.failures);

  return { outputs, failures };
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildResult } from '../buildx/docker.js';
import type { BuildPlan } from '../buildx/plan.js';
import type { DockerClient } from '../docker/client.js';
import { ActionError, errorText, InputError, throwIfCancelled } from '../errors.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import type { SmokeState, StateWriter } from '../state.js';
import { inertLines } from '../util/inert.js';
import { escapeMarkdown } from '../util/markdown.js';
import { removeProject, sampleProject, serviceLogs, type ComposeProject } from './compose.js';
import { imageNote, prepareImage, smokeImageTag, type ImageUnderTest } from './image.js';
import type { SmokeInputs } from './inputs.js';
import type { SmokeSetup } from './setup.js';
import { checkOverrideApplied, chooseServices, renderOverride } from './override.js';
import { failedServices, failureMessage, formatHealthLog, renderSmokeSummary, serviceHealthLog, shortDetail } from './report.js';
import { probeUrl, waitForStack, type WaitOutcome } from './wait.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the PR comment and the outputs say about the smoke test. */
export interface SmokeResult {
  status: 'passed' | 'failed' | 'skipped';
  detail?: string;
  /** The message the step fails with, when failed. */
  failure?: string;
  /** The smoke test's section of the job summary. */
  summary?: string;
}

/** Pure: the smoke test as a stage result (the smoke-status output, its failure, its summary). */
export function smokeStageResult(smoke: SmokeResult): StageResult {
  return { outputs: { 'smoke-status': smoke.status }, failures: smoke.failure ? [smoke.failure] : [], summary: smoke.summary };
}

export type { SmokeSetup } from './setup.js';

/** Pure: a project name compose accepts ([a-z0-9_-], starting with a letter or digit). */
export function smokeProjectName(random: string = randomBytes(5).toString('hex')): string {
  return `gca-smoke-${random}`;
}

/**
 * Validates the smoke test before anything is built: the engine's platform (`platform`, from
 * inspectDocker) is among those built, compose parses the files, and the services under test exist.
 */
export async function checkSmokeSetup(
  docker: DockerClient,
  smoke: SmokeInputs,
  platforms: readonly string[],
  platform: string,
  cwd: string,
  reporter: Reporter,
): Promise<SmokeSetup> {
  if (!platforms.includes(platform)) {
    throw new InputError(
      'compose-file',
      `the smoke test runs the image for this runner's platform ${platform}, but platforms (${platforms.join(', ')}) does not include it. ` +
        `Expected ${platform} among the platforms, or no compose-file.`,
    );
  }
  const projectName = smokeProjectName();
  const config = await docker.composeConfig({ name: projectName, files: smoke.files, cwd });
  if (!config.ok) {
    throwIfCancelled(config, 'docker compose config ran');
    if (config.notInstalled) {
      throw new ActionError('docker compose is not installed. Install the compose plugin (compose 2.24 or later) for the smoke test.');
    }
    throw new InputError(
      'compose-file',
      `docker compose config rejects ${smoke.fileNames.join(', ')}: ${config.error}. Expected valid compose files.`,
    );
  }
  const services = config.value;
  const chosen = chooseServices(services, smoke.services);
  if ('error' in chosen) throw new InputError('compose-service', chosen.error);
  const expected = services.filter((s) => s.replicas > 0).map((s) => s.name);
  reporter.info(`Smoke test: ${chosen.services.join(', ')} will run the image built for ${platform}; services: ${expected.join(', ')}`);
  return { inputs: smoke, projectName, cwd, underTest: chosen.services, expected, platform };
}

/** Removes what the smoke test created: the stack, its own image tag, the override file. Never throws. */
export async function cleanupSmoke(
  docker: DockerClient,
  project: ComposeProject,
  image: string | undefined,
  overrideFile: string | undefined,
  reporter: Reporter,
): Promise<void> {
  const report = await removeProject(docker, project);
  for (const problem of report.problems) reporter.warning(`Smoke test cleanup: ${problem}`);
  if (image) {
    const removed = await docker.removeImage(image);
    if (!removed.ok) reporter.warning(`Smoke test cleanup: could not remove ${image}: ${removed.error}`);
  }
  if (overrideFile) await rm(overrideFile, { force: true });
}

/** What the smoke test needs from the run. */
export interface SmokeDeps {
  docker: DockerClient;
  plan: BuildPlan;
  build: BuildResult;
  workDir: string;
  reporter: Reporter;
  state: StateWriter;
}

/**
 * Runs the smoke test after the build: the stack with the image just built, the wait, the
 * evidence on failure, and always the cleanup.
 */
export async function runSmokeTest(setup: SmokeSetup, deps: SmokeDeps): Promise<SmokeResult> {
  const { reporter, state } = deps;
  const overrideFile = join(deps.workDir, 'smoke-compose.override.yaml');
  const project: ComposeProject = { name: setup.projectName, files: [...setup.inputs.files, overrideFile], cwd: setup.cwd };
  const image: { current?: ImageUnderTest } = {};
  // The post step cleans up a cancelled run with what is saved here.
  state.smoke({ project: project.name, files: setup.inputs.files, cwd: setup.cwd });
  try {
    return await smokeRun(setup, project, overrideFile, image, deps);
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    return {
      status: 'failed',
      detail: 'could not start',
      failure: error.message,
      summary: `### 🧪 Compose smoke test: ❌ failed\n\n${escapeMarkdown(error.message)}`,
    };
  } finally {
    await reporter.group('Smoke test: cleanup', async () => {
      const started = Date.now();
      await cleanupSmoke(deps.docker, project, image.current?.ref ?? smokeImageTag(setup.projectName), overrideFile, reporter);
      // Done here: the post step has nothing left to remove (it would run compose down again).
      state.smoke(undefined);
      reporter.info(`Removed project ${project.name} and its image tag in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  }
}

/** The image, the override, the stack and its verdict; `image` is filled as soon as there is one to clean up. */
async function smokeRun(
  setup: SmokeSetup,
  project: ComposeProject,
  overrideFile: string,
  image: { current?: ImageUnderTest },
  deps: SmokeDeps,
): Promise<SmokeResult> {
  const { docker, reporter } = deps;
  const built = { plan: deps.plan, result: deps.build, workDir: deps.workDir };
  const prepared = await reporter.group(`Smoke test: the image for ${setup.platform}`, () => prepareImage(docker, setup, built, reporter));
  image.current = prepared;
  const images = await applyOverride(docker, setup, project, overrideFile, prepared.ref);
  const outcome = await reporter.group(`Smoke test: starting ${setup.expected.join(', ')} (project ${project.name})`, () =>
    startAndWait(docker, setup, { project, images }, reporter),
  );
  const logs = new Map<string, string>();
  if (!outcome.ok) await collectEvidence(docker, outcome, project, logs, reporter);
  const summary = renderSmokeSummary({
    outcome,
    project: project.name,
    image: prepared.ref,
    platform: setup.platform,
    underTest: setup.underTest,
    logs,
    imageNote: imageNote(prepared),
  });
  if (outcome.ok) {
    reporter.info(
      `Smoke test passed in ${(outcome.elapsedMs / 1000).toFixed(1)} s (image ${prepared.how} in ${prepared.seconds.toFixed(1)} s)`,
    );
    return { status: 'passed', detail: shortDetail(outcome), summary };
  }
  return { status: 'failed', detail: shortDetail(outcome), failure: failureMessage(outcome), summary };
}

/**
 * Writes the override that runs the image under test, and checks compose applies it.
 * Returns the image of every service as compose resolved it (to tell whose image failed).
 */
async function applyOverride(
  docker: DockerClient,
  setup: SmokeSetup,
  project: ComposeProject,
  overrideFile: string,
  ref: string,
): Promise<Record<string, string | undefined>> {
  await writeFile(overrideFile, renderOverride(setup.underTest, ref));
  const resolved = await docker.composeConfig(project);
  if (!resolved.ok) throw new ActionError(`docker compose config rejects the smoke test override: ${resolved.error}`);
  const services = resolved.value;
  const problem = checkOverrideApplied(services, setup.underTest, ref);
  if (problem) throw new ActionError(`The smoke test override was not applied: ${problem}`);
  return Object.fromEntries(services.map((s) => [s.name, s.image]));
}

/** `compose up` in the background and the wait for the stack; `up` is ended whatever the wait says. */
async function startAndWait(
  docker: DockerClient,
  setup: SmokeSetup,
  stack: { project: ComposeProject; images: Record<string, string | undefined> },
  reporter: Reporter,
): Promise<WaitOutcome> {
  const { project } = stack;
  // compose's lines carry outside text (daemon errors, names from the files): each made inert.
  const up = docker.composeUp(project, (line) => reporter.info(inertLines(line)));
  try {
    return await waitForStack(
      {
        expected: setup.expected,
        probes: setup.inputs.probes,
        timeoutMs: setup.inputs.timeoutMs,
        compose: { project: project.name, images: stack.images },
      },
      {
        // A failed poll (compose ps answering an error) is logged and the next one tried; the deadline still holds.
        sample: () =>
          sampleProject(docker, project).catch((error: unknown) => {
            reporter.warning(`Smoke test: could not read the stack's state: ${errorText(error)}`);
            return [];
          }),
        probe: probeUrl,
        upResult: () => up.result(),
        now: () => Date.now(),
        sleep,
        log: (message) => reporter.info(message),
      },
    );
  } finally {
    await up.stop();
  }
}

/** For each service that failed: why, its health-check log, its last 100 log lines, an error annotation. */
async function collectEvidence(
  docker: DockerClient,
  outcome: WaitOutcome,
  project: ComposeProject,
  logs: Map<string, string>,
  reporter: Reporter,
): Promise<void> {
  for (const s of failedServices(outcome)) {
    // The reason carries the last health check's output; a service without a container has no logs.
    reporter.error(`Service ${s.service} is not ready: ${s.reason}.`, { title: `Compose smoke test: ${s.service}` });
    if (s.containers.length === 0) continue;
    const text = await serviceLogs(docker, project, s.service);
    logs.set(s.service, text);
    const health = serviceHealthLog(s);
    await reporter.group(`Smoke test: ${s.service} ${s.state}: health-check log and last 100 log lines`, () => {
      reporter.info(`${s.service}: ${s.reason}`);
      // Outside text: quoted, so no line of it can issue a workflow command.
      if (health.length > 0) reporter.quote('Health-check log:', formatHealthLog(health));
      reporter.quote('Last 100 log lines:', text || '(no output)');
      return Promise.resolve();
    });
  }
  if (outcome.upError) reporter.error(`docker compose up failed: ${outcome.upError}`, { title: 'Compose smoke test: compose up' });
  for (const p of outcome.probes.filter((x) => !x.ok && x.last)) {
    reporter.error(`Probe ${p.url} did not answer 2xx: ${p.last?.status !== undefined ? `answered ${p.last.status}` : p.last?.detail}`, {
      title: 'Compose smoke test: probe',
    });
  }
}

/** The post step: removes a stack a cancelled run left behind. Warns, never throws. */
export async function cleanupSmokeFromState(docker: DockerClient, smoke: SmokeState | undefined, reporter: Reporter): Promise<void> {
  if (!smoke) return;
  // The override may be gone already; down needs only the user's files (or none: the project name is enough).
  const project: ComposeProject = { name: smoke.project, files: smoke.files.filter((f) => existsSync(f)), cwd: smoke.cwd || process.cwd() };
  await cleanupSmoke(docker, project, smokeImageTag(smoke.project), undefined, reporter);
  reporter.debug(`smoke test project ${smoke.project} removed`);
}

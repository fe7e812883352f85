import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBuildx, type BuildResult } from '../build/docker.js';
import type { BuildPlan } from '../build/plan.js';
import { ActionError, errorText, InputError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import type { SmokeState, StateWriter } from '../state.js';
import { lastErrorLine, run } from '../util/exec.js';
import { escapeMarkdown } from '../util/markdown.js';
import { composeConfig, removeProject, sampleProject, serviceLogs, startBackground, upArgv, type ComposeProject } from './compose.js';
import type { SmokeInputs } from './inputs.js';
import { checkOverrideApplied, chooseServices, parseComposeConfig, renderOverride } from './override.js';
import { failedServices, failureMessage, formatHealthLog, renderSmokeSummary, serviceHealthLog, shortDetail } from './report.js';
import { probeUrl, waitForStack, type WaitOutcome } from './wait.js';
import { layoutDiffIds } from './layout.js';


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

/** The smoke test, checked before the build. */
export interface SmokeSetup {
  inputs: SmokeInputs;
  /** A compose project name of this run's own, so parallel jobs never collide. */
  projectName: string;
  cwd: string;
  /** The services that run the image just built. */
  underTest: string[];
  /** Every service compose starts a container for. */
  expected: string[];
  /** The engine's own platform: the image under test is built for it. */
  platform: string;
}

/** Pure: a project name compose accepts ([a-z0-9_-], starting with a letter or digit). */
export function smokeProjectName(random: string = randomBytes(5).toString('hex')): string {
  return `gca-smoke-${random}`;
}

/** Pure: the tag of the image the smoke test loads itself (removed afterwards). */
export function smokeImageTag(projectName: string): string {
  return `go-container-action-smoke:${projectName}`;
}

/** Pure: compose's own words, without its usage noise, for an error message. */
export function composeError(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  // Progress lines (`Network … Created`) come before the error; keep from the first line that reads like one.
  const tail = lines.slice(-5);
  const first = tail.findIndex((l) => /error|fail|denied|invalid|not found|must |unable|cannot|didn't complete|no such/i.test(l));
  return (first >= 0 ? tail.slice(first, first + 3) : tail.slice(-1)).join(' ') || 'no output';
}

/**
 * Validates the smoke test before anything is built: the engine's platform (`platform`, from
 * inspectDocker) is among those built, compose parses the files, and the services under test exist.
 */
export async function checkSmokeSetup(smoke: SmokeInputs, platforms: readonly string[], platform: string, cwd: string, reporter: Reporter): Promise<SmokeSetup> {
  if (!platforms.includes(platform)) {
    throw new InputError(
      'compose-file',
      `the smoke test runs the image for this runner's platform ${platform}, but platforms (${platforms.join(', ')}) does not include it. Expected ${platform} among the platforms, or no compose-file.`,
    );
  }
  const projectName = smokeProjectName();
  const config = await composeConfig({ name: projectName, files: smoke.files, cwd });
  if (config.exitCode !== 0) {
    if (/is not a docker command|unknown command "compose"/.test(config.stderr)) {
      throw new ActionError('docker compose is not installed. Install the compose plugin (compose 2.24 or later) for the smoke test.');
    }
    throw new InputError('compose-file', `docker compose config rejects ${smoke.fileNames.join(', ')}: ${composeError(config.stderr)}. Expected valid compose files.`);
  }
  const services = parseComposeConfig(config.stdout);
  const chosen = chooseServices(services, smoke.services);
  if ('error' in chosen) throw new InputError('compose-service', chosen.error);
  const expected = services.filter((s) => s.replicas > 0).map((s) => s.name);
  reporter.info(`Smoke test: ${chosen.services.join(', ')} will run the image built for ${platform}; services: ${expected.join(', ')}`);
  return { inputs: smoke, projectName, cwd, underTest: chosen.services, expected, platform };
}

interface ImageUnderTest {
  ref: string;
  /** How it got into the image store. */
  how: 'reused' | 'loaded';
  seconds: number;
  /** For a loaded image: whether its layers are those the build produced (when the build's result is readable). */
  sameAsBuild?: boolean;
}

/** Pure: whether two lists of layer diff IDs are the same filesystem. */
export function sameLayers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * Puts the image this run built, for the engine's platform, into the local image store
 * under a tag of the smoke test's own. A build that loaded its result is reused; a pushed or
 * OCI-layout result is loaded by a second build of the same plan for this platform only,
 * which BuildKit answers from the cache of the first.
 */
async function prepareImage(setup: SmokeSetup, plan: BuildPlan, build: BuildResult, workDir: string, reporter: Reporter): Promise<ImageUnderTest> {
  const tag = smokeImageTag(setup.projectName);
  const started = Date.now();
  if (plan.load) {
    // The containerd image store names an image by its index or manifest digest, the classic
    // store by its config digest (the iidfile); a tag of the build names it in both.
    const candidates = [...new Set([plan.tags[0], build.metadata.digest, build.imageId].filter((c): c is string => Boolean(c)))];
    let lastError = 'the build named no image';
    for (const candidate of candidates) {
      const tagged = await run('docker', ['tag', candidate, tag], { silent: true });
      if (tagged.exitCode === 0) {
        reporter.info(`Reusing the loaded image ${candidate} as ${tag}`);
        return { ref: tag, how: 'reused', seconds: (Date.now() - started) / 1000 };
      }
      lastError = lastErrorLine(tagged.stderr);
    }
    reporter.info(`Could not tag the loaded image (${lastError}); loading it with a cached build`);
  }
  const second: BuildPlan = {
    ...plan,
    platforms: [setup.platform],
    tags: [tag],
    push: false,
    load: true,
    ociLayoutDir: undefined,
    cacheTo: [],
    metadataFile: join(workDir, 'smoke-metadata.json'),
    iidFile: join(workDir, 'smoke-iid.txt'),
  };
  const result = await runBuildx(second);
  if (!result.ok) throw new ActionError(`Could not load the image for ${setup.platform} for the smoke test: ${result.error}`);
  const took = (Date.now() - started) / 1000;
  reporter.info(`Loaded ${setup.platform} as ${tag} with a cached build in ${took.toFixed(1)} s`);
  // The same inputs from the same cache give the same layers (only the config's creation time
  // differs); check it where the build's result is readable (an OCI layout).
  const built = plan.ociLayoutDir ? await layoutDiffIds(plan.ociLayoutDir, setup.platform) : undefined;
  const inspect = await run('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', tag], { silent: true });
  let loaded: string[] | undefined;
  try {
    loaded = inspect.exitCode === 0 ? (JSON.parse(inspect.stdout) as string[]) : undefined;
  } catch {
    loaded = undefined;
  }
  if (!built || !loaded) return { ref: tag, how: 'loaded', seconds: took };
  const same = sameLayers(built, loaded);
  if (same) reporter.info(`Same ${loaded.length} layer${loaded.length === 1 ? '' : 's'} as the build's ${setup.platform} image`);
  else reporter.warning(`The image loaded for the smoke test has other layers than the ${setup.platform} image the build produced: a step of the Dockerfile is not reproducible from the build cache.`);
  return { ref: tag, how: 'loaded', seconds: took, sameAsBuild: same };
}

/** Removes what the smoke test created: the stack, its own image tag, the override file. Never throws. */
export async function cleanupSmoke(
  project: ComposeProject,
  image: string | undefined,
  overrideFile: string | undefined,
  reporter: Reporter,
): Promise<void> {
  const report = await removeProject(project);
  for (const problem of report.problems) reporter.warning(`Smoke test cleanup: ${problem}`);
  if (image) {
    const removed = await run('docker', ['image', 'rm', image], { silent: true });
    if (removed.exitCode !== 0 && !/No such image/i.test(removed.stderr)) reporter.warning(`Smoke test cleanup: could not remove ${image}: ${lastErrorLine(removed.stderr)}`);
  }
  if (overrideFile) await rm(overrideFile, { force: true });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the smoke test after the build: the stack with the image just built, the wait, the
 * evidence on failure, and always the cleanup.
 */
export async function runSmokeTest(
  setup: SmokeSetup,
  deps: { plan: BuildPlan; build: BuildResult; workDir: string; reporter: Reporter; state: StateWriter },
): Promise<SmokeResult> {
  const { reporter, state } = deps;
  const overrideFile = join(deps.workDir, 'smoke-compose.override.yaml');
  const userProject: ComposeProject = { name: setup.projectName, files: setup.inputs.files, cwd: setup.cwd };
  const project: ComposeProject = { ...userProject, files: [...setup.inputs.files, overrideFile] };
  let image: ImageUnderTest | undefined;
  // The post step cleans up a cancelled run with what is saved here.
  state.smoke({ project: project.name, files: setup.inputs.files, cwd: setup.cwd });
  try {
    image = await reporter.group(`Smoke test: the image for ${setup.platform}`, () => prepareImage(setup, deps.plan, deps.build, deps.workDir, reporter));
    await writeFile(overrideFile, renderOverride(setup.underTest, image.ref));
    const resolved = await composeConfig(project);
    if (resolved.exitCode !== 0) throw new ActionError(`docker compose config rejects the smoke test override: ${composeError(resolved.stderr)}`);
    const problem = checkOverrideApplied(parseComposeConfig(resolved.stdout), setup.underTest, image.ref);
    if (problem) throw new ActionError(`The smoke test override was not applied: ${problem}`);

    const outcome = await reporter.group(`Smoke test: starting ${setup.expected.join(', ')} (project ${project.name})`, async () => {
      const up = startBackground(upArgv(project), project.cwd, (line) => reporter.info(line));
      try {
        return await waitForStack(
          { expected: setup.expected, probes: setup.inputs.probes, timeoutMs: setup.inputs.timeoutMs },
          {
            // A failed poll (compose ps answering an error) is logged and the next one tried; the deadline still holds.
            sample: () =>
              sampleProject(project).catch((error: unknown) => {
                reporter.warning(`Smoke test: could not read the stack's state: ${errorText(error)}`);
                return [];
              }),
            probe: probeUrl,
            upResult: () => {
              const r = up.result();
              return r ? { exitCode: r.exitCode, error: composeError(r.stderr) } : undefined;
            },
            now: () => Date.now(),
            sleep,
            log: (message) => reporter.info(message),
          },
        );
      } finally {
        await up.stop();
      }
    });

    const logs = new Map<string, string>();
    if (!outcome.ok) await collectEvidence(outcome, project, logs, reporter);
    const summary = renderSmokeSummary({ outcome, project: project.name, image: image.ref, platform: setup.platform, underTest: setup.underTest, logs, imageNote: imageNote(image) });
    if (outcome.ok) {
      reporter.info(`Smoke test passed in ${(outcome.elapsedMs / 1000).toFixed(1)} s (image ${image.how} in ${image.seconds.toFixed(1)} s)`);
      return { status: 'passed', detail: shortDetail(outcome), summary };
    }
    return { status: 'failed', detail: shortDetail(outcome), failure: failureMessage(outcome), summary };
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    return { status: 'failed', detail: 'could not start', failure: error.message, summary: `### 🧪 Compose smoke test: ❌ failed\n\n${escapeMarkdown(error.message)}` };
  } finally {
    await reporter.group('Smoke test: cleanup', async () => {
      const started = Date.now();
      await cleanupSmoke(project, image?.ref ?? smokeImageTag(setup.projectName), overrideFile, reporter);
      // Done here: the post step has nothing left to remove (it would run compose down again).
      state.smoke(undefined);
      reporter.info(`Removed project ${project.name} and its image tag in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  }
}

/** Pure: how the image under test got into the image store, for the summary. */
export function imageNote(image: Pick<ImageUnderTest, 'how' | 'seconds' | 'sameAsBuild'>): string {
  if (image.how === 'reused') return 'the image the build loaded';
  const same = image.sameAsBuild === true ? ', the same layers as the build' : image.sameAsBuild === false ? ', ⚠️ other layers than the build' : '';
  return `loaded by a cached build in ${image.seconds.toFixed(1)} s${same}`;
}

/** For each service that is not ready: why, its health-check log, its last 100 log lines, an error annotation. */
async function collectEvidence(outcome: WaitOutcome, project: ComposeProject, logs: Map<string, string>, reporter: Reporter): Promise<void> {
  for (const s of failedServices(outcome)) {
    const text = await serviceLogs(project, s.service);
    logs.set(s.service, text);
    const health = serviceHealthLog(s);
    const lastProbe = health.at(-1);
    const healthNote = lastProbe ? ` Last health check: exit ${lastProbe.exitCode}${lastProbe.output.trim() ? `: ${lastProbe.output.trim().slice(0, 200)}` : ''}.` : '';
    reporter.error(`Service ${s.service} is not ready: ${s.reason}.${healthNote}`, { title: `Compose smoke test: ${s.service}` });
    await reporter.group(`Smoke test: ${s.service} ${s.state}: health-check log and last 100 log lines`, async () => {
      reporter.info(`${s.service}: ${s.reason}`);
      if (health.length > 0) reporter.info(`Health-check log:\n${formatHealthLog(health)}`);
      reporter.info(`Last 100 log lines:\n${text || '(no output)'}`);
    });
  }
  for (const p of outcome.probes.filter((x) => !x.ok && x.last)) {
    reporter.error(`Probe ${p.url} did not answer 2xx: ${p.last?.status !== undefined ? `answered ${p.last.status}` : p.last?.detail}`, { title: 'Compose smoke test: probe' });
  }
}

/** The post step: removes a stack a cancelled run left behind. Warns, never throws. */
export async function cleanupSmokeFromState(smoke: SmokeState | undefined, reporter: Reporter): Promise<void> {
  if (!smoke) return;
  // The override may be gone already; down needs only the user's files (or none: the project name is enough).
  const project: ComposeProject = { name: smoke.project, files: smoke.files.filter((f) => existsSync(f)), cwd: smoke.cwd || process.cwd() };
  await cleanupSmoke(project, smokeImageTag(smoke.project), undefined, reporter);
  reporter.debug(`smoke test project ${smoke.project} removed`);
}

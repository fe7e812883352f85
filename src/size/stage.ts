import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { BuildPlan } from '../buildx/plan.js';
import type { BuildResult } from '../buildx/docker.js';
import type { RunContext } from '../context.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import { formatBytes } from '../util/bytes.js';
import { isImageReferenceError, parseImageReference, repositoryOf, repositoriesOf } from '../util/reference.js';
import { errorText } from '../errors.js';
import type { CacheService } from '../actions-cache/service.js';
import { planCache } from './baseline.js';
import type { CommentApi } from '../report/comment.js';
import { findBaseline, saveBaseline, type FoundBaseline } from './find-baseline.js';
import { binariesOf, goPrograms, type PlatformProgram } from './go-binaries.js';
import type { SizeInputs } from './inputs.js';
import { measureImage, type ImageSize } from './measure.js';
import { postComment } from '../report/post-comment.js';
import { RegistrySource } from './registry.js';
import { RegistryGuards } from '../oci/registry-client.js';
import { renderSizeMarkdown, type ReportExtras } from '../report/render.js';
import { buildReport, type SizeReport } from './report.js';
import { saveEngineLayout } from './engine-layout.js';
import type { DockerClient } from '../docker/client.js';
import { OciLayoutSource, type BlobSource } from './source.js';
import { checkPlatforms, platformCheckFailure, type PlatformCheck, type ProgramFacts } from './platform-check.js';
import { budgetVerdict, isBudgeted, unmeasuredVerdict } from './verdict.js';

/** What the measurement needs: the plan and what the build produced. */
export interface MeasureInput {
  plan: BuildPlan;
  build: BuildResult;
  ctx: Pick<RunContext, 'workspace'>;
  /** Saves the layout from the engine's image store where the builder could not write it (plan.ociLayoutFromEngine). */
  docker?: DockerClient;
}

/** The report's own inputs; the image is measured before (see measureBuild). */
export interface SizeStageInput {
  size: SizeInputs;
  plan: BuildPlan;
  ctx: RunContext;
  version: string;
  githubToken: string;
  /** The version built, the smoke test's and the platform check's results, shown with the sizes. */
  extras?: ReportExtras;
  /** Replaces the GitHub API (unit tests). */
  commentApi?: CommentApi;
  /** The Actions cache service (the real one unless given), isolated in the run's work dir by the pipeline. */
  cacheService?: CacheService;
  /** Where the cached report's file goes during its cache call: the run's work dir, beside the service's files. */
  cacheWorkspace?: string;
  /** One part of a merge (push-by-digest): no comment and no baseline saved; the merge job writes them. */
  partOfMerge?: boolean;
}

/**
 * The stable name of the image across runs (tags change with every version): the repository
 * of the first tag, or the Dockerfile it was built from. It keys the baseline and the comment.
 */
export function imageName(plan: Pick<BuildPlan, 'tags' | 'file' | 'target'>, workspace: string): string {
  const first = plan.tags[0];
  if (first) {
    const parsed = parseImageReference(first);
    if (!isImageReferenceError(parsed)) return repositoryOf(parsed);
  }
  return `${relative(workspace, plan.file) || plan.file}${plan.target ? `#${plan.target}` : ''}`;
}

/**
 * Where the built image can be read: the OCI layout the build wrote (not pushed, or pushed by
 * the action from that layout), else the registry it was pushed to, by digest (no tag names
 * it before the checks pass).
 */
export function imageSource(plan: BuildPlan, build: BuildResult, guards = new RegistryGuards()): BlobSource | undefined {
  if (plan.ociLayoutDir && existsSync(plan.ociLayoutDir)) return new OciLayoutSource(plan.ociLayoutDir);
  const digest = build.metadata.digest;
  // The repositories pushed to are those of the tags, by digest or under the tags.
  const repository = repositoriesOf(plan.tags)[0];
  if (plan.push && digest && repository) return new RegistrySource(`${repository}@${digest}`, guards);
  return undefined;
}

/** The built image, measured, with the Go program of each platform. */
export interface Measured {
  measured: ImageSize;
  programs: Record<string, PlatformProgram>;
}

/** The measurement the checks and the report share; `image` is why it failed when it did. */
export interface Measurement {
  name: string;
  /** One set of registry deadlines for the run: the image and its baseline may share a host. */
  guards: RegistryGuards;
  image: Measured | { fault: string };
}

/** Saves the OCI layout from the engine where the plan says so; the fault, if it could not. */
async function layoutFromEngine({ plan, build, docker }: MeasureInput, reporter: Reporter): Promise<string | undefined> {
  if (!plan.ociLayoutFromEngine || !plan.ociLayoutDir || !docker) return undefined;
  if (!build.imageId) return 'The built image cannot be measured: the build named no image ID to save from the engine.';
  try {
    await reporter.group(`Saving ${build.imageId} from the engine's image store`, async () => {
      const started = Date.now();
      await saveEngineLayout(docker, build.imageId!, plan.ociLayoutDir!);
      reporter.info(
        `Saved as an OCI layout, layers compressed with gzip as a push would, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
    return undefined;
  } catch (error) {
    return `The built image cannot be measured: ${errorText(error)}`;
  }
}

/** Measures every platform of the built image and finds its Go programs; a fault is the message why it could not. */
export async function measureBuild(input: MeasureInput, reporter: Reporter, guards = new RegistryGuards()): Promise<Measurement> {
  const name = imageName(input.plan, input.ctx.workspace);
  const saved = await layoutFromEngine(input, reporter);
  if (saved) return { name, guards, image: { fault: saved } };
  const source = imageSource(input.plan, input.build, guards);
  if (!source)
    return { name, guards, image: { fault: 'The built image cannot be measured: it was neither pushed nor written as an OCI layout.' } };
  try {
    const measured = await reporter.group(`Measuring ${name}`, async () => {
      const m = await measureImage(source);
      for (const p of m.platforms)
        reporter.info(
          `${p.platform}: ${formatBytes(p.compressedBytes)} compressed, ${formatBytes(p.uncompressedBytes)} unpacked, ${p.layers.length} layers`,
        );
      return m;
    });
    return { name, guards, image: { measured, programs: await goPrograms(source, measured, reporter) } };
  } catch (error) {
    return { name, guards, image: { fault: `Could not measure the image from ${source.name}: ${errorText(error)}` } };
  }
}

/** Pure: what the platform check is told about each platform's program. */
export function programFacts(image: Measured): ProgramFacts[] {
  return image.measured.platforms.map((p) => {
    const program = image.programs[p.platform] ?? { missing: 'no Go binary found' };
    const b = program.binary;
    return b
      ? { platform: p.platform, path: b.path, settings: b.buildInfo.settings, linking: b.linking, loader: program.loader }
      : { platform: p.platform, missing: program.missing ?? 'no Go binary found' };
  });
}

/** The platform check as a stage: errors fail the step, warnings warn, what could not be judged is said. */
export function platformCheckStage(measurement: Measurement, reporter: Reporter): { check: PlatformCheck; result: StageResult } {
  const check: PlatformCheck =
    'fault' in measurement.image
      ? { status: 'skipped', errors: [], warnings: [], unchecked: [`not checked: ${measurement.image.fault}`] }
      : checkPlatforms(programFacts(measurement.image));
  for (const w of check.warnings) reporter.warning(`Platform check: ${w}`);
  for (const u of check.unchecked) reporter.info(`Platform check: ${u}`);
  if (check.status === 'passed') reporter.info(`Platform check passed: each Go binary checked was built for its platform.`);
  const failure = platformCheckFailure(check);
  return { check, result: { outputs: {}, failures: failure ? [failure] : [] } };
}

/** The result when nothing could be measured: no report, no comment; a budget fails the step. */
function unmeasured(size: SizeInputs, message: string, reporter: Reporter): StageResult {
  const verdict = unmeasuredVerdict(isBudgeted(size), message);
  for (const w of verdict.warnings) reporter.warning(w);
  return { outputs: { 'budget-status': verdict.status, 'comment-url': '' }, failures: verdict.failures };
}

/** The report of this run against its baseline and budgets. */
function reportOf(input: SizeStageInput, name: string, image: Measured, found: FoundBaseline): SizeReport {
  const { size, plan, ctx } = input;
  return buildReport({
    image: plan.tags[0] ?? name,
    digest: image.measured.digest,
    version: input.version,
    commit: ctx.sha || undefined,
    ref: ctx.ref || undefined,
    measured: image.measured,
    go: binariesOf(image.programs),
    baseline: found.baseline,
    baselineNote: found.note,
    budget: size.budget,
    increase: size.increase,
    mode: size.mode,
  });
}

/** What a size report needs besides the image: budgets, baseline, comment, and who the merge is for. */
export type ReportRun = Pick<
  SizeStageInput,
  'size' | 'ctx' | 'githubToken' | 'extras' | 'commentApi' | 'cacheService' | 'cacheWorkspace' | 'partOfMerge'
>;

/**
 * Compares the measured image with the baseline, applies the budgets, and reports: the
 * outputs, the job summary section, the PR comment. Budget failures are returned, not
 * thrown, so everything is written before the step fails.
 */
export async function sizeReportStage(input: SizeStageInput, measurement: Measurement, reporter: Reporter): Promise<StageResult> {
  const { name, guards, image } = measurement;
  if ('fault' in image) return unmeasured(input.size, image.fault, reporter);
  return reportStage(input, { name, guards }, (found) => reportOf(input, name, image, found), reporter);
}

/**
 * The report of an image (measured here, or put together from per-platform jobs' reports):
 * finds the baseline, builds the report with it, comments and saves the baseline (not in one
 * part of a merge: the merge job does both, once), and judges the budgets.
 */
export async function reportStage(
  input: ReportRun,
  image: { name: string; guards: RegistryGuards },
  build: (found: FoundBaseline) => SizeReport,
  reporter: Reporter,
): Promise<StageResult> {
  const { size, ctx } = input;
  const cachePlan = size.baseline.kind === 'auto' ? planCache(image.name, ctx) : {};
  const lookup = {
    setting: size.baseline,
    cachePlan,
    ctx,
    cacheService: input.cacheService,
    cacheWorkspace: input.cacheWorkspace,
    guards: image.guards,
  };
  const found = await findBaseline(lookup, reporter);
  const report = build(found);
  const summary = renderSizeMarkdown(report, found.baseline, input.extras ?? {});
  const comment = input.partOfMerge ? 'never' : size.comment;
  const url = await postComment({ ...input, comment }, image.name, report, found.baseline, reporter);
  if (!input.partOfMerge) await saveBaseline(lookup, report, reporter);

  const verdict = budgetVerdict(report);
  for (const w of verdict.warnings) reporter.warning(w);
  return {
    outputs: { 'size-report': JSON.stringify(report), 'budget-status': report.status, 'comment-url': url },
    failures: verdict.failures,
    summary,
  };
}

import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { BuildPlan } from '../build/plan.js';
import type { BuildResult } from '../build/docker.js';
import type { RunContext } from '../context.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import { formatBytes } from '../util/bytes.js';
import { isImageReferenceError, parseImageReference, repositoryOf } from '../util/reference.js';
import { errorText } from '../errors.js';
import type { CacheService } from '../cache/service.js';
import { planCache } from './baseline.js';
import type { CommentApi } from './comment.js';
import { findBaseline, saveBaseline, type FoundBaseline } from './find-baseline.js';
import { goBinaries } from './go-binaries.js';
import type { GoBinary } from './goinfo.js';
import type { SizeInputs } from './inputs.js';
import { measureImage, type ImageSize } from './measure.js';
import { postComment } from './post-comment.js';
import { RegistryGuards, RegistrySource } from './registry.js';
import { renderSizeMarkdown, type ReportExtras } from './render.js';
import { buildReport, type SizeReport } from './report.js';
import { OciLayoutSource, type BlobSource } from './source.js';
import { budgetVerdict, isBudgeted, unmeasuredVerdict } from './verdict.js';

export interface SizeStageInput {
  size: SizeInputs;
  plan: BuildPlan;
  build: BuildResult;
  ctx: RunContext;
  version: string;
  githubToken: string;
  /** The version built and the smoke test's result, shown with the sizes. */
  extras?: ReportExtras;
  /** Replaces the GitHub API (unit tests). */
  commentApi?: CommentApi;
  /** Replaces the Actions cache service (unit tests). */
  cacheService?: CacheService;
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

/** Where the built image can be read: the registry when pushed, the OCI layout otherwise. */
export function imageSource(plan: BuildPlan, build: BuildResult, guards = new RegistryGuards()): BlobSource | undefined {
  if (plan.push && plan.tags[0]) {
    const digest = build.metadata.digest;
    const repo = parseImageReference(plan.tags[0]);
    if (isImageReferenceError(repo)) return undefined;
    return new RegistrySource(digest ? `${repositoryOf(repo)}@${digest}` : plan.tags[0], guards);
  }
  if (plan.ociLayoutDir && existsSync(plan.ociLayoutDir)) return new OciLayoutSource(plan.ociLayoutDir);
  return undefined;
}

/** The built image, measured, with the Go program of each platform. */
interface Measured {
  measured: ImageSize;
  go: Record<string, GoBinary | undefined>;
}

/** Measures the built image; a fault is the message why it could not be measured. */
async function measureBuilt(input: SizeStageInput, name: string, guards: RegistryGuards, reporter: Reporter): Promise<Measured | { fault: string }> {
  const source = imageSource(input.plan, input.build, guards);
  if (!source) return { fault: 'The built image cannot be measured: it was neither pushed nor written as an OCI layout.' };
  try {
    const measured = await reporter.group(`Measuring ${name}`, async () => {
      const m = await measureImage(source);
      for (const p of m.platforms) reporter.info(`${p.platform}: ${formatBytes(p.compressedBytes)} compressed, ${formatBytes(p.uncompressedBytes)} unpacked, ${p.layers.length} layers`);
      return m;
    });
    return { measured, go: await goBinaries(source, measured, reporter) };
  } catch (error) {
    return { fault: `Could not measure the image from ${source.name}: ${errorText(error)}` };
  }
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
    go: image.go,
    baseline: found.baseline,
    baselineNote: found.note,
    budget: size.budget,
    increase: size.increase,
    mode: size.mode,
  });
}

/**
 * Measures every platform of the built image, compares with the baseline, applies the
 * budgets, and reports: the outputs, the job summary section, the PR comment. Budget failures
 * are returned, not thrown, so everything is written before the step fails.
 */
export async function runSizeStage(input: SizeStageInput, reporter: Reporter): Promise<StageResult> {
  const { size, ctx } = input;
  const name = imageName(input.plan, ctx.workspace);
  // One set of registry deadlines for the run: the image and its baseline may share a host.
  const guards = new RegistryGuards();
  const image = await measureBuilt(input, name, guards, reporter);
  if ('fault' in image) return unmeasured(size, image.fault, reporter);

  const cachePlan = size.baseline.kind === 'auto' ? planCache(name, ctx) : {};
  const lookup = { setting: size.baseline, cachePlan, ctx, cacheService: input.cacheService, guards };
  const found = await findBaseline(lookup, reporter);
  const report = reportOf(input, name, image, found);
  const summary = renderSizeMarkdown(report, found.baseline, input.extras ?? {});
  const url = await postComment({ ...input, comment: size.comment }, name, report, found.baseline, reporter);
  await saveBaseline(lookup, report, reporter);

  const verdict = budgetVerdict(report);
  for (const w of verdict.warnings) reporter.warning(w);
  return { outputs: { 'size-report': JSON.stringify(report), 'budget-status': report.status, 'comment-url': url }, failures: verdict.failures, summary };
}

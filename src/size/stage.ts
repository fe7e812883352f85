import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { BuildPlan } from '../build/plan.js';
import type { BuildResult } from '../build/docker.js';
import type { RunContext } from '../context.js';
import type { Reporter } from '../reporter.js';
import { isImageReferenceError, parseImageReference, repositoryOf } from '../util/reference.js';
import { planCache, restoreReport, saveReport } from './baseline.js';
import type { CacheService } from '../cache/service.js';
import { httpStatus, upsertComment, type CommentApi } from './comment.js';
import { octokitCommentApi } from './github-api.js';
import { findGoBinary, type GoBinary } from './goinfo.js';
import type { SizeInputs } from './inputs.js';
import { measureImage, type ImageSize } from './measure.js';
import { RegistryGuards, RegistryNotFoundError, RegistrySource } from './registry.js';
import { commentMarker, renderComment, renderSizeMarkdown, type ReportExtras } from './render.js';
import { baselineFromReport, buildReport, goSummary, type Baseline, type SizeReport } from './report.js';
import { OciLayoutSource, type BlobSource } from './source.js';
import { formatBytes } from '../util/bytes.js';
import { errorText } from '../errors.js';

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

export interface SizeStageResult {
  report?: SizeReport;
  /** Reasons the step fails: platforms over budget. */
  failures: string[];
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

async function goBinaries(source: BlobSource, measured: ImageSize, reporter: Reporter): Promise<Record<string, GoBinary | undefined>> {
  const out: Record<string, GoBinary | undefined> = {};
  for (const p of measured.platforms) {
    try {
      out[p.platform] = await findGoBinary(source, p.layers, p.entrypoint, p.workingDir);
      if (!out[p.platform]) reporter.debug(`${p.platform}: no Go binary found`);
    } catch (error) {
      reporter.warning(`Could not read the Go binary of ${p.platform} from ${source.name}: ${errorText(error)}`);
    }
  }
  return out;
}

async function referenceBaseline(ref: string, reporter: Reporter, guards: RegistryGuards): Promise<Baseline> {
  const source = new RegistrySource(ref, guards);
  const measured = await measureImage(source);
  const go = await goBinaries(source, measured, reporter);
  return {
    label: ref,
    source: 'reference',
    platforms: measured.platforms.map((p) => ({
      platform: p.platform,
      compressedBytes: p.compressedBytes,
      uncompressedBytes: p.uncompressedBytes,
      layers: p.layers.map((l) => ({ digest: l.digest, compressedBytes: l.compressedBytes, uncompressedBytes: l.uncompressedBytes, instruction: l.instruction })),
      go: goSummary(go[p.platform]),
    })),
  };
}

/** The pull request to comment on, or why there is none. */
async function commentTarget(input: SizeStageInput, api: () => CommentApi): Promise<{ issue: number } | { skip: string; notice: boolean }> {
  const { size, ctx } = input;
  if (size.comment === 'never') return { skip: 'comment: never', notice: false };
  if (ctx.pullRequest && ctx.pullRequest.number > 0) {
    if (ctx.pullRequest.fromFork) return { skip: 'The size comment is skipped on pull requests from forks: their token cannot write comments. The budget still decides the step.', notice: true };
    return { issue: ctx.pullRequest.number };
  }
  if (size.comment === 'auto') return { skip: 'not a pull request', notice: false };
  const pulls = await api().pullsForCommit(ctx.sha);
  if (pulls[0] === undefined) return { skip: `No open pull request has commit ${ctx.sha.slice(0, 7)}: no size comment.`, notice: true };
  return { issue: pulls[0] };
}

async function postComment(input: SizeStageInput, name: string, report: SizeReport, baseline: Baseline | null, reporter: Reporter): Promise<string> {
  const { ctx } = input;
  let cached: CommentApi | undefined;
  const api = (): CommentApi => (cached ??= input.commentApi ?? octokitCommentApi(input.githubToken, ctx.repository, ctx.apiUrl));
  try {
    if (input.size.comment !== 'never' && !input.githubToken && !input.commentApi) {
      if (ctx.pullRequest || input.size.comment === 'always') reporter.notice('No github-token: the size comment is skipped.');
      return '';
    }
    const target = await commentTarget(input, api);
    if ('skip' in target) {
      if (target.notice) reporter.notice(target.skip);
      else reporter.debug(`size comment skipped: ${target.skip}`);
      return '';
    }
    const body = renderComment(name, report, baseline, input.extras ?? {});
    const result = await upsertComment(api(), target.issue, commentMarker(name), body);
    reporter.info(`Size comment ${result.action}: ${result.url}`);
    return result.url;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 403 || status === 404) {
      reporter.notice(`The size comment is skipped: the token may not write comments on this pull request (HTTP ${status}). The budget still decides the step.`);
    } else {
      reporter.warning(`Could not write the size comment: ${errorText(error)}`);
    }
    return '';
  }
}

/**
 * Measures every platform of the built image, compares with the baseline, applies the
 * budgets, and reports: outputs, job summary, PR comment. Budget failures are returned,
 * not thrown, so everything is written before the step fails.
 */
export async function runSizeStage(input: SizeStageInput, reporter: Reporter, setOutput: (name: string, value: string) => void): Promise<SizeStageResult> {
  const { size, plan, build, ctx } = input;
  const name = imageName(plan, ctx.workspace);
  const budgeted = size.budget.all !== undefined || Object.keys(size.budget.perPlatform).length > 0 || size.increase.all !== undefined || Object.keys(size.increase.perPlatform).length > 0;
  // Without a measurement a budget cannot pass: it fails the step; without a budget, a warning.
  const unmeasured = (message: string): SizeStageResult => {
    setOutput('budget-status', budgeted ? 'fail' : 'pass');
    setOutput('comment-url', '');
    if (budgeted) return { failures: [message] };
    reporter.warning(message);
    return { failures: [] };
  };
  // One set of registry deadlines for the run: the image and its baseline may share a host.
  const guards = new RegistryGuards();
  const source = imageSource(plan, build, guards);
  if (!source) return unmeasured('The built image cannot be measured: it was neither pushed nor written as an OCI layout.');

  let measured: ImageSize;
  let go: Record<string, GoBinary | undefined>;
  try {
    measured = await reporter.group(`Measuring ${name}`, async () => {
      const m = await measureImage(source);
      for (const p of m.platforms) reporter.info(`${p.platform}: ${formatBytes(p.compressedBytes)} compressed, ${formatBytes(p.uncompressedBytes)} unpacked, ${p.layers.length} layers`);
      return m;
    });
    go = await goBinaries(source, measured, reporter);
  } catch (error) {
    return unmeasured(`Could not measure the image from ${source.name}: ${errorText(error)}`);
  }

  let baseline: Baseline | null = null;
  let baselineNote: string | undefined;
  const cachePlan = size.baseline.kind === 'auto' ? planCache(name, ctx) : {};
  if (size.baseline.kind === 'none') baselineNote = 'baseline: none';
  else if (size.baseline.kind === 'reference') {
    const ref = size.baseline.ref;
    try {
      baseline = await reporter.group(`Measuring the baseline ${ref}`, () => referenceBaseline(ref, reporter, guards));
    } catch (error) {
      if (error instanceof RegistryNotFoundError) {
        // Not there (yet): no baseline, which is not a fault.
        baselineNote = `the baseline ${ref} does not exist`;
        reporter.info(`No baseline: ${errorText(error)}.`);
      } else {
        baselineNote = `the baseline ${ref} could not be read`;
        reporter.warning(`The baseline ${ref} could not be read (${errorText(error)}); the report has no baseline.`);
      }
    }
  } else if (cachePlan.restorePrefix) {
    try {
      const restored = await restoreReport(ctx.workspace, cachePlan.restorePrefix, input.cacheService);
      if (restored.report) {
        const r = restored.report;
        baseline = baselineFromReport(r, r.digest ? `${r.image.replace(/@.*$/, '')}@${r.digest}` : r.image);
        reporter.info(`Baseline: the size report of ${cachePlan.restoreLabel}${r.commit ? ` at ${r.commit.slice(0, 7)}` : ''} (${restored.key})`);
      } else {
        baselineNote = restored.note;
        reporter.info(`No baseline: ${restored.note}.`);
      }
    } catch (error) {
      baselineNote = 'the cached baseline could not be read';
      reporter.warning(`The cached size report could not be restored (${errorText(error)}); the report has no baseline.`);
    }
  } else {
    baselineNote = 'no baseline for this event';
  }

  const report = buildReport({
    image: plan.tags[0] ?? name,
    digest: measured.digest,
    version: input.version,
    commit: ctx.sha || undefined,
    ref: ctx.ref || undefined,
    measured,
    go,
    baseline,
    baselineNote,
    budget: size.budget,
    increase: size.increase,
    mode: size.mode,
  });
  setOutput('size-report', JSON.stringify(report));
  setOutput('budget-status', report.status);
  reporter.addSummary(renderSizeMarkdown(report, baseline, input.extras ?? {}));

  const url = await postComment(input, name, report, baseline, reporter);
  setOutput('comment-url', url);

  if (cachePlan.saveKey) {
    try {
      const saved = await saveReport(ctx.workspace, cachePlan.saveKey, report, input.cacheService);
      if (saved === 'saved') reporter.info(`Saved the size report as the baseline of ${ctx.ref} (${cachePlan.saveKey}).`);
      if (saved === 'exists') reporter.info(`The baseline of ${ctx.ref} for this commit is already saved (${cachePlan.saveKey}): kept as it is.`);
    } catch (error) {
      // @actions/cache has already warned about real faults; an existing key (a re-run) is no fault.
      reporter.info(`The size report was not saved as a baseline: ${errorText(error)}`);
    }
  }

  const reasons = report.platforms.flatMap((p) => p.reasons);
  if (report.status === 'warn') for (const r of reasons) reporter.warning(`Over size budget: ${r}`);
  return { report, failures: report.status === 'fail' ? [`Image size over budget:\n${reasons.map((r) => `- ${r}`).join('\n')}`] : [] };
}

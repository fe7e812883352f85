/** The size report as a stage: baseline, budgets, job summary section and pull-request comment. */
import type { CacheService } from '../actions-cache/service.js';
import type { BuildPlan } from '../buildx/plan.js';
import type { RunContext } from '../context.js';
import type { CommentApi } from '../github/comment.js';
import type { RegistryGuards } from '../oci/registry-client.js';
import type { Reporter } from '../reporter.js';
import { planCache } from '../size/baseline.js';
import { findBaseline, saveBaseline, type FoundBaseline, type SupersedeBaseline } from '../size/find-baseline.js';
import { binariesOf } from '../size/go-binaries.js';
import type { SizeInputs } from '../size/inputs.js';
import { buildReport, type Baseline, type SizeReport } from '../size/report.js';
import { errorText } from '../errors.js';
import { pullRequestReport, writePullRequestReport } from './pr-report.js';
import type { Measured, Measurement } from '../size/stage.js';
import { budgetVerdict, isBudgeted, unmeasuredVerdict } from '../size/verdict.js';
import type { StageResult } from '../stage.js';
import { postComment } from './post-comment.js';
import { scanImage, vulnFailures, vulnOutput, vulnReport, type VulnInputs, type VulnScan } from '../vuln/stage.js';
import type { VulnFinding } from '../vuln/scan.js';
import { renderSizeMarkdown, type ReportExtras } from './render.js';

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
  /** Where a pull-request run writes its report file (the run's work dir); none: no file. */
  reportDir?: string;
  /** Deletes the baseline entries a saved one supersedes (go-cache-save auto). */
  supersede?: SupersedeBaseline;
  /** The vulnerability scan of this image (before the baseline) and its policy; absent when vuln-check is off. */
  vuln?: { inputs: VulnInputs; scan: VulnScan };
}

/** What a report stage hands back: the size report's result, and the vulnerability policy's as a stage of its own. */
export interface ReportResult extends StageResult {
  vuln: StageResult;
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
  | 'size'
  | 'ctx'
  | 'githubToken'
  | 'extras'
  | 'commentApi'
  | 'cacheService'
  | 'cacheWorkspace'
  | 'partOfMerge'
  | 'reportDir'
  | 'supersede'
  | 'vuln'
>;

/** The baseline's findings: its cached report's, or its image's scanned here; undefined when not known. */
async function baselineFindings(
  run: ReportRun,
  baseline: Baseline | null,
  reporter: Reporter,
): Promise<readonly VulnFinding[] | undefined> {
  if (!baseline || !run.vuln?.scan.checked) return undefined;
  if (baseline.source === 'cache' || !baseline.binaries) return baseline.vulnerabilities;
  const scanned = await scanImage(run.vuln.inputs, baseline.binaries, reporter, run.ctx.deadlineScale);
  return scanned?.checked ? scanned.findings : undefined;
}

/**
 * A pull-request run's report file (see pr-report.ts), for a workflow that may comment when this
 * run may not; its path, or '' when the run is of no known pull request. Optional: a file that
 * cannot be written is a warning.
 */
async function reportFile(
  input: ReportRun,
  name: string,
  report: SizeReport,
  baseline: Baseline | null,
  reporter: Reporter,
): Promise<string> {
  const pr = input.ctx.pullRequest;
  if (!input.reportDir || !pr || pr.number <= 0) return '';
  const data = pullRequestReport({
    pullRequest: pr.number,
    headSha: pr.headSha || input.ctx.sha,
    repository: input.ctx.repository,
    image: name,
    report,
    baseline,
    extras: input.extras ?? {},
  });
  try {
    return await writePullRequestReport(input.reportDir, data);
  } catch (error) {
    reporter.warning(`Could not write the pull request's report file: ${errorText(error)}`);
    return '';
  }
}

/**
 * Compares the measured image with the baseline, applies the budgets, and reports: the
 * outputs, the job summary section, the PR comment. Budget failures are returned, not
 * thrown, so everything is written before the step fails.
 */
export async function sizeReportStage(input: SizeStageInput, measurement: Measurement, reporter: Reporter): Promise<ReportResult> {
  const { name, guards, image } = measurement;
  if ('fault' in image)
    return { ...unmeasured(input.size, image.fault, reporter), vuln: { outputs: { vulnerabilities: '[]' }, failures: [] } };
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
): Promise<ReportResult> {
  const { size, ctx } = input;
  const cachePlan = size.baseline.kind === 'auto' ? planCache(image.name, ctx) : {};
  const lookup = {
    setting: size.baseline,
    cachePlan,
    ctx,
    cacheService: input.cacheService,
    cacheWorkspace: input.cacheWorkspace,
    guards: image.guards,
    supersede: input.supersede,
    symbols: input.vuln !== undefined,
  };
  const found = await findBaseline(lookup, reporter);
  const report = build(found);
  if (input.vuln) {
    const before = await baselineFindings(input, found.baseline, reporter);
    report.vulnerabilities = vulnReport(input.vuln.scan, before, input.vuln.inputs.check);
  }
  const summary = renderSizeMarkdown(report, found.baseline, input.extras ?? {});
  const comment = input.partOfMerge ? 'never' : size.comment;
  const reportPath = input.partOfMerge ? '' : await reportFile(input, image.name, report, found.baseline, reporter);
  const url = await postComment({ ...input, comment }, image.name, report, found.baseline, reporter);
  if (!input.partOfMerge) await saveBaseline(lookup, report, reporter);

  const verdict = budgetVerdict(report);
  for (const w of verdict.warnings) reporter.warning(w);
  return {
    outputs: { 'size-report': JSON.stringify(report), 'budget-status': report.status, 'comment-url': url, report: reportPath },
    failures: verdict.failures,
    summary,
    vuln: { outputs: { vulnerabilities: vulnOutput(report.vulnerabilities) }, failures: vulnFailures(report.vulnerabilities) },
  };
}

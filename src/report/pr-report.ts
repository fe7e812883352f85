/**
 * The pull-request report: what a pull-request run measured and checked, as a file. A fork's
 * token cannot write comments, so a second workflow (workflow_run, with its own token) posts the
 * comment from this file (`comment-from`); it renders the comment again from the data, and never
 * posts `body`, which whoever controls the pull request's workflow can write.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportedFinding } from '../checks/catalog.js';
import type { Baseline, SizeReport } from '../size/report.js';
import { renderComment, type ReportExtras } from './render.js';
import type { PlatformCheck } from './render-checks.js';

export const PR_REPORT_SCHEMA = 1;

/** The file's name in the run's work dir. */
export const PR_REPORT_FILE = 'pull-request-report.json';

/** Field names in snake_case, as the GitHub API's, since a workflow reads them (`jq .pull_request`). */
export interface PullRequestReport {
  schema: typeof PR_REPORT_SCHEMA;
  /** The pull request's number. */
  pull_request: number;
  /** The head commit of the pull request that was measured: a workflow_run's head_sha. */
  head_sha: string;
  /** owner/name of the repository whose pull request it is. */
  repository: string;
  /** What names the image in the comment's marker (one comment per pull request and image). */
  image: string;
  size_report: SizeReport;
  /** What the sizes were compared with (its layers and Go modules give the changes). */
  baseline: Baseline | null;
  version?: string;
  smoke?: { status: 'passed' | 'failed' | 'skipped'; detail?: string };
  findings: ReportedFinding[];
  platform_check?: PlatformCheck;
  /** The comment as this run rendered it, for people and scripts; `comment-from` never posts it. */
  body: string;
}

export interface PullRequestReportInput {
  pullRequest: number;
  headSha: string;
  repository: string;
  /** The marker's name (see commentMarker). */
  image: string;
  report: SizeReport;
  baseline: Baseline | null;
  extras: ReportExtras;
}

/** Pure: the report of a pull-request run, with the comment rendered as it would be posted. */
export function pullRequestReport(input: PullRequestReportInput): PullRequestReport {
  const { extras } = input;
  return {
    schema: PR_REPORT_SCHEMA,
    pull_request: input.pullRequest,
    head_sha: input.headSha,
    repository: input.repository,
    image: input.image,
    size_report: input.report,
    baseline: input.baseline,
    ...(extras.version !== undefined ? { version: extras.version } : {}),
    ...(extras.smoke ? { smoke: extras.smoke } : {}),
    findings: extras.findings ?? [],
    ...(extras.platformCheck ? { platform_check: extras.platformCheck } : {}),
    body: renderComment(input.image, input.report, input.baseline, extras),
  };
}

/** Pure: what the renderer takes from a report (the same extras the run had). */
export function reportExtras(report: PullRequestReport): ReportExtras {
  return {
    ...(report.version !== undefined ? { version: report.version } : {}),
    ...(report.smoke ? { smoke: report.smoke } : {}),
    findings: report.findings,
    ...(report.platform_check ? { platformCheck: report.platform_check } : {}),
  };
}

/** Writes the report into `dir` (the run's work dir); its path. */
export async function writePullRequestReport(dir: string, report: PullRequestReport): Promise<string> {
  const path = join(dir, PR_REPORT_FILE);
  await writeFile(path, `${JSON.stringify(report, null, 1)}\n`);
  return path;
}

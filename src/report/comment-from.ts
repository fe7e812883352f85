/**
 * Comment-only mode (`comment-from`): a workflow_run job posts the size comment of a pull-request
 * run whose token could not (a fork's). No build, no docker. The report file is untrusted: it is
 * read bounded and checked field by field, its pull request must be the one the triggering run
 * built (the API says the pull request's head is that run's commit, from that run's repository),
 * and the comment is rendered here from the report's data, never taken from its `body`.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { RunContext } from '../context.js';
import { ActionError, errorText, InputError } from '../errors.js';
import { httpStatus, upsertComment, type CommentApi, type PullRequestHead } from '../github/comment.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import { isRecord } from '../util/json.js';
import { checkRealPathInside, workspacePath } from '../util/workspace-path.js';
import { MAX_REPORT_BYTES, parsePullRequestReport } from './pr-report-parse.js';
import { reportExtras, type PullRequestReport } from './pr-report.js';
import { commentMarker, renderComment, renderSizeMarkdown } from './render.js';

const FORM =
  'the path of the report file a pull-request run wrote (its `report` output), relative to the workspace, e.g. where actions/download-artifact put it';

/** Reads at most `max + 1` bytes: a file that grows while it is read is still bounded. */
function readBounded(path: string, max: number): { text: string; tooLarge: boolean } {
  const fd = openSync(path, 'r');
  try {
    if (fstatSync(fd).size > max) return { text: '', tooLarge: true };
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= max; length += n) n = readSync(fd, buffer, length, max + 1 - length, null);
    return { text: buffer.subarray(0, Math.min(length, max + 1)).toString('utf8'), tooLarge: length > max };
  } finally {
    closeSync(fd);
  }
}

/** The report named by `comment-from`, checked; an InputError naming the input for anything else. */
export function readReportFile(raw: string, workspace: string, max = MAX_REPORT_BYTES): PullRequestReport {
  const path = workspacePath('comment-from', raw, workspace, FORM);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new InputError('comment-from', `file '${raw}' does not exist. Expected ${FORM}.`);
  }
  if (!isFile) throw new InputError('comment-from', `'${raw}' is not a file. Expected ${FORM}.`);
  checkRealPathInside('comment-from', raw, path, workspace, FORM);
  const { text, tooLarge } = readBounded(path, max);
  if (tooLarge) throw new InputError('comment-from', `'${raw}' is larger than ${max} bytes: it is no report of this action.`);
  const parsed = parsePullRequestReport(text);
  if ('invalid' in parsed)
    throw new InputError('comment-from', `'${raw}' is not a report of this action: ${parsed.invalid}. Nothing was posted.`);
  return parsed;
}

/** What the triggering workflow run built: its head commit and the repository that commit is from. */
export interface TriggeringRun {
  headSha: string;
  headRepository: string;
}

/** Pure: the triggering run from a workflow_run event's payload; an InputError when the event is another. */
export function triggeringRun(ctx: Pick<RunContext, 'eventName' | 'payload'>): TriggeringRun {
  const run = ctx.payload.workflow_run;
  const repo = isRecord(run) ? run.head_repository : undefined;
  const headSha = isRecord(run) ? run.head_sha : undefined;
  const headRepository = isRecord(repo) ? repo.full_name : undefined;
  if (ctx.eventName !== 'workflow_run' || typeof headSha !== 'string' || typeof headRepository !== 'string') {
    const what =
      ctx.eventName === 'workflow_run' ? 'a workflow_run event whose payload lacks them' : `the ${ctx.eventName || 'unknown'} event`;
    throw new InputError(
      'comment-from',
      `needs the workflow_run event (its workflow_run.head_sha and workflow_run.head_repository say which pull request ` +
        `may be commented on); this run has ${what}. Expected a workflow triggered by on: workflow_run.`,
    );
  }
  return { headSha, headRepository };
}

const short = (sha: string): string => sha.slice(0, 12);

/** Pure: why the report may not be posted, or undefined when its pull request is the triggering run's. */
export function reportMismatch(
  report: Pick<PullRequestReport, 'pull_request' | 'head_sha' | 'repository'>,
  pull: PullRequestHead | undefined,
  run: TriggeringRun,
  repository: string,
): string | undefined {
  const pr = `the report names pull request #${report.pull_request}`;
  if (report.repository !== repository) return `${pr} of ${report.repository}, but this workflow runs in ${repository}`;
  if (report.head_sha !== run.headSha)
    return `${pr} at commit ${short(report.head_sha)}, but the triggering workflow run built ${short(run.headSha)} (workflow_run.head_sha)`;
  if (!pull) return `${pr}, which ${repository} does not have`;
  if (pull.headSha !== run.headSha)
    return (
      `${pr}, whose head is ${short(pull.headSha)}, not ${short(run.headSha)} that the triggering workflow run built ` +
      '(workflow_run.head_sha): the report is of another pull request, or the pull request moved on since (its newer run brings its own report)'
    );
  if (pull.headRepository !== run.headRepository)
    return (
      `${pr}, whose head is in ${pull.headRepository ?? 'a deleted repository'}, not in ${run.headRepository} ` +
      "where the triggering workflow run's commit comes from (workflow_run.head_repository)"
    );
  return undefined;
}

/** An API call whose fault fails the step (posting is all this mode does), said with what to change. */
async function apiCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = httpStatus(error);
    const hint =
      status === 403 || status === 401
        ? `HTTP ${status}: the token may not do it; the workflow needs permissions pull-requests: write`
        : errorText(error);
    throw new ActionError(`comment-from: ${what} (${hint}).`);
  }
}

export interface CommentFromDeps {
  reporter: Reporter;
  ctx: Pick<RunContext, 'eventName' | 'payload' | 'repository' | 'workspace'>;
  github: (token: string) => CommentApi;
}

/**
 * The whole comment-only run: check the event, the token and the report before any call, then
 * the pull request against the API, then render and upsert the one comment. Bad input throws an
 * InputError; a report that does not match is a failure; nothing is posted for either.
 */
export async function commentFromReport(raw: string, token: string, deps: CommentFromDeps): Promise<StageResult> {
  const { reporter, ctx } = deps;
  const run = triggeringRun(ctx);
  if (!token) throw new InputError('github-token', 'is empty. Expected a token with pull-requests: write (the default github.token).');
  const report = readReportFile(raw, ctx.workspace);
  const api = deps.github(token);
  const asked = report.repository === ctx.repository && report.head_sha === run.headSha;
  const pull = asked ? await apiCall('could not read the pull request', () => api.pullRequest(report.pull_request)) : undefined;
  const mismatch = reportMismatch(report, pull, run, ctx.repository);
  if (mismatch) throw new ActionError(`comment-from: ${mismatch}. Nothing was posted.`);
  const extras = reportExtras(report);
  const body = renderComment(report.image, report.size_report, report.baseline, extras);
  const result = await apiCall('could not write the size comment', () =>
    upsertComment(api, report.pull_request, commentMarker(report.image), body),
  );
  reporter.info(`Size comment ${result.action} on pull request #${report.pull_request}: ${result.url}`);
  const head = `The size comment on pull request #${report.pull_request} (${result.action} from the report of commit \`${short(report.head_sha)}\`):`;
  const summary = `${head}\n\n${renderSizeMarkdown(report.size_report, report.baseline, extras)}`;
  return { outputs: { 'comment-url': result.url }, failures: [], summary };
}

/**
 * The size comment on the pull request. Optional: every fault here is a notice or a warning
 * and the comment URL is empty; the budget alone decides the step.
 */
import type { RunContext } from '../context.js';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { httpStatus, upsertComment, type CommentApi } from './comment.js';
import { githubApiGuard, octokitCommentApi } from '../github/api.js';
import type { CommentMode } from '../size/inputs.js';
import { commentMarker, renderComment, type ReportExtras } from './render.js';
import type { Baseline, SizeReport } from '../size/report.js';

export interface CommentInput {
  comment: CommentMode;
  ctx: Pick<RunContext, 'pullRequest' | 'sha' | 'repository' | 'apiUrl' | 'deadlineScale'>;
  githubToken: string;
  extras?: ReportExtras;
  /** Replaces the GitHub API (unit tests). */
  commentApi?: CommentApi;
}

type Target = { issue: number } | { skip: string; notice: boolean };

/** The pull request to comment on, or why there is none. */
async function commentTarget(input: CommentInput, api: () => CommentApi): Promise<Target> {
  const { comment, ctx } = input;
  if (comment === 'never') return { skip: 'comment: never', notice: false };
  if (ctx.pullRequest && ctx.pullRequest.number > 0) {
    if (ctx.pullRequest.fromFork)
      return {
        skip: 'The size comment is skipped on pull requests from forks: their token cannot write comments. The budget still decides the step.',
        notice: true,
      };
    return { issue: ctx.pullRequest.number };
  }
  if (comment === 'auto') return { skip: 'not a pull request', notice: false };
  const pulls = await api().pullsForCommit(ctx.sha);
  if (pulls[0] === undefined) return { skip: `No open pull request has commit ${ctx.sha.slice(0, 7)}: no size comment.`, notice: true };
  return { issue: pulls[0] };
}

/** Writes (or updates) the size comment; its URL, or '' when there is none. */
export async function postComment(
  input: CommentInput,
  name: string,
  report: SizeReport,
  baseline: Baseline | null,
  reporter: Reporter,
): Promise<string> {
  const { ctx } = input;
  let cached: CommentApi | undefined;
  const api = (): CommentApi =>
    (cached ??= input.commentApi ?? octokitCommentApi(input.githubToken, ctx.repository, ctx.apiUrl, githubApiGuard(ctx.deadlineScale)));
  try {
    if (input.comment !== 'never' && !input.githubToken && !input.commentApi) {
      if (ctx.pullRequest || input.comment === 'always') reporter.notice('No github-token: the size comment is skipped.');
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
    commentFault(error, reporter);
    return '';
  }
}

function commentFault(error: unknown, reporter: Reporter): void {
  const status = httpStatus(error);
  if (status === 403 || status === 404) {
    reporter.notice(
      `The size comment is skipped: the token may not write comments on this pull request (HTTP ${status}). The budget still decides the step.`,
    );
  } else {
    reporter.warning(`Could not write the size comment: ${errorText(error)}`);
  }
}

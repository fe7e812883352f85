/**
 * The size comment on the pull request. Optional: every fault here is a notice or a warning
 * and the comment URL is empty; the budget alone decides the step.
 */
import type { RunContext } from '../context.js';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { httpStatus, upsertComment, type CommentApi } from '../github/comment.js';
import type { CommentMode } from '../size/inputs.js';
import { commentMarker, renderComment, type ReportExtras } from './render.js';
import type { Baseline, SizeReport } from '../size/report.js';

export interface CommentInput {
  comment: CommentMode;
  ctx: Pick<RunContext, 'pullRequest' | 'sha' | 'repository' | 'apiUrl'>;
  githubToken: string;
  extras?: ReportExtras;
  /** The GitHub API with the step's token; undefined when there is no token. */
  commentApi?: CommentApi;
}

type Target = { issue: number } | { skip: string; notice: boolean };

/** What a run that may not comment says instead of an error: where the report is and how it gets posted. */
export const HOW_TO_POST =
  'The size report is in the job summary and in the file of the `report` output; to post it as the comment, upload that file ' +
  'as an artifact and run this action with `comment-from` in a workflow_run workflow (README: "Pull requests from forks"). ' +
  'The budget still decides the step.';

/** The pull request to comment on, or why there is none. */
async function commentTarget(input: CommentInput, api: CommentApi): Promise<Target> {
  const { comment, ctx } = input;
  if (ctx.pullRequest && ctx.pullRequest.number > 0) {
    if (ctx.pullRequest.fromFork)
      return { skip: `This pull request comes from a fork, whose token cannot write comments. ${HOW_TO_POST}`, notice: true };
    return { issue: ctx.pullRequest.number };
  }
  if (comment === 'auto') return { skip: 'not a pull request', notice: false };
  const pulls = await api.pullsForCommit(ctx.sha);
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
  const api = input.commentApi;
  if (input.comment === 'never') {
    reporter.debug('size comment skipped: comment: never');
    return '';
  }
  if (!api) {
    if (input.ctx.pullRequest || input.comment === 'always') reporter.notice('No github-token: the size comment is skipped.');
    return '';
  }
  try {
    const target = await commentTarget(input, api);
    if ('skip' in target) {
      if (target.notice) reporter.notice(target.skip);
      else reporter.debug(`size comment skipped: ${target.skip}`);
      return '';
    }
    const body = renderComment(name, report, baseline, input.extras ?? {});
    const result = await upsertComment(api, target.issue, commentMarker(name), body);
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
      `The size comment is not posted: the token may not write comments on this pull request (HTTP ${status}). ${HOW_TO_POST}`,
    );
  } else {
    reporter.warning(`Could not write the size comment: ${errorText(error)}`);
  }
}

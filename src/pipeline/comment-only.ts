/**
 * The comment-only run (`comment-from`): no build, no docker, no other input read; the size
 * comment of an earlier pull-request run, posted from its report (src/report/comment-from.ts).
 */
import { commentFromReport, type CommentFromDeps } from '../report/comment-from.js';
import { asFailure, Collector } from './collector.js';
import type { PipelineOutcome } from './pipeline.js';

export async function runCommentOnly(path: string, token: string, deps: CommentFromDeps): Promise<PipelineOutcome> {
  const out = new Collector(deps.reporter);
  try {
    out.take(await commentFromReport(path, token, deps));
  } catch (error) {
    out.output('comment-url', '');
    out.failures.push(asFailure(error));
  } finally {
    out.flush();
  }
  return { failures: out.failures };
}

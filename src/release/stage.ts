import type { RunContext } from '../context.js';
import type { StageResult } from '../stage.js';
import type { Reporter } from '../reporter.js';
import { resolveTags } from './tags.js';

/** The release tags' own input. */
export interface ReleaseSettings {
  /** Repositories (no tag) that get tags derived from the ref when `tags` is empty. */
  images: string[];
}

/**
 * The pipeline's release-tag stage: explicit `tags` win; otherwise `images` get the ref's
 * tags. Says which rule applied; a push that would have nothing to push to is a failure (the
 * pipeline stops before the build). `note`, for the summary: where derived tags came from (none
 * when `tags` gave them or there are none).
 */
export function releaseTags(
  inputs: ReleaseSettings & { tags: string[]; push: boolean },
  ctx: RunContext,
  reporter: Reporter,
): { tags: string[]; note?: string; result: StageResult } {
  const resolved = resolveTags(inputs, ctx);
  if (resolved.source === 'tags-input' && inputs.images.length > 0) {
    reporter.info(`Tags come from the tags input; images (${inputs.images.join(', ')}) is not used.`);
  }
  if (resolved.source === 'images') {
    if (resolved.tags.length > 0) {
      const pushed = inputs.push ? '' : ' (not pushed: push is false)';
      reporter.info(`Release tags from ${resolved.reason}${pushed}: ${resolved.tags.join(', ')}`);
    } else {
      reporter.info(`No release tags: ${resolved.reason}.`);
    }
  }
  const failures =
    inputs.push && resolved.tags.length === 0
      ? [
          `Input 'push' is true, but ${resolved.reason} for \`images\`. Expected a branch, a tag or a pull request ref, or explicit \`tags\`.`,
        ]
      : [];
  const derived = resolved.source === 'images' && resolved.tags.length > 0;
  return {
    tags: resolved.tags,
    note: derived ? `release tags from ${resolved.reason}${inputs.push ? '' : ', not pushed'}` : undefined,
    result: { outputs: { tags: resolved.tags.join('\n') }, failures },
  };
}

import type { RunContext } from '../context.js';
import type { StageResult } from '../stage.js';
import type { Reporter } from '../reporter.js';
import { resolveTags } from './tags.js';
import type { Flavor, TagRule } from './metadata/rules.js';

/** The release tags' own input. */
export interface ReleaseSettings {
  /** Repositories (no tag) that get tags derived from the ref when `tags` is empty, or from the rules. */
  images: string[];
  /** metadata-action rules from `tags` (lines starting with `type=`); none when absent. */
  tagRules?: TagRule[];
  /** The `flavor` input: how the rules' tags are dressed (metadata-action's defaults when absent). */
  flavor?: Flavor;
}

/**
 * The pipeline's release-tag stage: explicit `tags` win; otherwise `images` get the ref's
 * tags. Says which rule applied; a push that would have nothing to push to is a failure (the
 * pipeline stops before the build). `note`, for the summary: where derived tags came from (none
 * when `tags` gave them or there are none).
 */
export function releaseTags(
  inputs: Pick<ReleaseSettings, 'images'> & { tags: string[]; push: boolean },
  ctx: RunContext,
  reporter: Reporter,
  ruleNames?: string[],
): { tags: string[]; note?: string; result: StageResult } {
  const resolved = resolveTags(inputs, ctx, ruleNames);
  if (resolved.source === 'tags-input' && inputs.images.length > 0) {
    reporter.info(`Tags come from the tags input; images (${inputs.images.join(', ')}) is not used.`);
  }
  if (resolved.source === 'images' || resolved.source === 'rules') {
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
          resolved.source === 'rules'
            ? `Input 'push' is true, but ${resolved.reason}. Expected a rule that applies to this event (e.g. type=ref,event=branch), or explicit references in \`tags\`.`
            : `Input 'push' is true, but ${resolved.reason} for \`images\`. Expected a branch, a tag or a pull request ref, or explicit \`tags\`.`,
        ]
      : [];
  const derived = resolved.source !== 'tags-input' && resolved.source !== 'none' && resolved.tags.length > 0;
  return {
    tags: resolved.tags,
    note: derived ? `release tags from ${resolved.reason}${inputs.push ? '' : ', not pushed'}` : undefined,
    result: { outputs: { tags: resolved.tags.join('\n') }, failures },
  };
}

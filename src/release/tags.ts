import semver from 'semver';
import { describeRef, type RunContext } from '../context.js';
import { FALLBACK_DEFAULT_BRANCHES, isDefaultBranch } from '../github/refs.js';
import { sanitizeTag } from './version.js';

export { sanitizeTag } from './version.js';

/**
 * Release tags: which tags an image gets from the ref it is built for, when the user names
 * repositories (`images`) and leaves `tags` empty. Pure, so every rule is a table row in a test.
 *
 * | Ref                                  | Tags                                  |
 * |--------------------------------------|---------------------------------------|
 * | semver tag `v1.2.3` (or `1.2.3`)     | `1.2.3`, `1.2`, `1`, `latest`         |
 * | semver tag `v0.4.1` (major zero)     | `0.4.1`, `0.4`, `latest` (no `0`)     |
 * | pre-release tag `v1.3.0-rc.1`        | `1.3.0-rc.1` only                     |
 * | any other tag `nightly`              | `nightly` (sanitized)                 |
 * | the default branch                   | `edge`, `sha-<7 hex>`                 |
 * | any other branch `feature/login`     | `feature-login` (sanitized)           |
 * | a pull request #7                    | `pr-7`                                |
 */

/** Why a ref got the tags it got, for the log and the summary. */
export type TagRule = 'semver' | 'prerelease' | 'tag' | 'default-branch' | 'branch' | 'pull-request' | 'none';

export interface ReleaseTags {
  /** Tags without repository, in the order they are listed. */
  tags: string[];
  rule: TagRule;
  /** One line a person reads: what the ref was and which rule applied. */
  reason: string;
}

/** Tags for a semver version: the full version, then the floating ones for a stable release. */
export function semverTags(version: semver.SemVer): { tags: string[]; rule: 'semver' | 'prerelease' } {
  // Build metadata (`+build.5`) does not change precedence and `+` is not allowed in a tag: dropped.
  if (version.prerelease.length > 0) return { tags: [version.version], rule: 'prerelease' };
  const tags = [version.version, `${version.major}.${version.minor}`];
  // Major version zero promises no compatibility between minors: a floating `0` would jump across breaking changes.
  if (version.major > 0) tags.push(String(version.major));
  tags.push('latest');
  return { tags, rule: 'semver' };
}

export type TagContext = Pick<RunContext, 'eventName' | 'ref' | 'sha' | 'defaultBranch' | 'pullRequest' | 'pullRequestEvent'>;

/** The tags the ref of this run gives (without repository). */
export function tagsForRef(ctx: TagContext): ReleaseTags {
  const ref = describeRef(ctx.ref);
  // A pull_request_target run has the base branch as its ref: the pull request decides, not the ref.
  const prNumber = ctx.pullRequest?.number || (ref.kind === 'pull' ? Number(ref.name) : 0);
  if (prNumber > 0) {
    return { tags: [`pr-${prNumber}`], rule: 'pull-request', reason: `pull request #${prNumber}` };
  }
  // The context said why (one warning): a pull request of unknown number is not its base branch.
  if (ctx.pullRequestEvent)
    return { tags: [], rule: 'none', reason: `a ${ctx.eventName || 'pull request'} event naming no pull request gives no tags` };
  if (ref.kind === 'tag') {
    const version = semver.parse(ref.name);
    if (version) {
      const { tags, rule } = semverTags(version);
      return { tags, rule, reason: `${rule === 'prerelease' ? 'pre-release' : 'semver'} tag ${ref.name}` };
    }
    const tag = sanitizeTag(ref.name);
    return tag ? { tags: [tag], rule: 'tag', reason: `tag ${ref.name}` } : none(ctx.ref);
  }
  if (ref.kind === 'branch') {
    if (isDefaultBranch(ref.name, ctx.defaultBranch)) {
      const short = /^[0-9a-f]{7,}$/i.test(ctx.sha) ? ctx.sha.slice(0, 7).toLowerCase() : '';
      const how = ctx.defaultBranch
        ? 'default branch'
        : `default branch (assumed: the event names none, ${FALLBACK_DEFAULT_BRANCHES.join(' and ')} count)`;
      return { tags: short ? ['edge', `sha-${short}`] : ['edge'], rule: 'default-branch', reason: `${how} ${ref.name}` };
    }
    const tag = sanitizeTag(ref.name);
    return tag ? { tags: [tag], rule: 'branch', reason: `branch ${ref.name}` } : none(ctx.ref);
  }
  return none(ctx.ref);
}

function none(ref: string): ReleaseTags {
  return { tags: [], rule: 'none', reason: ref ? `ref ${ref} gives no tags` : 'no ref: no tags' };
}

/** Every repository with every tag, repository by repository. */
export function applyTags(images: string[], tags: string[]): string[] {
  return images.flatMap((image) => tags.map((tag) => `${image}:${tag}`));
}

export interface ResolvedTags {
  /** Full references handed to buildx and listed in the `tags` output. */
  tags: string[];
  /** Where they came from. */
  source: 'tags-input' | 'images' | 'rules' | 'none';
  reason: string;
}

/**
 * With metadata-action rules: the plain references of `tags`, then `images` × the rules' tags.
 * Without: explicit `tags` win; otherwise `images` × the ref's tags; otherwise none.
 */
export function resolveTags(inputs: { tags: string[]; images: string[] }, ctx: TagContext, ruleNames?: string[]): ResolvedTags {
  if (ruleNames !== undefined) {
    const tags = [...new Set([...inputs.tags, ...applyTags(inputs.images, ruleNames)])];
    return {
      tags,
      source: 'rules',
      reason: ruleNames.length > 0 ? 'the type= rules of tags' : 'the type= rules of tags, which give no tag for this ref',
    };
  }
  if (inputs.tags.length > 0) return { tags: inputs.tags, source: 'tags-input', reason: 'the tags input' };
  if (inputs.images.length === 0) return { tags: [], source: 'none', reason: 'no tags or images given' };
  const derived = tagsForRef(ctx);
  return { tags: applyTags(inputs.images, derived.tags), source: 'images', reason: derived.reason };
}

import semver from 'semver';
import { describeRef, type RunContext } from '../context.js';

/**
 * A version must be a Docker tag body: the image may be tagged with it, and Go's
 * `-ldflags "-X main.version=…"` splits on spaces, so a space or a shell character breaks the build.
 */
export const VERSION_FORM = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const VERSION_RE = new RegExp(`^${VERSION_FORM}$`);
const MAX_LENGTH = 128;

/** Pure: whether `version` can be a Docker tag and an ldflags -X value. */
export function isValidVersion(version: string): boolean {
  return VERSION_RE.test(version);
}

/** Pure: why `version` is refused, for a message that names the input; undefined when valid. */
export function versionProblem(version: string): string | undefined {
  if (isValidVersion(version)) return undefined;
  const what = /\s/.test(version)
    ? 'contains white space'
    : version.length > MAX_LENGTH
      ? `is longer than ${MAX_LENGTH} characters`
      : /^[.-]/.test(version)
        ? 'starts with . or -'
        : 'contains characters a Docker tag cannot hold';
  return `'${version}' ${what}. Expected a Docker tag body (${VERSION_FORM}): letters, digits, _ . and -, e.g. 1.2.3 or 1.2.3-rc.1.`;
}

/**
 * Pure: the one rule that turns any text (a tag or branch name) into a Docker tag body, shared by
 * the default version and the release tags so the two always agree: runs of characters outside
 * [A-Za-z0-9_.-] become one '-', runs of '-' collapse, leading and trailing '.' and '-' go, and it
 * is cut to `maxLength` (128) characters (then trimmed again). '' when nothing is left.
 */
export function sanitizeTag(text: string, maxLength = MAX_LENGTH): string {
  const trim = (t: string): string => t.replace(/^[.-]+/, '').replace(/[.-]+$/, '');
  const cleaned = trim(text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/-{2,}/g, '-'));
  return trim(cleaned.slice(0, Math.max(0, maxLength)));
}

/**
 * The version a build is stamped with, when the `version` input does not give one:
 * a semver tag `v1.2.3` gives `1.2.3`; any other tag gives its name; a branch or pull
 * request gives `<branch>-<short sha>`. Names go through `sanitizeTag`, the rule the release
 * tags use (a tag `release/7` gives `release-7`, the version and the tag alike), so the default
 * is always a valid version.
 */
export function defaultVersion(ctx: Pick<RunContext, 'ref' | 'sha' | 'pullRequest'>): string {
  const ref = describeRef(ctx.ref);
  const sha = sanitizeTag((ctx.pullRequest?.headSha || ctx.sha).slice(0, 7));
  if (ref.kind === 'tag') {
    const tag = sanitizeTag(semver.valid(ref.name) ?? ref.name);
    if (tag) return tag;
  }
  const name = ref.kind === 'branch' ? ref.name : ref.kind === 'pull' ? ctx.pullRequest?.headRef || `pr-${ref.name}` : '';
  const branch = sanitizeTag(name, MAX_LENGTH - sha.length - 1);
  if (!branch) return sha || 'dev';
  return sha ? `${branch}-${sha}` : branch;
}

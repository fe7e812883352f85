import semver from 'semver';
import { describeRef, type RunContext } from '../context.js';

/**
 * The version a build is stamped with, when the `version` input does not give one:
 * a semver tag `v1.2.3` gives `1.2.3`; any other tag gives its name; a branch or pull
 * request gives `<branch>-<short sha>`.
 */
export function defaultVersion(ctx: Pick<RunContext, 'ref' | 'sha' | 'pullRequest'>): string {
  const ref = describeRef(ctx.ref);
  if (ref.kind === 'tag') {
    const parsed = semver.valid(ref.name);
    return parsed ?? ref.name;
  }
  const sha = (ctx.pullRequest?.headSha || ctx.sha).slice(0, 7);
  let branch = ref.kind === 'branch' ? ref.name : ref.kind === 'pull' ? ctx.pullRequest?.headRef || `pr-${ref.name}` : '';
  branch = branch.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+/, '');
  if (!branch) return sha || 'dev';
  return sha ? `${branch}-${sha}` : branch;
}

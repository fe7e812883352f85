/** What a run's ref means for the repository: rules shared by the release tags and the size baseline. */

/** Branch names the default branch is assumed to be when the event payload does not say. */
export const FALLBACK_DEFAULT_BRANCHES = ['main', 'master'] as const;

/** Is `branch` the repository's default branch (the payload's, or main/master when it is not known)? */
export function isDefaultBranch(branch: string, defaultBranch: string | undefined): boolean {
  if (defaultBranch) return branch === defaultBranch;
  return (FALLBACK_DEFAULT_BRANCHES as readonly string[]).includes(branch);
}

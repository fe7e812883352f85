/** A comment as the issue-comments endpoint lists it. */
export interface IssueComment {
  id: number;
  body: string;
  author: string;
  url: string;
}

/** A pull request's head, as GET /repos/{owner}/{repo}/pulls/{n} answers it. */
export interface PullRequestHead {
  number: number;
  headSha: string;
  /** owner/name of the head's repository; null when that repository was deleted. */
  headRepository: string | null;
}

/** The few GitHub calls the sticky comment needs: the one seam tests replace. */
export interface CommentApi {
  /** The login of the token's own identity. */
  identity(): Promise<string>;
  /** Every comment of the pull request, page after page. */
  comments(issue: number): AsyncIterable<IssueComment[]>;
  create(issue: number, body: string): Promise<IssueComment>;
  update(id: number, body: string): Promise<IssueComment>;
  /** Deletes a comment; one that is gone already is an error with status 404. */
  remove(id: number): Promise<void>;
  /** Open pull requests whose head is the commit (for `comment: always` outside pull_request events). */
  pullsForCommit(sha: string): Promise<number[]>;
  /** The pull request's head; undefined when the repository has no such pull request (404). */
  pullRequest(number: number): Promise<PullRequestHead | undefined>;
  /** The run's repository as GET /repos/{owner}/{repo} answers (for the image's OCI labels); optional for fakes. */
  repository?(): Promise<unknown>;
}

/** The login an Actions installation token (GITHUB_TOKEN) comments as; it cannot call GET /user. */
export const ACTIONS_BOT = 'github-actions[bot]';

export type UpsertResult = { action: 'created' | 'updated'; url: string; id: number };

/** An error from the GitHub API with its HTTP status. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Pure: a comment of the action's own for this marker: written by the token's identity AND
 * starting with the exact marker. A comment that quotes the marker anywhere else is not ours.
 */
export function isOwnComment(c: Pick<IssueComment, 'author' | 'body'>, me: string, marker: string): boolean {
  return c.author.toLowerCase() === me.toLowerCase() && c.body.startsWith(marker);
}

/** Every own comment for the marker, oldest first (ids grow with time). */
async function ownComments(api: CommentApi, issue: number, me: string, marker: string): Promise<IssueComment[]> {
  const ours: IssueComment[] = [];
  for await (const page of api.comments(issue)) ours.push(...page.filter((c) => isOwnComment(c, me, marker)));
  return ours.sort((a, b) => a.id - b.id);
}

async function removeIfThere(api: CommentApi, id: number): Promise<void> {
  try {
    await api.remove(id);
  } catch (error) {
    // Another run settling at the same time deleted it first.
    if (httpStatus(error) !== 404) throw error;
  }
}

/**
 * Updates the comment that starts with `marker` and was written by the token's own identity, or
 * creates it. Runs of the same pull request at the same time each may create one; so after
 * creating, the comments are listed again and every run keeps the oldest of its own, deletes
 * the others and writes its body into the one kept: N runs converge on one comment. Pages
 * through every comment; never touches a comment by anyone else, nor one that does not start
 * with the marker.
 */
export async function upsertComment(api: CommentApi, issue: number, marker: string, body: string): Promise<UpsertResult> {
  if (!body.startsWith(marker)) throw new Error('the comment body must start with its marker');
  let me = await api.identity();
  let ours = await ownComments(api, issue, me, marker);
  let created: IssueComment | undefined;
  if (ours.length === 0) {
    created = await api.create(issue, body);
    // The comment just made names the identity for sure (a GitHub App's token cannot ask /user
    // and comments as <app>[bot], not as the fallback): earlier ones of its own are found now.
    me = created.author || me;
    ours = await ownComments(api, issue, me, marker);
    // A listing that lags behind the create still counts the comment just made.
    if (!ours.some((c) => c.id === created!.id)) ours = [...ours, created].sort((a, b) => a.id - b.id);
  }
  const [keep, ...extra] = ours as [IssueComment, ...IssueComment[]];
  for (const c of extra) await removeIfThere(api, c.id);
  if (keep.id === created?.id) return { action: 'created', url: keep.url, id: keep.id };
  const updated = await api.update(keep.id, body);
  return { action: 'updated', url: updated.url, id: updated.id };
}

import * as github from '@actions/github';

/** A comment as the issue-comments endpoint lists it. */
export interface IssueComment {
  id: number;
  body: string;
  author: string;
  url: string;
}

/** The few GitHub calls the sticky comment needs: the one seam tests replace. */
export interface CommentApi {
  /** The login of the token's own identity. */
  identity(): Promise<string>;
  /** Every comment of the pull request, page after page. */
  comments(issue: number): AsyncIterable<IssueComment[]>;
  create(issue: number, body: string): Promise<IssueComment>;
  update(id: number, body: string): Promise<IssueComment>;
  /** Open pull requests whose head is the commit (for `comment: always` outside pull_request events). */
  pullsForCommit(sha: string): Promise<number[]>;
}

/** The login an Actions installation token (GITHUB_TOKEN) comments as; it cannot call GET /user. */
export const ACTIONS_BOT = 'github-actions[bot]';

export type UpsertResult = { action: 'created' | 'updated'; url: string; id: number };

/**
 * Updates the comment that carries `marker` and was written by the token's own identity, or
 * creates it. Pages through every comment; never touches a comment by anyone else, even one
 * with the same marker.
 */
export async function upsertComment(api: CommentApi, issue: number, marker: string, body: string): Promise<UpsertResult> {
  const me = (await api.identity()).toLowerCase();
  let ours: IssueComment | undefined;
  for await (const page of api.comments(issue)) {
    ours = page.find((c) => c.author.toLowerCase() === me && c.body.includes(marker));
    if (ours) break;
  }
  if (ours) {
    const updated = await api.update(ours.id, body);
    return { action: 'updated', url: updated.url, id: updated.id };
  }
  const created = await api.create(issue, body);
  return { action: 'created', url: created.url, id: created.id };
}

/** An error from the GitHub API with its HTTP status. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

interface RawComment {
  id: number;
  body?: string | null;
  user?: { login?: string } | null;
  html_url: string;
}

function toComment(c: RawComment): IssueComment {
  return { id: c.id, body: c.body ?? '', author: c.user?.login ?? '', url: c.html_url };
}

/** The real API through @actions/github (Octokit), at GITHUB_API_URL. */
export function octokitCommentApi(token: string, repository: string, apiUrl: string): CommentApi {
  const octokit = github.getOctokit(token, { baseUrl: apiUrl });
  const [owner, repo] = repository.split('/') as [string, string];
  return {
    async identity() {
      try {
        const { data } = await octokit.rest.users.getAuthenticated();
        return data.login;
      } catch (error) {
        // An installation token (GITHUB_TOKEN) gets 403 "Resource not accessible by integration";
        // some GitHub-compatible servers have no /user at all (404).
        const status = httpStatus(error);
        if (status === 403 || status === 404) return ACTIONS_BOT;
        throw error;
      }
    },
    async *comments(issue: number) {
      for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 })) {
        yield (page.data as RawComment[]).map(toComment);
      }
    },
    async create(issue, body) {
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issue, body });
      return toComment(data as RawComment);
    },
    async update(id, body) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body });
      return toComment(data as RawComment);
    },
    async pullsForCommit(sha) {
      const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha });
      return data.filter((p) => p.state === 'open').map((p) => p.number);
    },
  };
}

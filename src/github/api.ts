// Not @actions/github: it reads the event payload when it is imported, and throws on one that is not JSON before the action runs.
import { Octokit as OctokitCore } from '@octokit/core';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { ActionError } from '../errors.js';
import { isRecord } from '../util/json.js';
import { ServiceGuard, type ServiceBudget } from '../util/deadline.js';
import { guardedFetch } from '../util/http.js';
import { ACTIONS_BOT, httpStatus, type CommentApi, type IssueComment, type PullRequestHead } from './comment.js';
import type { RunContext } from '../context.js';

/** One call to the GitHub API may take 15 s, all of a run's calls 60 s; 5xx and connection errors are retried twice. */
export const GITHUB_API_BUDGET: ServiceBudget = { name: 'the GitHub API', callMs: 15_000, totalMs: 60_000 };
export const GITHUB_API_RETRIES = 2;

/** A run's deadlines for the GitHub API, scaled by RunContext.deadlineScale. */
export function githubApiGuard(deadlineScale: number): ServiceGuard {
  return new ServiceGuard(GITHUB_API_BUDGET, Date.now, deadlineScale);
}
/** Pages of 100 comments read at most (10,000 comments), so a server that always says "next" cannot hold the step. */
const MAX_PAGES = 100;

/** The GitHub API answered 2xx with something that is not what the endpoint returns. */
export class ApiAnswerError extends ActionError {
  constructor(message: string) {
    super(message);
    this.name = 'ApiAnswerError';
  }
}

/** Pure: a comment from the API's JSON, or undefined when it lacks what a comment has. */
export function parseComment(raw: unknown): IssueComment | undefined {
  if (!isRecord(raw) || !Number.isSafeInteger(raw.id) || typeof raw.html_url !== 'string') return undefined;
  if (raw.body !== undefined && raw.body !== null && typeof raw.body !== 'string') return undefined;
  const user = raw.user;
  if (user !== undefined && user !== null && !(isRecord(user) && typeof user.login === 'string')) return undefined;
  const author = isRecord(user) ? (user.login as string) : '';
  return { id: raw.id as number, body: raw.body ?? '', author, url: raw.html_url };
}

/** Pure: a page of comments, or undefined when the answer is not a list of comments. */
export function parseCommentList(raw: unknown): IssueComment[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: IssueComment[] = [];
  for (const item of raw) {
    const c = parseComment(item);
    if (!c) return undefined;
    out.push(c);
  }
  return out;
}

/** Pure: the open pull requests' numbers, or undefined when the answer is not a list of pull requests. */
export function parseOpenPulls(raw: unknown): number[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const ok = raw.every((p) => isRecord(p) && Number.isSafeInteger(p.number) && typeof p.state === 'string');
  return ok ? (raw as { number: number; state: string }[]).filter((p) => p.state === 'open').map((p) => p.number) : undefined;
}

const SHA = /^[0-9a-f]{40}$/;

/** Pure: a pull request's head from the API's JSON, or undefined when it lacks what a pull request has. */
export function parsePullRequest(raw: unknown): PullRequestHead | undefined {
  if (!isRecord(raw) || !Number.isSafeInteger(raw.number) || !isRecord(raw.head)) return undefined;
  const { sha, repo } = raw.head;
  if (typeof sha !== 'string' || !SHA.test(sha)) return undefined;
  if (repo !== null && !(isRecord(repo) && typeof repo.full_name === 'string')) return undefined;
  return { number: raw.number as number, headSha: sha, headRepository: isRecord(repo) ? (repo.full_name as string) : null };
}

/** Pure: whether a Link header has a next page. */
export function hasNextPage(link: string | undefined): boolean {
  return !!link && /<[^>]*>;\s*rel="next"/.test(link);
}

/** The `fetch` Octokit uses: every request under the run's guard of the GitHub API, with bounded retries. */
export function guardedGitHubFetch(guard: ServiceGuard): typeof fetch {
  return (input, init = {}) => {
    const url = typeof input === 'string' || input instanceof URL ? new URL(input) : new URL(input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    return guardedFetch(guard, `${method} ${url.pathname}`, url, init, {
      retries: GITHUB_API_RETRIES,
      idempotent: method !== 'POST',
      buffer: true,
    });
  };
}

const GitHubApi = OctokitCore.plugin(restEndpointMethods);
export type Octokit = InstanceType<typeof GitHubApi>;

/** Octokit for one repository with every call under the guard's deadlines; `nonsense` gives up the service on an answer of the wrong shape. */
export function repositoryOctokit(
  token: string,
  repository: string,
  apiUrl: string,
  guard: ServiceGuard,
): { octokit: Octokit; owner: string; repo: string; nonsense: (what: string) => ApiAnswerError } {
  const octokit = new GitHubApi({ auth: `token ${token}`, baseUrl: apiUrl, request: { fetch: guardedGitHubFetch(guard) } });
  const [owner, repo] = repository.split('/') as [string, string];
  const nonsense = (what: string): ApiAnswerError => {
    const error = new ApiAnswerError(`the GitHub API answered with something that is not ${what}`);
    guard.giveUp(error.message);
    return error;
  };
  return { octokit, owner, repo, nonsense };
}

/** The login the token acts as; the Actions bot for tokens that may not ask (installation tokens). */
async function tokenIdentity(octokit: Octokit, nonsense: (what: string) => ApiAnswerError): Promise<string> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.users.getAuthenticated());
  } catch (error) {
    // An installation token (GITHUB_TOKEN) gets 403 "Resource not accessible by integration";
    // some GitHub-compatible servers have no /user at all (404).
    const status = httpStatus(error);
    if (status === 403 || status === 404) return ACTIONS_BOT;
    throw error;
  }
  if (isRecord(data) && typeof data.login === 'string' && data.login) return data.login;
  throw nonsense('a user');
}

/** A pull request's head; undefined when the repository has no such pull request (404). */
async function readPullRequest(
  octokit: Octokit,
  at: { owner: string; repo: string; number: number },
  nonsense: (what: string) => Error,
): Promise<PullRequestHead | undefined> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.pulls.get({ owner: at.owner, repo: at.repo, pull_number: at.number }));
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
  const pull = parsePullRequest(data);
  if (!pull) throw nonsense('a pull request');
  return pull;
}

/** The real API through Octokit, at GITHUB_API_URL, every call with a deadline. */
export function octokitCommentApi(token: string, repository: string, apiUrl: string, guard = githubApiGuard(1)): CommentApi {
  const { octokit, owner, repo, nonsense } = repositoryOctokit(token, repository, apiUrl, guard);
  const comment = (data: unknown): IssueComment => {
    const parsed = parseComment(data);
    if (!parsed) throw nonsense('a comment');
    return parsed;
  };
  return {
    identity: () => tokenIdentity(octokit, nonsense),
    async *comments(issue: number) {
      for (let page = 1; page <= MAX_PAGES; page++) {
        const res = await octokit.rest.issues.listComments({
          owner,
          repo,
          issue_number: issue,
          per_page: 100,
          ...(page > 1 ? { page } : {}),
        });
        const list = parseCommentList(res.data);
        if (!list) throw nonsense('a comment list');
        yield list;
        if (!hasNextPage(res.headers.link)) return;
      }
    },
    async create(issue, body) {
      return comment((await octokit.rest.issues.createComment({ owner, repo, issue_number: issue, body })).data);
    },
    async update(id, body) {
      return comment((await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body })).data);
    },
    async remove(id) {
      await octokit.rest.issues.deleteComment({ owner, repo, comment_id: id });
    },
    async pullsForCommit(sha) {
      const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha });
      const pulls = parseOpenPulls(data);
      if (!pulls) throw nonsense('a pull request list');
      return pulls;
    },
    pullRequest: (number) => readPullRequest(octokit, { owner, repo, number }, nonsense),
    async repository() {
      return (await octokit.rest.repos.get({ owner, repo })).data;
    },
  };
}

/** The GitHub API of the run's repository, for whichever token the step is given. */
export function githubClient(ctx: Pick<RunContext, 'repository' | 'apiUrl' | 'deadlineScale'>): (token: string) => CommentApi {
  return (token) => octokitCommentApi(token, ctx.repository, ctx.apiUrl, githubApiGuard(ctx.deadlineScale));
}

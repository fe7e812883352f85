import { readFileSync } from 'node:fs';
import { DEADLINE_SCALE_ENV, parseDeadlineScale } from './util/deadline.js';

/** What the pipeline needs to know about the run it is part of, from the runner's environment. */
export interface RunContext {
  eventName: string;
  /** Full ref, e.g. refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge. */
  ref: string;
  sha: string;
  /** owner/name */
  repository: string;
  serverUrl: string;
  apiUrl: string;
  runId: string;
  /** Which attempt of the run this is (1 unless re-run). */
  runAttempt: string;
  workspace: string;
  /** Where temporary files of this run go (RUNNER_TEMP on a runner). */
  tempDir: string;
  /** The repository's default branch, when the event payload says it. */
  defaultBranch?: string;
  pullRequest?: PullRequestInfo;
  /** The event payload, as the runner wrote it. */
  payload: Record<string, unknown>;
  /**
   * Whether the Go cache may stream its archives over the docker bridge; false
   * (GO_CONTAINER_ACTION_CACHE_STREAM=false) sends them as build context only, for builders that
   * can reach the runner but should not.
   */
  cacheStream: boolean;
  /** SOURCE_DATE_EPOCH from the job's environment, as given (it wins over the commit's time). */
  sourceDateEpoch?: string;
  /** What every service deadline is multiplied by: 1, or less in tests (GO_CONTAINER_ACTION_DEADLINE_SCALE). */
  deadlineScale: number;
}

export interface PullRequestInfo {
  number: number;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** A pull request from a fork: its token cannot write comments. */
  fromFork: boolean;
}

type Env = Record<string, string | undefined>;

function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function get(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Pure: builds the context from an environment and an event payload; throws on a bad GO_CONTAINER_ACTION_DEADLINE_SCALE. */
export function contextFromEnv(env: Env, payload: Record<string, unknown>, cwd: string, tmp: string): RunContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  let pullRequest: PullRequestInfo | undefined;
  const pr = get(payload, 'pull_request');
  if (pr && typeof pr === 'object') {
    const headRepo = str(get(pr, 'head', 'repo', 'full_name'));
    const baseRepo = str(get(pr, 'base', 'repo', 'full_name')) ?? env.GITHUB_REPOSITORY;
    pullRequest = {
      number: Number(get(pr, 'number') ?? get(payload, 'number') ?? 0),
      headRef: str(get(pr, 'head', 'ref')) ?? env.GITHUB_HEAD_REF ?? '',
      headSha: str(get(pr, 'head', 'sha')) ?? env.GITHUB_SHA ?? '',
      baseRef: str(get(pr, 'base', 'ref')) ?? env.GITHUB_BASE_REF ?? '',
      fromFork: headRepo !== undefined && baseRepo !== undefined && headRepo !== baseRepo,
    };
  }
  return {
    eventName,
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    workspace: env.GITHUB_WORKSPACE ?? cwd,
    tempDir: env.RUNNER_TEMP ?? tmp,
    defaultBranch: str(get(payload, 'repository', 'default_branch')),
    pullRequest,
    payload,
    cacheStream: env.GO_CONTAINER_ACTION_CACHE_STREAM !== 'false',
    sourceDateEpoch: str(env.SOURCE_DATE_EPOCH),
    deadlineScale: parseDeadlineScale(env[DEADLINE_SCALE_ENV]),
  };
}

export function loadContext(env: Env = process.env, cwd = process.cwd(), tmp = '/tmp'): RunContext {
  return contextFromEnv(env, readPayload(env.GITHUB_EVENT_PATH), cwd, tmp);
}

/** The deadline scale alone, for the post step (which never fails: a bad value warns and counts as 1). */
export function deadlineScaleFromEnv(reporter: { warning(message: string): void }, env: Env = process.env): number {
  try {
    return parseDeadlineScale(env[DEADLINE_SCALE_ENV]);
  } catch (error) {
    reporter.warning(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/** The short branch or tag name of a ref, and what kind of ref it is. */
export function describeRef(ref: string): { kind: 'branch' | 'tag' | 'pull' | 'other'; name: string } {
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  const pull = /^refs\/pull\/(\d+)\//.exec(ref);
  if (pull) return { kind: 'pull', name: pull[1]! };
  return { kind: 'other', name: ref };
}

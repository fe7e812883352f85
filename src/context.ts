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
  /** The pull request this run is for, decided once here (payload, else the runner's variables); every consumer uses it. */
  pullRequest?: PullRequestInfo;
  /**
   * Whether the run is about a pull request (a pull_request* event, a refs/pull/ ref, or a payload
   * naming one), also when the payload does not say which: such a run gets no branch's tags.
   */
  pullRequestEvent?: boolean;
  /** What the event payload lacked and what the run takes instead: one warning, given before anything uses it. */
  eventWarning?: string;
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
  /** The repository is private or internal, as the event payload says (public when it does not say). */
  privateRepository?: boolean;
  /** BUILDX_NO_DEFAULT_ATTESTATIONS is true: neither buildx nor the action adds a provenance of its own. */
  noDefaultAttestations?: boolean;
  /** The runner's operating system (RUNNER_OS: Linux, macOS, Windows), when the runner says. */
  runnerOs?: string;
  /** metadata-action's environment variables, as given, so its users' workflows keep their meaning. */
  metadataEnv?: MetadataEnv;
}

/** DOCKER_METADATA_* variables metadata-action reads. */
export interface MetadataEnv {
  /** DOCKER_METADATA_SHORT_SHA_LENGTH */
  shortShaLength?: string;
  /** DOCKER_METADATA_ANNOTATIONS_LEVELS */
  annotationLevels?: string;
  /** DOCKER_METADATA_PR_HEAD_SHA: a pull request's rules use its head commit, not the merge commit. */
  prHeadSha?: string;
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

/** The event payload: {} when there is none; a payload that cannot be read as a JSON object is {} with a warning. */
export function readPayload(path: string | undefined): { payload: Record<string, unknown>; warning?: string } {
  if (!path) return { payload: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'is not JSON' : 'could not be read';
    return { payload: {}, warning: `The event payload (GITHUB_EVENT_PATH) ${why}: it is taken as empty.` };
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { payload: parsed as Record<string, unknown> };
  return { payload: {}, warning: 'The event payload (GITHUB_EVENT_PATH) is not a JSON object: it is taken as empty.' };
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

/** The events whose payload names the pull request (`pull_request`). */
export const PULL_REQUEST_EVENTS: readonly string[] = [
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
];

const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined);

/**
 * Pure: the pull request of the run, decided once. Fields the payload lacks come from the runner
 * (the number from a refs/pull/<n>/ ref, GITHUB_HEAD_REF, GITHUB_BASE_REF), and the warning says
 * which. A pull request event whose number is nowhere is no pull request, and no branch either.
 */
export function pullRequestOf(
  env: Env,
  payload: Record<string, unknown>,
): { pullRequest?: PullRequestInfo; pullRequestEvent: boolean; warning?: string } {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = describeRef(env.GITHUB_REF ?? '');
  const raw = get(payload, 'pull_request');
  const pr = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : undefined;
  const pullRequestEvent = PULL_REQUEST_EVENTS.includes(eventName) || ref.kind === 'pull' || pr !== undefined;
  if (!pullRequestEvent) return { pullRequestEvent };
  const missing: string[] = [];
  const field = (path: string[], fallback?: string): string => {
    const value = str(get(pr, ...path));
    if (value === undefined) missing.push(`pull_request.${path.join('.')}`);
    return value ?? fallback ?? '';
  };
  if (!pr) missing.push('pull_request');
  const fromPayload = positive(get(pr, 'number')) ?? positive(get(payload, 'number'));
  if (pr && fromPayload === undefined) missing.push('pull_request.number');
  const number = fromPayload ?? (ref.kind === 'pull' ? positive(Number(ref.name)) : undefined);
  const headSha = pr ? field(['head', 'sha']) : '';
  const headRef = pr ? field(['head', 'ref'], env.GITHUB_HEAD_REF) : (env.GITHUB_HEAD_REF ?? '');
  const baseRef = pr ? field(['base', 'ref'], env.GITHUB_BASE_REF) : (env.GITHUB_BASE_REF ?? '');
  const what = `The ${eventName ? `${eventName} event` : 'event'}'s payload lacks ${missing.join(', ')}`;
  if (number === undefined) {
    const unknown = 'it is taken as a pull request of unknown number (no release tags, no size comment, no size baseline saved)';
    return { pullRequestEvent, warning: `${what}, and the ref ${env.GITHUB_REF || '(none)'} names no pull request: ${unknown}.` };
  }
  const headRepo = str(get(pr, 'head', 'repo', 'full_name'));
  const baseRepo = str(get(pr, 'base', 'repo', 'full_name')) ?? env.GITHUB_REPOSITORY;
  const pullRequest = {
    number,
    headRef,
    headSha,
    baseRef,
    fromFork: headRepo !== undefined && baseRepo !== undefined && headRepo !== baseRepo,
  };
  if (missing.length === 0) return { pullRequest, pullRequestEvent };
  const source = fromPayload === undefined ? ` (its number from the ref ${env.GITHUB_REF})` : '';
  return {
    pullRequest,
    pullRequestEvent,
    warning: `${what}: it is taken as pull request #${number}${source}, the rest from the runner's GITHUB_HEAD_REF, GITHUB_BASE_REF and GITHUB_SHA.`,
  };
}

/** Pure: builds the context from an environment and an event payload; throws on a bad GO_CONTAINER_ACTION_DEADLINE_SCALE. */
export function contextFromEnv(env: Env, payload: Record<string, unknown>, cwd: string, tmp: string, payloadWarning?: string): RunContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const { pullRequest, pullRequestEvent, warning } = pullRequestOf(env, payload);
  const eventWarning = [payloadWarning, warning].filter(Boolean).join(' ');
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
    pullRequestEvent,
    ...(eventWarning ? { eventWarning } : {}),
    payload,
    cacheStream: env.GO_CONTAINER_ACTION_CACHE_STREAM !== 'false',
    sourceDateEpoch: str(env.SOURCE_DATE_EPOCH),
    deadlineScale: parseDeadlineScale(env[DEADLINE_SCALE_ENV]),
    privateRepository: isPrivateRepository(payload),
    noDefaultAttestations: /^(1|t|true)$/i.test(env.BUILDX_NO_DEFAULT_ATTESTATIONS?.trim() ?? ''),
    ...(str(env.RUNNER_OS) ? { runnerOs: str(env.RUNNER_OS) } : {}),
    metadataEnv: {
      shortShaLength: str(env.DOCKER_METADATA_SHORT_SHA_LENGTH),
      annotationLevels: str(env.DOCKER_METADATA_ANNOTATIONS_LEVELS),
      prHeadSha: str(env.DOCKER_METADATA_PR_HEAD_SHA),
    },
  };
}

/** Pure: whether the payload's repository is private or internal (`private`, else `visibility`); public when it says neither. */
export function isPrivateRepository(payload: Record<string, unknown>): boolean {
  const flag = get(payload, 'repository', 'private');
  if (typeof flag === 'boolean') return flag;
  const visibility = str(get(payload, 'repository', 'visibility'));
  return visibility !== undefined && visibility !== 'public';
}

export function loadContext(env: Env = process.env, cwd = process.cwd(), tmp = '/tmp'): RunContext {
  const { payload, warning } = readPayload(env.GITHUB_EVENT_PATH);
  return contextFromEnv(env, payload, cwd, tmp, warning);
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

/**
 * metadata-action's tags and labels for this run: what the rules need from outside (the
 * repository, the commit's date, the clock), gathered once, then the pure cores (meta.ts,
 * labels.ts). The repository comes from the API when the token may read it, else from the
 * event payload, else from the run's own variables.
 */
import type { RunContext } from '../../context.js';
import { ActionError, InputError } from '../../errors.js';
import type { CommentApi } from '../../github/comment.js';
import { httpStatus } from '../../github/comment.js';
import type { Reporter } from '../../reporter.js';
import type { Clock } from '../../util/clock.js';
import type { KeyValue } from '../../util/key-value.js';
import { commitEpoch } from '../../buildx/source-date.js';
import {
  annotationLines,
  DEFAULT_ANNOTATION_LEVELS,
  lines,
  mergeSorted,
  metadataJson,
  ociMetadata,
  repoInfoFromRun,
  repoInfoOf,
  type RepoInfo,
} from './labels.js';
import { computeVersion, globalScope, tagNames, type MetaContext, type MetaVersion } from './meta.js';
import { parseFlavor, type Flavor, type TagRule } from './rules.js';
import { renderTemplate, TemplateError, type TemplateScope } from './template.js';

export interface MetadataSettings {
  tagRules?: TagRule[];
  flavor?: Flavor;
  githubToken: string;
}

export interface MetadataDeps {
  ctx: RunContext;
  clock: Clock;
  reporter: Reporter;
  github: (token: string) => CommentApi;
}

/** What the rules gave, and what the labels need later. */
export interface RuleTags {
  version: MetaVersion;
  /** Tags without repository, in order. */
  names: string[];
  repo: RepoInfo;
  meta: MetaContext;
}

const DEFAULT_SHORT_SHA_LENGTH = 7;

/** Pure: the short sha's length from DOCKER_METADATA_SHORT_SHA_LENGTH (7 when unset). */
export function shortShaLength(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_SHORT_SHA_LENGTH;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1) {
    throw new ActionError(`DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: ${raw}. Expected a positive whole number, e.g. 12.`);
  }
  return n;
}

const get = (obj: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((cur, key) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined), obj);

/** Pure: the commit's date as the payload gives it (a push's commits, or its head commit), for the commit's own sha. */
export function payloadCommitDate(payload: Record<string, unknown>, sha: string): Date | undefined {
  const commits = get(payload, 'commits');
  const fromList = Array.isArray(commits) ? (commits as unknown[]).find((c) => get(c, 'id') === sha) : undefined;
  const head = get(payload, 'head_commit');
  const stamp = get(fromList, 'timestamp') ?? (get(head, 'id') === sha ? get(head, 'timestamp') : undefined);
  const date = typeof stamp === 'string' ? new Date(stamp) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** Pure: the ref and sha the rules see: a pull_request_target run is its pull request's merge ref, as in metadata-action. */
export function ruleRef(ctx: Pick<RunContext, 'eventName' | 'ref' | 'sha' | 'payload' | 'metadataEnv'>): { ref: string; sha: string } {
  const number = get(ctx.payload, 'number');
  const ref = /pull_request_target/.test(ctx.eventName) && typeof number === 'number' ? `refs/pull/${number}/merge` : ctx.ref;
  const head = get(ctx.payload, 'pull_request', 'head', 'sha');
  const useHead = /true/i.test(ctx.metadataEnv?.prHeadSha ?? '') && /pull_request/.test(ctx.eventName) && typeof head === 'string';
  return { ref, sha: useHead ? head : ctx.sha };
}

/** The repository: the API's answer when the token may read it, else the payload's, else the run's name. A fault is one warning. */
export async function repositoryInfo(
  ctx: RunContext,
  token: string,
  github: MetadataDeps['github'],
  reporter: Reporter,
): Promise<RepoInfo> {
  const fallback = repoInfoOf(get(ctx.payload, 'repository')) ?? repoInfoFromRun(ctx.repository, ctx.serverUrl, ctx.defaultBranch);
  const api = token && ctx.repository.includes('/') ? github(token) : undefined;
  if (!api?.repository) return fallback;
  try {
    const answer = repoInfoOf(await api.repository());
    if (answer) return answer;
    reporter.warning(
      'The GitHub API answered GET /repos/{owner}/{repo} with something that is not a repository: the labels use the event payload.',
    );
  } catch (error) {
    const status = httpStatus(error);
    if (status === 403 || status === 404)
      reporter.info(`The token may not read the repository (HTTP ${status}): the labels use the event payload.`);
    else
      reporter.warning(
        `Could not read the repository from the GitHub API (${error instanceof Error ? error.message : String(error)}): the labels use the event payload.`,
      );
  }
  return fallback;
}

const usesCommitDate = (rules: TagRule[]): boolean => rules.some((r) => Object.values(r.attrs).some((v) => v.includes('commit_date')));

/** The rules' tags for this run; undefined when `tags` holds no rule. */
export async function ruleTags(settings: MetadataSettings, deps: MetadataDeps): Promise<RuleTags | undefined> {
  const rules = settings.tagRules ?? [];
  if (rules.length === 0) return undefined;
  const flavor = settings.flavor ?? parseFlavor([]);
  const { ctx, reporter } = deps;
  const repo = await repositoryInfo(ctx, settings.githubToken, deps.github, reporter);
  const { ref, sha } = ruleRef(ctx);
  const now = deps.clock.now();
  let commitDate = payloadCommitDate(ctx.payload, sha);
  if (!commitDate && usesCommitDate(rules)) {
    const epoch = await commitEpoch(ctx.workspace, sha);
    commitDate = epoch !== undefined ? new Date(epoch * 1000) : undefined;
  }
  const meta: MetaContext = {
    eventName: ctx.eventName,
    ref,
    sha,
    payload: ctx.payload,
    defaultBranch: repo.defaultBranch || ctx.defaultBranch || '',
    now,
    commitDate: commitDate ?? now,
    shortShaLength: shortShaLength(ctx.metadataEnv?.shortShaLength),
  };
  const version = computeVersion(rules, flavor, meta);
  for (const warning of version.warnings) reporter.warning(warning);
  return { version, names: tagNames(version, flavor), repo, meta };
}

/** What the labels, annotations and json outputs hold, and the labels the image is built with. */
export interface MetadataOutputs {
  labels: KeyValue[];
  annotations: string[];
  json: string;
}

/**
 * Pure: the OCI labels (the user's own over them; with rules, their values may use the rules'
 * expressions, as metadata-action's labels do), the annotations at each level, and the json.
 */
export function metadataOutputs(
  run: { version: string; created: Date; sha: string; repo: RepoInfo; tags: string[]; names: string[]; rules?: RuleTags },
  own: KeyValue[],
  levels: string | undefined,
): MetadataOutputs {
  const base = ociMetadata(run.repo, run.version, run.created, run.sha);
  const scope = run.rules ? globalScope(run.rules.meta) : undefined;
  const ownLabels = scope ? own.map(({ key, value }) => ({ key, value: renderLabel(value, scope) })) : own;
  const labels = mergeSorted(base, ownLabels);
  const annotations = annotationLines(mergeSorted(base, []), levels || DEFAULT_ANNOTATION_LEVELS);
  const json = JSON.stringify(metadataJson(run.tags, run.names, labels, annotations));
  return { labels, annotations, json };
}

function renderLabel(value: string, scope: TemplateScope): string {
  try {
    return renderTemplate(value, scope);
  } catch (error) {
    if (error instanceof TemplateError)
      throw new InputError('labels', `'${value}': ${error.message}. Expected a value, or {{…}} expressions as in tags.`);
    throw error;
  }
}

export { lines };

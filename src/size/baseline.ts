import { shortHash, slug } from '../go-cache/keys.js';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CacheService } from '../actions-cache/service.js';
import { describeRef, type RunContext } from '../context.js';
import { isDefaultBranch } from '../github/refs.js';
import { isSizeReport, type SizeReport } from './report.js';

/** The `baseline` input: compare with the cache's last report, an image, or nothing. */
export type BaselineSetting = { kind: 'auto' } | { kind: 'none' } | { kind: 'reference'; ref: string };

/**
 * Where the report lives while @actions/cache packs or unpacks it. The cache's version hashes
 * the path as written, so it must be the same on every run: relative to the workspace.
 */
export const CACHED_REPORT_PATH = '.go-container-action-size/report.json';

const KEY_ROOT = 'go-container-action-size-v1';

/**
 * Pure: the key prefix of one branch (or tag) of one image. The name is hashed as well as
 * shown, so `main` can never match `main-2` by prefix.
 */
export function baselineKeyPrefix(imageName: string, refKind: 'branch' | 'tag', refName: string): string {
  return `${KEY_ROOT}-${shortHash(imageName)}-${refKind}-${shortHash(refName)}-${slug(refName, 60)}-`;
}

export function baselineKey(imageName: string, refKind: 'branch' | 'tag', refName: string, sha: string): string {
  return `${baselineKeyPrefix(imageName, refKind, refName)}${sha}`;
}

export interface CachePlan {
  /** Restore the newest report under this prefix (the base or default branch). */
  restorePrefix?: string;
  restoreLabel?: string;
  /** Save this run's report under this key (pushes to the default branch, tags). */
  saveKey?: string;
  /** The prefix of every report of the same image and ref: the entries a save supersedes. */
  savePrefix?: string;
}

/** Pure: what `baseline: auto` does on this event. */
export function planCache(
  imageName: string,
  ctx: Pick<RunContext, 'eventName' | 'ref' | 'sha' | 'defaultBranch' | 'pullRequest' | 'pullRequestEvent'>,
): CachePlan {
  const plan: CachePlan = {};
  const ref = describeRef(ctx.ref);
  const defaultBranch = ctx.defaultBranch ?? 'main';
  if (ctx.pullRequest?.baseRef) {
    plan.restorePrefix = baselineKeyPrefix(imageName, 'branch', ctx.pullRequest.baseRef);
    plan.restoreLabel = ctx.pullRequest.baseRef;
    return plan;
  }
  if (ref.kind === 'branch') {
    plan.restorePrefix = baselineKeyPrefix(imageName, 'branch', defaultBranch);
    plan.restoreLabel = defaultBranch;
    if (isDefaultBranch(ref.name, ctx.defaultBranch) && !ctx.pullRequestEvent && ctx.eventName !== 'pull_request' && ctx.sha) {
      plan.saveKey = baselineKey(imageName, 'branch', ref.name, ctx.sha);
      plan.savePrefix = baselineKeyPrefix(imageName, 'branch', ref.name);
    }
  } else if (ref.kind === 'tag') {
    plan.restorePrefix = baselineKeyPrefix(imageName, 'branch', defaultBranch);
    plan.restoreLabel = defaultBranch;
    if (ctx.sha) {
      plan.saveKey = baselineKey(imageName, 'tag', ref.name, ctx.sha);
      plan.savePrefix = baselineKeyPrefix(imageName, 'tag', ref.name);
    }
  }
  return plan;
}

/** Runs fn with the report file's directory in the workspace, and removes it afterwards. */
async function withReportFile<T>(workspace: string, fn: (path: string) => Promise<T>): Promise<T> {
  const path = join(workspace, CACHED_REPORT_PATH);
  const dir = dirname(path);
  const existed = existsSync(dir);
  try {
    return await fn(path);
  } finally {
    if (!existed) await rm(dir, { recursive: true, force: true });
  }
}

export type RestoreResult = { report: SizeReport; key: string } | { report: null; note: string };

/**
 * Restores the newest report under a prefix through the Actions cache (none given: as a service
 * not available). A miss is a note, not an error.
 */
export async function restoreReport(workspace: string, prefix: string, service: CacheService | undefined): Promise<RestoreResult> {
  if (!service?.available()) return { report: null, note: 'the Actions cache service is not available to this run' };
  return withReportFile(workspace, async (path) => {
    const key = await service.restore([CACHED_REPORT_PATH], prefix, [prefix]);
    if (!key || !existsSync(path)) return { report: null, note: 'no cached size report of the base branch yet' };
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!isSizeReport(parsed)) return { report: null, note: `the cached report ${key} is of another format` };
    return { report: parsed, key };
  });
}

/**
 * Saves this run's report through the Actions cache (throws when the service did not store it).
 * `exists`: a report of this commit is already stored under the key (a re-run), kept as it is.
 */
export async function saveReport(
  workspace: string,
  key: string,
  report: SizeReport,
  service: CacheService | undefined,
): Promise<'saved' | 'exists' | 'unavailable'> {
  if (!service?.available()) return 'unavailable';
  if (await service.has?.([CACHED_REPORT_PATH], key)) return 'exists';
  return withReportFile(workspace, async (path) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(report));
    await service.save([CACHED_REPORT_PATH], key);
    return 'saved' as const;
  });
}

/**
 * The time a reproducible build stamps on its image: SOURCE_DATE_EPOCH, from the commit being
 * built, so the same commit built twice gives the same image (BuildKit sets the config's and the
 * history's times to it, and the exporters clamp the layers' file times to it).
 */
import { CancelledError } from '../errors.js';
import { run } from '../util/exec.js';
import type { KeyValue } from '../util/key-value.js';

export type SourceDate = { epoch: number; from: string } | { epoch?: undefined; why: string };

const EPOCH_RE = /^\d{1,12}$/;
const SHA_RE = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Pure: an ISO time (a push event's head_commit.timestamp) in seconds since the epoch. */
export function epochOfTimestamp(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms / 1000) : undefined;
}

export interface SourceDateFacts {
  reproducible: boolean;
  buildArgs: KeyValue[];
  /** SOURCE_DATE_EPOCH of the runner's environment, which buildx would pass on by itself. */
  env?: string;
  sha: string;
  /** The commit time git gives for `sha` in the workspace, when it could. */
  commitEpoch?: number;
  /** The event payload's head_commit, when it is the commit built. */
  payload: Record<string, unknown>;
}

/**
 * Pure: which time the build stamps, and where it came from. A SOURCE_DATE_EPOCH the user gives
 * (build-arg, else the environment) wins; then the commit's time from git, then the push event's
 * head_commit when it is the commit built.
 */
export function resolveSourceDate(f: SourceDateFacts): SourceDate {
  if (!f.reproducible) return { why: 'off (reproducible: false)' };
  const arg = f.buildArgs.findLast((a) => a.key === 'SOURCE_DATE_EPOCH')?.value.trim();
  if (arg !== undefined && EPOCH_RE.test(arg)) return { epoch: Number(arg), from: 'the SOURCE_DATE_EPOCH build-arg' };
  const env = f.env?.trim();
  if (env && EPOCH_RE.test(env)) return { epoch: Number(env), from: 'SOURCE_DATE_EPOCH of the environment' };
  // Only hex digits reach the messages: the summary shows them as they are.
  const short = f.sha.slice(0, 7).replace(/[^0-9a-fA-F]/g, '');
  if (f.commitEpoch !== undefined) return { epoch: f.commitEpoch, from: `the commit time of ${short}` };
  const head = f.payload.head_commit;
  const headId = head && typeof head === 'object' ? (head as Record<string, unknown>).id : undefined;
  const stamped = headId === f.sha ? epochOfTimestamp((head as Record<string, unknown>).timestamp) : undefined;
  if (stamped !== undefined) return { epoch: stamped, from: `the commit time of ${short} (from the event)` };
  return {
    why: f.sha
      ? `not reproducible: the workspace has no git history for ${short} and the event names no commit time`
      : 'not reproducible: no commit (GITHUB_SHA) to take the time from',
  };
}

/** The commit time of `sha` in the workspace's git history, if git knows it (bounded: 10 s). */
export async function commitEpoch(workspace: string, sha: string): Promise<number | undefined> {
  if (!SHA_RE.test(sha)) return undefined;
  try {
    const r = await run('git', ['-c', `safe.directory=${workspace}`, '-C', workspace, 'show', '-s', '--format=%ct', sha], {
      silent: true,
      timeoutMs: 10_000,
    });
    if (r.cancelled) throw new CancelledError(r.cancelled, 'git read the commit time');
    const text = r.stdout.trim();
    return r.exitCode === 0 && EPOCH_RE.test(text) ? Number(text) : undefined;
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    // No git on the machine.
    return undefined;
  }
}

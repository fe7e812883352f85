/**
 * Keeping the Go cache inside the repository's Actions cache quota (10 GB by default, shared
 * with setup-go, linters and the rest, evicted least recently used): the save modes, the size
 * cap of the build cache, which entries a save supersedes, and the job summary saying so. Pure.
 */
import { InputError } from '../errors.js';
import type { ListedCacheEntry } from '../github/caches.js';
import { formatBytes, parseSize } from '../util/bytes.js';
import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import { plural } from '../util/plural.js';
import { describeRef } from '../context.js';

/** `auto`: one entry per cache and ref (superseded ones deleted); `always`: every run's entry kept; `never`: restore only. */
export type GoCacheSaveMode = 'auto' | 'always' | 'never';

/** What a repository's Actions cache holds by default; the usage endpoint does not say the limit. */
export const DEFAULT_REPO_CACHE_QUOTA = 10 * 1000 ** 3;

/** The permission deleting an Actions cache entry needs. */
export const DELETE_PERMISSION = 'actions: write';

export function parseGoCacheSave(raw: string): GoCacheSaveMode {
  const v = raw.trim().toLowerCase();
  if (v === '') return 'auto';
  if (v === 'auto' || v === 'always' || v === 'never') return v;
  throw new InputError(
    'go-cache-save',
    `'${raw.trim()}' is not a save mode. Expected auto (one entry per cache and ref), always (every run saves, nothing deleted) or never (restore only).`,
  );
}

/** Below this a build-cache archive cannot hold even the standard library of one platform. */
export const MIN_GO_CACHE_MAX_BYTES = 1000 ** 2;

/** Bytes of `go-cache-max-size` (500MB, 2GB, 1.5GiB, or bytes). */
export function parseGoCacheMaxSize(raw: string): number {
  const text = raw.trim();
  const bytes = parseSize(text);
  if (bytes === undefined)
    throw new InputError(
      'go-cache-max-size',
      `'${text}' is not a size. Expected a number with KB, MB, GB, MiB or GiB (e.g. 500MB, 2GB), or bytes.`,
    );
  if (bytes < MIN_GO_CACHE_MAX_BYTES)
    throw new InputError('go-cache-max-size', `'${text}' is too small. Expected at least 1MB (e.g. 500MB, 2GB).`);
  return bytes;
}

/** What the post step does with the archives the main step prepared. */
export interface SavePlan {
  save: boolean;
  /** Delete the entries of the same cache on the same ref that the new one supersedes. */
  supersede: boolean;
  /** Why nothing is saved, for the log. */
  reason?: string;
}

/**
 * Pure: the save plan of a run. Pull requests save too, under their own ref (refs/pull/N/merge),
 * and `auto` keeps one entry there like on a branch: a pull request's later pushes then restore
 * what its earlier pushes compiled (only the change compiles), at the cost of one entry per open
 * pull request, capped by go-cache-max-size and evicted by GitHub once unused for 7 days. A merge
 * queue's ref lives for one run and no other run can restore its entries: `auto` saves nothing
 * there.
 */
export function savePlan(mode: GoCacheSaveMode, ref: string): SavePlan {
  if (mode === 'never') return { save: false, supersede: false, reason: 'go-cache-save is never (restore only)' };
  if (mode === 'always') return { save: true, supersede: false };
  const r = describeRef(ref);
  if (r.kind === 'branch' && r.name.startsWith('gh-readonly-queue/'))
    return { save: false, supersede: false, reason: 'a merge queue ref: no later run can restore its entries' };
  return { save: true, supersede: true };
}

/** One save: its key, the prefix of every entry of the same cache, and the run's ref. */
export interface SavedEntry {
  key: string;
  prefix: string;
  ref: string;
}

/**
 * Pure: the entries a save supersedes: the same cache (key prefix) on the same ref, created
 * before the saved one (an equal time: a smaller id). Entries created after it belong to a run
 * that finished later and are kept, so two runs of one ref at once never delete each other's.
 * Without the saved entry in the listing nothing is known to be older: nothing is deleted.
 */
export function supersededEntries(listed: ListedCacheEntry[], saved: SavedEntry): { superseded: ListedCacheEntry[]; found: boolean } {
  const ours = listed.find((e) => e.key === saved.key && e.ref === saved.ref);
  if (!ours) return { superseded: [], found: false };
  const at = Date.parse(ours.createdAt);
  const older = (e: ListedCacheEntry): boolean => {
    const t = Date.parse(e.createdAt);
    return t < at || (t === at && e.id < ours.id);
  };
  const superseded = listed.filter((e) => e.ref === saved.ref && e.key.startsWith(saved.prefix) && e.key !== saved.key && older(e));
  return { superseded, found: true };
}

/** A regular file of a build-cache archive, for the size cap. */
export interface ArchiveFile {
  name: string;
  /** When the build last used it (Unix seconds; the tar header's mtime, kept so). */
  mtime: number;
  /** Bytes it takes in the archive (headers and padded data). */
  bytes: number;
}

/**
 * Pure: the files a build-cache archive keeps under `budget` bytes, most recently used first
 * (the later in the archive, the newer, among equal times); the rest, the least recently used,
 * are dropped. Go treats a dropped entry as a miss and compiles it again.
 */
export function lruKeep(files: ArchiveFile[], budget: number): Set<string> {
  const order = files.map((f, i) => ({ f, i })).sort((a, b) => b.f.mtime - a.f.mtime || b.i - a.i);
  const keep = new Set<string>();
  let used = 0;
  for (const { f } of order) {
    if (used + f.bytes > budget) break;
    used += f.bytes;
    keep.add(f.name);
  }
  return keep;
}

/** What the Go cache did to the repository's Actions cache in the post step. */
export interface QuotaReport {
  mode: GoCacheSaveMode;
  saved: { id: string; key: string; bytes: number }[];
  deleted: ListedCacheEntry[];
  /** Why superseded entries were not deleted (no permission, no token, API fault). */
  notDeleted?: string;
  usage?: { bytes: number; count: number };
}

/** Pure: the job summary's section on the Go cache's saves, deletions and the repository's cache use. */
export function renderQuotaSummary(r: QuotaReport): string {
  const lines = ['### Go cache and the repository cache quota', ''];
  const saved = r.saved.map((s) => `${inlineCode(s.key)} (${formatBytes(s.bytes)} before compression)`);
  lines.push(`- Saved: ${saved.length > 0 ? saved.join(', ') : 'nothing'}.`);
  if (r.mode === 'always') lines.push('- Deleted: nothing (go-cache-save is always: every run keeps its entries).');
  else if (r.deleted.length > 0) {
    const freed = r.deleted.reduce((n, e) => n + e.sizeBytes, 0);
    const keys = r.deleted.map((e) => inlineCode(e.key)).join(', ');
    lines.push(`- Deleted ${plural(r.deleted.length, 'superseded entry', 'superseded entries')} (${formatBytes(freed)}): ${keys}.`);
  } else lines.push(`- Deleted: nothing${r.notDeleted ? ` (${escapeMarkdown(r.notDeleted)})` : ''}.`);
  if (r.usage) {
    const pct = ((r.usage.bytes / DEFAULT_REPO_CACHE_QUOTA) * 100).toFixed(1);
    lines.push(
      `- The repository's Actions cache: ${formatBytes(r.usage.bytes)} in ${plural(r.usage.count, 'entry', 'entries')}, ` +
        `${pct}% of the 10 GB default (the limit may be higher on a paid budget).`,
    );
  } else lines.push("- The repository's Actions cache use could not be read.");
  return lines.join('\n');
}

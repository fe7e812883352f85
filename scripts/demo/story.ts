/**
 * Pure: the facts the demo tells, read from what a run of the action left (its log lines, its
 * outputs, the cache service's entries), and the sentences it prints about them.
 */
import { formatDelta } from '../../src/size/units.ts';
import { formatBinaryBytes, formatBytes } from '../../src/util/bytes.ts';

/** One cache mount as the `go-cache-restored` output states it. */
export interface RestoredCache {
  id: string;
  kind: string;
  key?: string;
  exact: boolean;
  bytes: number;
  files: number;
}

/** An entry of the Actions cache service. */
export interface SavedEntry {
  key: string;
  size: number;
  finalized: boolean;
}

/** The seconds the pipeline's `Built … in N s` line states (the build alone), if it printed one. */
export function buildSeconds(log: string): number | undefined {
  const m = /^Built .+ in ([\d.]+) s/m.exec(log);
  return m ? Number(m[1]) : undefined;
}

/** The `go-cache-restored` output; [] when it is absent or not the expected JSON. */
export function restoredCaches(output: string | undefined): RestoredCache[] {
  try {
    const parsed: unknown = JSON.parse(output ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (r: unknown): r is RestoredCache =>
        typeof r === 'object' && r !== null && 'kind' in r && typeof r.kind === 'string' && 'bytes' in r && typeof r.bytes === 'number',
    );
  } catch {
    return [];
  }
}

/** `go-modules 412 files, 3.1 MiB (exact)`, one per restored cache; the missed ones say so. */
export function describeRestored(caches: RestoredCache[]): string[] {
  return caches.map((c) =>
    c.key
      ? `${c.kind}: ${c.files} files, ${formatBinaryBytes(c.bytes)}${c.exact ? ' (exact key: go.sum unchanged)' : ' (the newest saved for these platforms)'}`
      : `${c.kind}: nothing restored`,
  );
}

export type EntryKind = 'go-modules' | 'go-build' | 'size-report' | 'other';

/** What an Actions cache entry holds, by its key (src/go-cache/keys.ts, src/size/baseline.ts). */
export function entryKind(key: string): EntryKind {
  if (key.startsWith('go-container-action-size-')) return 'size-report';
  if (key.startsWith('go-container-action-') && key.includes('-go-modules-')) return 'go-modules';
  if (key.startsWith('go-container-action-') && key.includes('-go-build-')) return 'go-build';
  return 'other';
}

/** `Go build cache 36.1 MiB`, one per finalized entry not in `before` (keys), in the service's order: the stored (compressed) size. */
export function describeSaved(entries: SavedEntry[], before: string[] = []): string[] {
  const label: Record<EntryKind, string> = {
    'go-modules': 'Go module cache',
    'go-build': 'Go build cache',
    'size-report': 'size report (the baseline)',
    other: 'entry',
  };
  return entries
    .filter((e) => e.finalized && !before.includes(e.key))
    .map((e) => `${label[entryKind(e.key)]} ${formatBinaryBytes(e.size)}`);
}

/**
 * What a run saved, after what it restored: `Go build cache 36.2 MiB; the module cache was an
 * exact hit, not saved again` (the action saves an exact hit never again).
 */
export function savedSentence(entries: SavedEntry[], before: string[], restored: RestoredCache[]): string {
  const saved = describeSaved(entries, before);
  const fresh = entries.filter((e) => e.finalized && !before.includes(e.key)).map((e) => entryKind(e.key));
  const exact = restored
    .filter((c) => c.exact && c.key && !fresh.includes(c.kind as EntryKind))
    .map((c) => `the ${c.kind} cache was an exact hit, not saved again`);
  return [saved.length ? saved.join(', ') : 'nothing', ...exact].join('; ');
}

/**
 * `cold build 41.2 s, PR build with the Go cache restored 9.8 s (0.24x), after a 1.9 s restore`:
 * the build steps alone, then what the restore cost before it.
 */
export function comparison(coldSeconds: number | undefined, warmSeconds: number | undefined, restoreSeconds?: number): string {
  if (coldSeconds === undefined || warmSeconds === undefined) return 'the build times could not be read from the log';
  const ratio = coldSeconds > 0 ? ` (${(warmSeconds / coldSeconds).toFixed(2)}x)` : '';
  const restore = restoreSeconds === undefined ? '' : `, after a ${restoreSeconds.toFixed(1)} s restore`;
  return `cold build ${coldSeconds.toFixed(1)} s, PR build with the Go cache restored ${warmSeconds.toFixed(1)} s${ratio}${restore}`;
}

/** One platform's line of a size report: `linux/amd64  4.12 MB compressed (+1.02 KB)`. */
export function sizeLine(p: { platform: string; compressedBytes: number; deltaBytes: number | null }): string {
  const delta = p.deltaBytes === null ? '' : ` (${formatDelta(p.deltaBytes)} against the baseline)`;
  return `${p.platform}: ${formatBytes(p.compressedBytes)} compressed${delta}`;
}

/** One item of the `vulnerabilities` output, as far as the demo tells it. */
interface VulnItem {
  id: string;
  module: string;
  version: string;
  fixed: string | null;
  called: boolean;
  symbols: string[];
  status: string;
}

/**
 * The called ones of modules spelled out (`GCA-2026-0004 in example.com/greeting@v1.0.0 (calls
 * example.com/greeting.Hello; fixed in v1.1.0): fixed`), the standard library's counted, then
 * how many are not called.
 */
export function vulnSentence(output: string | undefined): string {
  let items: VulnItem[];
  try {
    const parsed: unknown = JSON.parse(output ?? '[]');
    items = Array.isArray(parsed) ? (parsed as VulnItem[]) : [];
  } catch {
    return 'not reported';
  }
  if (items.length === 0) return 'none';
  const called = items.filter((v) => v.called);
  const modules = called
    .filter((v) => v.module !== 'stdlib')
    .map(
      (v) =>
        `${v.id} in ${v.module}@${v.version} (calls ${v.symbols.join(', ')}; ${v.fixed ? `fixed in ${v.fixed}` : 'no fix yet'}): ${v.status}`,
    );
  const stdlib = called.filter((v) => v.module === 'stdlib');
  const std =
    stdlib.length > 0 ? [`${stdlib.length} called in the standard library (${stdlib.map((v) => `${v.id} ${v.status}`).join(', ')})`] : [];
  const notCalled = items.length - called.length;
  return [...modules, ...std, ...(notCalled > 0 ? [`${notCalled} not called`] : [])].join('; ');
}

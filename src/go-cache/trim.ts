/**
 * Joins what a build changed in a cache mount with the restored archive, keeping the Go build
 * cache to its working set.
 */
import { formatBinaryBytes } from '../util/bytes.js';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reporter } from '../reporter.js';
import { ARCHIVE, type PendingSave, type SlotState } from './session.js';
import { appendTar, mergeTars, type TarEntry } from './tar.js';
import { plural } from '../util/plural.js';
import { fitArchive } from './fit.js';

/**
 * The Go build cache's archive is appended to (new entries after the old ones) while the
 * entries this build did not use take at most this share of it; above it, it is rewritten with
 * the working set only. So the saved archive is at most 1 / (1 - 0.2) = 1.25 x its working
 * set, and the common run (a few new entries) never rewrites hundreds of MB.
 */
const COMPACT_ABOVE_UNUSED_SHARE = 0.2;

/**
 * Joins what the build changed with the restored archive (exported for its unit test); a Go
 * build cache is then kept under `maxBytes`, least recently used files dropped first (fit.ts).
 */
export async function trimAndJoin(
  s: SlotState,
  extractTar: string,
  lists: Map<string, string[]>,
  reporter: Reporter,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<PendingSave | undefined> {
  const save = await joinArchive(s, extractTar, lists, reporter);
  if (!save || s.slot.kind !== 'go-build') return save;
  const used = new Set([...(lists.get(`${s.mountName}.used`) ?? []), ...(lists.get(`${s.mountName}.export`) ?? [])]);
  const fitted = await fitArchive(join(s.dir, ARCHIVE), used, Math.floor(Date.now() / 1000), maxBytes);
  if (fitted.dropped > 0)
    reporter.info(
      `Go cache: ${s.slot.id}: over go-cache-max-size (${formatBinaryBytes(maxBytes)}): the ${plural(fitted.dropped, 'least recently used file')} ` +
        `(${formatBinaryBytes(fitted.droppedBytes)}) dropped: ${plural(fitted.files, 'file')}, ${formatBinaryBytes(fitted.bytes)} to save`,
    );
  return { ...save, bytes: fitted.bytes };
}

async function joinArchive(
  s: SlotState,
  extractTar: string,
  lists: Map<string, string[]>,
  reporter: Reporter,
): Promise<PendingSave | undefined> {
  const changed = lists.get(`${s.mountName}.changed`) ?? [];
  const exported = lists.get(`${s.mountName}.export`) ?? [];
  const used = new Set(lists.get(`${s.mountName}.used`) ?? []);
  if (changed.length === 0) {
    reporter.info(
      `Go cache: ${s.slot.id} was not used by this build (its step came from BuildKit's cache): the saved entry stays as it is`,
    );
    return undefined;
  }
  if (exported.length === 0 && (s.slot.kind !== 'go-build' || used.size === s.restoredList.length)) {
    reporter.info(`Go cache: ${s.slot.id} did not change: nothing to save`);
    return undefined;
  }
  const archive = join(s.dir, ARCHIVE);
  const index = s.restoredIndex;
  if (s.slot.kind === 'go-build' && s.restoredKey && index && existsSync(archive)) {
    // Bytes of the entries this build did not use: appended to while they are a small share.
    let unusedBytes = 0;
    index.files.forEach((name, i) => {
      if (!used.has(name)) unusedBytes += index.fileBytes[i]!;
    });
    if (unusedBytes <= COMPACT_ABOVE_UNUSED_SHARE * index.end) {
      const added = appendTar(archive, index.end, { path: extractTar, under: s.mountName }, index.dirs);
      const unused = index.files.length - used.size;
      reporter.info(
        `Go cache: ${s.slot.id}: ${plural(exported.length, 'new file')} appended, ${used.size} reused, ${unused} unused kept (${formatBinaryBytes(unusedBytes)}, ` +
          `under ${COMPACT_ABOVE_UNUSED_SHARE * 100}% of the archive): ` +
          `${plural(index.files.length + added.files, 'file')}, ${formatBinaryBytes(added.bytes)} to save under ${s.keys.primary}`,
      );
      return { key: s.keys.primary, prefix: s.keys.restore[0], path: s.keys.path, id: s.slot.id, bytes: added.bytes };
    }
  }
  const next = join(s.dir, `${ARCHIVE}.next`);
  const sources = [];
  if (s.restoredKey && existsSync(archive)) {
    // The Go build cache keeps only its working set: entries this build did not use are dropped.
    const keep = s.slot.kind === 'go-build' ? (e: TarEntry) => e.type === '5' || used.has(e.name) : undefined;
    sources.push({ path: archive, keep });
  }
  sources.push({ path: extractTar, under: s.mountName });
  const merged = mergeTars(next, sources);
  await rename(next, archive);
  const dropped = s.slot.kind === 'go-build' ? s.restoredList.length - used.size : 0;
  reporter.info(
    `Go cache: ${s.slot.id}: ${plural(exported.length, 'new file')}, ${used.size} reused, ${dropped} unused dropped: ` +
      `${plural(merged.files, 'file')}, ${formatBinaryBytes(merged.bytes)} to save under ${s.keys.primary}`,
  );
  return { key: s.keys.primary, prefix: s.keys.restore[0], path: s.keys.path, id: s.slot.id, bytes: merged.bytes };
}

/** What one node's helper took out for a slot: the tar of its changes and its lists. */
export interface NodePart {
  tar: string;
  lists: Map<string, string[]>;
}

/**
 * Pure: the lists of several nodes as one (each name once, in the order first seen). Go's
 * caches are content-addressed: the same name on two nodes is the same content.
 */
export function unionLists(lists: Map<string, string[]>[]): Map<string, string[]> {
  const union = new Map<string, string[]>();
  for (const map of lists) {
    for (const [name, entries] of map) union.set(name, [...new Set([...(union.get(name) ?? []), ...entries])]);
  }
  return union;
}

/**
 * Joins a slot's changes with its restored archive: from one node as they are, from several
 * as one tar of the slot's entries (each name once) and the union of their lists. The joined
 * tar is written next to the first part (never into the slot's directory, which is saved).
 */
export async function joinNodeParts(
  s: SlotState,
  parts: NodePart[],
  reporter: Reporter,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<PendingSave | undefined> {
  if (parts.length === 1) return trimAndJoin(s, parts[0]!.tar, parts[0]!.lists, reporter, maxBytes);
  const joined = `${parts[0]!.tar}.${s.mountName}.nodes`;
  const inMount = (e: TarEntry): boolean => e.name === s.mountName || e.name.startsWith(`${s.mountName}/`);
  try {
    mergeTars(
      joined,
      parts.map((p) => ({ path: p.tar, keep: inMount })),
    );
    return await trimAndJoin(s, joined, unionLists(parts.map((p) => p.lists)), reporter, maxBytes);
  } finally {
    await rm(joined, { force: true }).catch(() => undefined);
  }
}

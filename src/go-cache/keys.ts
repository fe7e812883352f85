/**
 * Cache keys that fit Go: the module cache by a hash of every go.sum in the context (an exact
 * hit means nothing to save); the build cache per platform set and build target, under a new
 * key each run and restored by prefix (newest first).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CacheSlot } from './discover.js';

/** Bump when the archive layout changes: old entries are then ignored. */
export const KEY_VERSION = 'v1';

export interface SlotKeys {
  /** The key this run saves under (and restores exactly, for the module cache). */
  primary: string;
  /** Prefixes tried in order when the primary key misses. */
  restore: string[];
  /**
   * The directory @actions/cache stores for this slot, relative to the workspace it is given
   * (isolation.ts): the same string on every run, since it is part of the entry's version.
   */
  path: string;
}

/** Pure: the first `length` hex digits of a text's SHA-256 (key parts that must not collide by prefix). */
export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Pure: a readable, key-safe slug (no commas, no slashes). */
export function slug(text: string, max = 40): string {
  const s = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(Math.max(0, s.length - max)) || 'root';
}

export interface KeyOptions {
  /** Hash of the go.sum files (module cache only). */
  goSumHash: string;
  /** The build target (stage); empty for the last stage. */
  target?: string;
  /** Makes each run's build-cache key new (run id, attempt, time). */
  unique: string;
}

/** Pure: the keys and path of one slot. */
export function slotKeys(slot: Pick<CacheSlot, 'id' | 'kind' | 'platforms'>, opts: KeyOptions): SlotKeys {
  const idPart = `${slug(slot.id)}-${shortHash(slot.id, 8)}`;
  const path = `go-cache/${KEY_VERSION}-${slot.kind}-${idPart}`;
  if (slot.kind === 'go-modules') {
    // Modules are the same for every platform: one entry per go.sum state.
    const prefix = `go-container-action-${KEY_VERSION}-${slot.kind}-${idPart}-`;
    return { primary: `${prefix}${opts.goSumHash}`, restore: [prefix], path };
  }
  const platforms = slot.platforms.map((p) => p.replace(/\//g, '_')).join('+');
  const target = opts.target ? slug(opts.target, 30) : 'default';
  const prefix = `go-container-action-${KEY_VERSION}-${slot.kind}-${idPart}-${platforms}-${target}-`;
  return { primary: `${prefix}${slug(opts.unique, 60)}`, restore: [prefix], path };
}

const SKIP_DIRS = new Set(['.git', 'node_modules', 'vendor', 'testdata']);
const SUM_FILES = new Set(['go.sum', 'go.work.sum']);

/** Every go.sum / go.work.sum under `root`, as sorted relative paths. */
export async function findGoSums(root: string, limit = 2000): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 12 || found.length >= limit) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(join(dir, e.name), depth + 1);
      } else if (e.isFile() && SUM_FILES.has(e.name)) found.push(relative(root, join(dir, e.name)).split(sep).join('/'));
    }
  };
  await walk(root, 0);
  return found.sort();
}

/** Pure: one hash over named file contents (order-independent of discovery). */
export function hashFiles(files: { name: string; content: string | Buffer }[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(`${f.name}\0`);
    h.update(f.content);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 32);
}

/** The hash of every go.sum in the context ('none' when there is none). */
export async function goSumHash(context: string): Promise<{ hash: string; files: string[] }> {
  const files = await findGoSums(context);
  if (files.length === 0) return { hash: 'none', files };
  const contents = await Promise.all(files.map(async (name) => ({ name, content: await readFile(join(context, name)) })));
  return { hash: hashFiles(contents), files };
}

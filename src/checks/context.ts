/**
 * The build context as the checks see it: whether a path is there and what a small text file
 * says (go.mod, vendor/modules.txt, a Makefile or build script a RUN runs). The checks take this
 * view, never the file system, so they stay pure; `directoryContext` is the adapter.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isWithin } from '../util/workspace-path.js';
import type { ContextCopy } from '../dockerfile/files.js';

export interface ContextFiles {
  /** What is at a `/`-separated path relative to the context root (`''` is the root). */
  kind(path: string): 'file' | 'dir' | undefined;
  /** The text of a file (at most MAX_SCRIPT_BYTES); undefined when missing, no file, or larger. */
  read(path: string): string | undefined;
}

/** Build scripts and go.mod files are small; a larger file is not read. */
export const MAX_SCRIPT_BYTES = 256 * 1024;

/** Pure: a context-relative path cleaned (`./a//b/` → `a/b`, `.` → ``); undefined when it leaves the context. */
export function cleanContextPath(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/**
 * The context directory on disk. A path whose real location (symbolic links followed) is
 * outside the context reads as missing, as BuildKit would not send it either.
 */
export function directoryContext(root: string): ContextFiles {
  let realRoot: string | undefined;
  try {
    realRoot = realpathSync(root);
  } catch {
    realRoot = undefined;
  }
  const locate = (path: string): string | undefined => {
    const clean = cleanContextPath(path);
    if (clean === undefined || realRoot === undefined) return undefined;
    const full = join(root, clean);
    try {
      lstatSync(full);
      return isWithin(realRoot, realpathSync(full)) ? full : undefined;
    } catch {
      return undefined;
    }
  };
  // The context does not change while the checks run, and they ask for the same go.mod,
  // Makefile or .git many times: each path goes to the disk once.
  const kinds = new Map<string, 'file' | 'dir' | undefined>();
  const texts = new Map<string, string | undefined>();
  const remembered = <T>(cache: Map<string, T>, path: string, look: () => T): T => {
    const key = cleanContextPath(path) ?? path;
    if (!cache.has(key)) cache.set(key, look());
    return cache.get(key)!;
  };
  return {
    kind: (path) =>
      remembered(kinds, path, () => {
        const full = locate(path);
        if (!full) return undefined;
        const stat = statSync(full, { throwIfNoEntry: false });
        return stat?.isDirectory() ? 'dir' : stat?.isFile() ? 'file' : undefined;
      }),
    read: (path) =>
      remembered(texts, path, () => {
        const full = locate(path);
        if (!full) return undefined;
        const stat = statSync(full, { throwIfNoEntry: false });
        if (!stat?.isFile() || stat.size > MAX_SCRIPT_BYTES) return undefined;
        try {
          return readFileSync(full, 'utf8');
        } catch {
          return undefined;
        }
      }),
  };
}

/** Pure: the context as the builder receives it: what `.dockerignore` excludes is not there. */
export function sentContext(files: ContextFiles, isExcluded: (path: string) => boolean): ContextFiles {
  const sent = (path: string): boolean => {
    const clean = cleanContextPath(path);
    return clean !== undefined && (clean === '' || !isExcluded(clean));
  };
  return {
    kind: (path) => (sent(path) ? files.kind(path) : undefined),
    read: (path) => (sent(path) ? files.read(path) : undefined),
  };
}

const WILDCARD = /[*?[]/;

/** Pure: Go's filepath.Match for one path element (`*`, `?`, `[…]`). */
export function matchesElement(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]')
    .replace(/\[!/g, '[^');
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return false;
  }
}

/** The context path one source of a copy puts at `imagePath`, if it does. */
function sourceFor(imagePath: string, copy: ContextCopy, source: string, files: ContextFiles): string | undefined {
  const src = cleanContextPath(source);
  if (src === undefined) return undefined;
  const under = (dir: string): string | undefined =>
    imagePath === dir
      ? ''
      : imagePath.startsWith(`${dir === '/' ? '' : dir}/`)
        ? imagePath.slice(dir === '/' ? 1 : dir.length + 1)
        : undefined;
  if (WILDCARD.test(src)) {
    // A wildcard copies each file it matches into the destination directory.
    const slash = src.lastIndexOf('/');
    const rel = under(copy.dest);
    if (!rel || rel.includes('/') || !matchesElement(src.slice(slash + 1), rel)) return undefined;
    return slash < 0 ? rel : `${src.slice(0, slash)}/${rel}`;
  }
  const kind = files.kind(src);
  if (kind === 'dir') {
    // A directory's contents go into the destination.
    const rel = under(copy.dest);
    return rel === undefined ? undefined : [src, rel].filter((p) => p !== '').join('/');
  }
  if (kind !== 'file') return undefined;
  const name = src.slice(src.lastIndexOf('/') + 1);
  const target = copy.destIsDir ? `${copy.dest === '/' ? '' : copy.dest}/${name}` : copy.dest;
  return imagePath === target ? src : undefined;
}

/**
 * Pure: the context path a stage's file at `imagePath` (absolute) came from: the last copy
 * that puts an existing context path there; undefined when no copy of the context does.
 */
export function contextPathOf(imagePath: string, copies: readonly ContextCopy[], files: ContextFiles): string | undefined {
  for (let c = copies.length - 1; c >= 0; c--) {
    const copy = copies[c]!;
    for (let s = copy.sources.length - 1; s >= 0; s--) {
      const path = sourceFor(imagePath, copy, copy.sources[s]!, files);
      if (path !== undefined && files.kind(path) !== undefined) return path;
    }
  }
  return undefined;
}

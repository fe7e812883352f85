/**
 * The Go module a go command runs in, as far as the build context tells: its go.mod (found the
 * way go finds it, upwards from the working directory, through the copies that put files in
 * the stage), whether it requires any module, and whether it builds from vendor/.
 */
import type { ContextCopy } from '../dockerfile/model.js';
import { contextPathOf, type ContextFiles } from './context.js';

export interface GoModFacts {
  /** The `go` directive as [major, minor]; undefined when there is none. */
  goVersion?: [number, number];
  /** go.mod has a `require` with at least one module. */
  requires: boolean;
}

/** Pure: what the checks need from a go.mod text. */
export function parseGoMod(text: string): GoModFacts {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/\/\/.*$/, '').trim());
  const go = lines.map((l) => /^go\s+(\d+)\.(\d+)/.exec(l)).find((m) => m);
  let requires = false;
  let inBlock = false;
  for (const l of lines) {
    if (inBlock) {
      if (l === ')') inBlock = false;
      else if (l !== '') requires = true;
    } else if (/^require\s*\($/.test(l)) inBlock = true;
    else if (/^require\s+\S/.test(l) && !/^require\s*\(\s*\)$/.test(l)) requires = true;
  }
  return { goVersion: go ? [Number(go[1]), Number(go[2])] : undefined, requires };
}

export type ModuleInfo =
  /** go.mod not seen: the stage gets its files elsewhere, or creates go.mod itself. */
  | { found: 'unknown' }
  /** No go.mod where go looks: a build of files (`go build main.go`), no modules to download. */
  | { found: 'no' }
  | {
      found: 'yes';
      /** go.mod's path in the context. */
      path: string;
      requires: boolean;
      /** The go directive as written (1.16 when there is none, as go assumes). */
      goVersion: string;
      /** vendor/modules.txt is next to go.mod in the context and the go directive is 1.14 or later. */
      vendored: boolean;
      /** vendor/modules.txt is in the stage at this point (copied), so go builds from it. */
      vendorInStage: boolean;
    };

/** Go 1.14 made `-mod=vendor` the default when vendor/modules.txt exists; no directive means 1.16. */
function vendorByDefault(goVersion: [number, number] | undefined): boolean {
  const [major, minor] = goVersion ?? [1, 16];
  return major > 1 || minor >= 14;
}

/** The parent directories of an absolute path, itself first. */
function upwards(dir: string): string[] {
  const out = [dir];
  while (out[out.length - 1] !== '/') {
    const d = out[out.length - 1]!;
    out.push(d.slice(0, d.lastIndexOf('/')) || '/');
  }
  return out;
}

/**
 * Pure: the module a go command running in `cwd` (absolute, in the stage) belongs to. `creates`:
 * the stage runs `go mod init` (go.mod is made in the stage, not copied).
 */
export function moduleAt(cwd: string, copies: readonly ContextCopy[], files: ContextFiles, creates: boolean): ModuleInfo {
  for (const dir of upwards(cwd)) {
    const base = dir === '/' ? '' : dir;
    const path = contextPathOf(`${base}/go.mod`, copies, files);
    if (path === undefined) continue;
    const text = files.read(path);
    if (text === undefined) return { found: 'unknown' };
    const mod = parseGoMod(text);
    const contextDir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
    const vendored = files.kind(`${contextDir}vendor/modules.txt`) === 'file' && vendorByDefault(mod.goVersion);
    const vendorInStage = contextPathOf(`${base}/vendor/modules.txt`, copies, files) !== undefined;
    return { found: 'yes', path, requires: mod.requires, goVersion: (mod.goVersion ?? [1, 16]).join('.'), vendored, vendorInStage };
  }
  return copies.length === 0 || creates ? { found: 'unknown' } : { found: 'no' };
}

/**
 * The scan of one platform's Go binary, like `govulncheck -mode binary`: the standard library
 * (the binary's Go version) and every module version matched against the entries' ranges, and
 * a vulnerability called when one of its symbols is among the functions the binary links.
 * Pure: build info, linked symbols and entries in, findings out.
 */
import type { GoModule } from '../gobinary/buildinfo.js';
import { affects, goVersionSemver, importsFor, moduleSemver, STDLIB, type OsvAffected, type OsvEntry } from './osv.js';
import type { LinkedSymbols } from '../gobinary/symbols.js';

/** How a vulnerability compares with the baseline's. */
export type VulnStatus = 'new' | 'fixed' | 'unchanged';

/** One vulnerability of one module version, over the platforms that ship it (the `vulnerabilities` output's items). */
export interface VulnFinding {
  id: string;
  aliases: string[];
  /** The module path, or `stdlib`. */
  module: string;
  /** As the binary has it: `v1.2.3`, or the Go version (`go1.24.4`) for the standard library. */
  version: string;
  /** The first version that fixes it, written the same way; null when none does yet. */
  fixed: string | null;
  called: boolean;
  /** The vulnerable symbols the binary links, `package.Symbol` (`net/http.Client.Do`). */
  symbols: string[];
  platforms: string[];
  status: VulnStatus;
}

/** What the scan reads of one platform's binary. */
export interface ScanTarget {
  platform: string;
  goVersion: string;
  modules: readonly GoModule[];
  goos?: string;
  goarch?: string;
  /** The functions it links; undefined when its function table could not be read (nothing is then called). */
  symbols?: LinkedSymbols;
}

/** Pure: the modules a binary ships, as the database names them, with the version to match and to show. */
export function shippedModules(target: Pick<ScanTarget, 'goVersion' | 'modules'>): { path: string; semver: string; shown: string }[] {
  const out: { path: string; semver: string; shown: string }[] = [];
  const go = goVersionSemver(target.goVersion);
  if (go) out.push({ path: STDLIB, semver: go, shown: target.goVersion.split(/\s/)[0]! });
  for (const m of target.modules) {
    // A module replaced by another module is that one; by a directory, its version is unknown.
    const actual = m.replacedBy ? (m.replacedBy.version ? m.replacedBy : undefined) : m;
    const semver = actual && moduleSemver(actual.version);
    if (actual && semver) out.push({ path: actual.path, semver, shown: actual.version });
  }
  return out;
}

/** Pure: the vulnerable symbols of an affected package that the binary links; undefined when the entry names no package for this platform. */
function calledSymbols(affected: OsvAffected, target: ScanTarget): string[] | undefined {
  const all = affected.ecosystem_specific?.imports ?? [];
  const imports = importsFor(affected, target.goos, target.goarch);
  // Every package it names is for other systems: not a vulnerability of this binary.
  if (all.length > 0 && imports.length === 0) return undefined;
  const found: string[] = [];
  for (const i of imports) {
    const linked = target.symbols?.get(i.path);
    if (!linked) continue;
    // No symbols listed: the whole package is vulnerable, and any of its functions counts.
    if (!i.symbols?.length) found.push(`${i.path}.*`);
    else for (const s of i.symbols) if (linked.has(s)) found.push(`${i.path}.${s}`);
  }
  return found;
}

function shownFixed(path: string, fixed: string | undefined): string | null {
  if (!fixed) return null;
  return path === STDLIB ? `go${fixed.replace(/-(rc|beta)\.(\d+)$/, '$1$2')}` : `v${fixed}`;
}

/** Pure: the findings of one platform's binary (status `new` until compared with the baseline). */
export function scanBinary(target: ScanTarget, entries: readonly OsvEntry[]): VulnFinding[] {
  const byModule = new Map<string, OsvEntry[]>();
  for (const e of entries)
    for (const a of e.affected) {
      const list = byModule.get(a.package.name) ?? [];
      if (!list.includes(e)) list.push(e);
      byModule.set(a.package.name, list);
    }
  const out: VulnFinding[] = [];
  for (const m of shippedModules(target)) {
    for (const entry of byModule.get(m.path) ?? []) {
      for (const affected of entry.affected.filter((a) => a.package.name === m.path)) {
        const range = affects(affected.ranges, m.semver);
        if (!range.affected) continue;
        const symbols = calledSymbols(affected, target);
        if (!symbols) continue;
        out.push({
          id: entry.id,
          aliases: [...new Set(entry.aliases ?? [])],
          module: m.path,
          version: m.shown,
          fixed: shownFixed(m.path, range.fixed),
          called: symbols.length > 0,
          symbols,
          platforms: [target.platform],
          status: 'new',
        });
        break;
      }
    }
  }
  return out;
}

const keyOf = (f: Pick<VulnFinding, 'id' | 'module' | 'version'>): string => `${f.id}\0${f.module}\0${f.version}`;

/** Pure: the platforms' findings as one list: one item per vulnerability and module version, platforms and symbols joined. */
export function mergeFindings(lists: readonly (readonly VulnFinding[])[]): VulnFinding[] {
  const merged = new Map<string, VulnFinding>();
  for (const list of lists)
    for (const f of list) {
      const seen = merged.get(keyOf(f));
      if (!seen) {
        merged.set(keyOf(f), { ...f, aliases: [...f.aliases], symbols: [...f.symbols], platforms: [...f.platforms] });
        continue;
      }
      seen.called ||= f.called;
      for (const s of f.symbols) if (!seen.symbols.includes(s)) seen.symbols.push(s);
      for (const p of f.platforms) if (!seen.platforms.includes(p)) seen.platforms.push(p);
    }
  return sortFindings([...merged.values()]);
}

const STATUS_ORDER: Record<VulnStatus, number> = { new: 0, unchanged: 1, fixed: 2 };

/** Pure: called first, then new before still there before fixed, then by ID. */
export function sortFindings(findings: VulnFinding[]): VulnFinding[] {
  return findings.sort(
    (a, b) =>
      Number(b.called) - Number(a.called) ||
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      a.id.localeCompare(b.id) ||
      a.module.localeCompare(b.module),
  );
}

/**
 * Pure: this image's findings against the baseline's (undefined: no baseline, or one not
 * checked): the same ID in the same module is `unchanged`, one only here (or called only
 * here) `new`, one only in the baseline `fixed` (kept in the list with the baseline's version).
 */
export function compareFindings(current: readonly VulnFinding[], baseline: readonly VulnFinding[] | undefined): VulnFinding[] {
  const before = new Map((baseline ?? []).filter((f) => f.status !== 'fixed').map((f) => [`${f.id}\0${f.module}`, f]));
  // One the baseline shipped without calling it, and that is called now, is new: the change starts to call it.
  const seen = (f: VulnFinding): boolean => {
    const b = before.get(`${f.id}\0${f.module}`);
    return b !== undefined && (b.called || !f.called);
  };
  const out: VulnFinding[] = current.map((f) => ({ ...f, status: seen(f) ? 'unchanged' : 'new' }));
  const now = new Set(current.map((f) => `${f.id}\0${f.module}`));
  for (const [key, f] of before) if (!now.has(key)) out.push({ ...f, status: 'fixed' });
  return sortFindings(out);
}

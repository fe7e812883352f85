/**
 * The Go vulnerability database's entries (OSV) and the pure matching of a module version
 * against their ranges. Versions in the database are SEMVER without a `v`; build info writes
 * modules with a `v` and the standard library as its Go version (`go1.24.4`).
 */
import semver from 'semver';

/** One symbol list of an entry: a package path and the functions or methods (`Type.Method`) that are vulnerable. */
export interface OsvImport {
  path: string;
  goos?: string[];
  goarch?: string[];
  symbols?: string[];
}

export interface OsvRange {
  type: string;
  events: { introduced?: string; fixed?: string; last_affected?: string }[];
}

export interface OsvAffected {
  package: { name: string; ecosystem?: string };
  ranges?: OsvRange[];
  ecosystem_specific?: { imports?: OsvImport[] };
}

export interface OsvEntry {
  id: string;
  aliases?: string[];
  summary?: string;
  affected: OsvAffected[];
}

/** The module the database lists the standard library under. */
export const STDLIB = 'stdlib';

/** Pure: whether parsed JSON has the shape of an OSV entry this code can match. */
export function isOsvEntry(value: unknown): value is OsvEntry {
  if (!value || typeof value !== 'object') return false;
  const e = value as Partial<OsvEntry>;
  return (
    typeof e.id === 'string' &&
    Array.isArray(e.affected) &&
    e.affected.every((a) => a && typeof a === 'object' && typeof a.package?.name === 'string')
  );
}

/**
 * Pure: a Go version as SEMVER: `go1.24.4` -> `1.24.4`, `go1.22` -> `1.22.0`, `go1.21rc2` ->
 * `1.21.0-rc.2`; anything after a space (`X:boringcrypto`) dropped. Undefined for `devel` builds.
 */
export function goVersionSemver(goVersion: string): string | undefined {
  const m = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?(?:\s|$|-)/.exec(goVersion.trim());
  if (!m) return undefined;
  const core = `${m[1]}.${m[2]}.${m[3] ?? '0'}`;
  return m[4] ? `${core}-${m[4]}.${m[5]}` : core;
}

/** Pure: a module version of build info as SEMVER (`v1.2.3+incompatible` -> `1.2.3`); undefined for `(devel)` and the like. */
export function moduleSemver(version: string): string | undefined {
  const v = version.startsWith('v') ? version.slice(1) : version;
  const parsed = semver.parse(v);
  return parsed ? parsed.version : undefined;
}

function cmp(a: string, b: string): number {
  if (a === '0') return b === '0' ? 0 : -1;
  if (b === '0') return 1;
  return semver.compare(a, b);
}

/**
 * Pure: whether `version` (SEMVER) is inside the SEMVER ranges, and the lowest `fixed` above it.
 * Events are sorted by version and walked as OSV says: introduced opens, fixed closes before,
 * last_affected closes after.
 */
export function affects(ranges: OsvRange[] | undefined, version: string): { affected: boolean; fixed?: string } {
  const semverRanges = (ranges ?? []).filter((r) => r.type === 'SEMVER');
  // An entry with no ranges affects every version.
  if (semverRanges.length === 0) return { affected: true };
  let affected = false;
  let fixed: string | undefined;
  for (const range of semverRanges) {
    const events = range.events
      .map((e) => ({ kind: Object.keys(e)[0] as 'introduced' | 'fixed' | 'last_affected', at: Object.values(e)[0] as string }))
      .filter((e) => typeof e.at === 'string' && (e.at === '0' || semver.valid(e.at)));
    events.sort((a, b) => cmp(a.at, b.at));
    let open = false;
    for (const e of events) {
      const c = cmp(version, e.at);
      if (e.kind === 'introduced' && c >= 0) open = true;
      else if (e.kind === 'fixed' && c >= 0) open = false;
      else if (e.kind === 'last_affected' && c > 0) open = false;
    }
    if (!open) continue;
    affected = true;
    const next = events.find((e) => e.kind === 'fixed' && cmp(e.at, version) > 0);
    if (next && (!fixed || cmp(next.at, fixed) < 0)) fixed = next.at;
  }
  return affected ? { affected, ...(fixed ? { fixed } : {}) } : { affected: false };
}

/** Pure: the imports of an entry's affected package that apply to a binary for `goos`/`goarch`. */
export function importsFor(affected: OsvAffected, goos: string | undefined, goarch: string | undefined): OsvImport[] {
  return (affected.ecosystem_specific?.imports ?? []).filter(
    (i) => (!i.goos?.length || !goos || i.goos.includes(goos)) && (!i.goarch?.length || !goarch || i.goarch.includes(goarch)),
  );
}

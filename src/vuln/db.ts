/**
 * The Go vulnerability database client: the official layout (`index/db.json`,
 * `index/modules.json`, `ID/<id>.json`) over http(s), as a `file://` directory, or as the
 * database's zip. Only the index and the entries of the modules present are read.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { ServiceGuard } from '../util/deadline.js';
import { guardedFetch } from '../util/http.js';
import semver from 'semver';
import { isOsvEntry, moduleSemver, type OsvEntry } from './osv.js';
import { ZipArchive } from './zip.js';

export const DEFAULT_VULN_DB = 'https://vuln.go.dev';

/** Where the database is: a URL (http/https), a directory of its layout, or its zip. */
export type VulnDbLocation = { kind: 'http'; url: string } | { kind: 'dir'; path: string } | { kind: 'zip'; path: string };

/** Pure: the `vuln-db` input; relative paths are relative to the workspace. */
export function parseVulnDb(raw: string, workspace: string): VulnDbLocation {
  const v = raw.trim() || DEFAULT_VULN_DB;
  const expected = 'Expected an http(s) URL such as https://vuln.go.dev, a file:// directory, or the path of the database zip.';
  if (/^https?:\/\//i.test(v)) {
    try {
      return { kind: 'http', url: new URL(v).href.replace(/\/+$/, '') };
    } catch {
      throw new InputError('vuln-db', `'${v}' is not a valid URL. ${expected}`);
    }
  }
  if (/^file:\/\//i.test(v)) {
    let path: string;
    try {
      path = fileURLToPath(v);
    } catch {
      throw new InputError('vuln-db', `'${v}' is not a valid file:// URL. ${expected}`);
    }
    return path.toLowerCase().endsWith('.zip') ? { kind: 'zip', path } : { kind: 'dir', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) throw new InputError('vuln-db', `'${v}' uses a scheme that is not read. ${expected}`);
  const path = isAbsolute(v) ? v : resolve(workspace, v);
  if (!path.toLowerCase().endsWith('.zip')) throw new InputError('vuln-db', `'${v}' is a path but not of a .zip file. ${expected}`);
  return { kind: 'zip', path };
}

/** Pure: the location in words, for messages. */
export function describeDb(db: VulnDbLocation): string {
  return db.kind === 'http' ? db.url : db.kind === 'dir' ? `file://${db.path}` : db.path;
}

/** One database's deadlines for a run: one call, and all calls together. */
export const VULN_DB_BUDGET = { callMs: 20_000, totalMs: 45_000 };

/** Reads files of the database's layout by their path (`index/modules.json`); counts the bytes read. */
export interface DbReader {
  read(path: string): Promise<Buffer>;
  bytes: number;
}

class HttpReader implements DbReader {
  bytes = 0;
  private readonly base: string;
  private readonly guard: ServiceGuard;
  constructor(base: string, guard: ServiceGuard) {
    this.base = base;
    this.guard = guard;
  }
  async read(path: string): Promise<Buffer> {
    const res = await guardedFetch(this.guard, path, `${this.base}/${path}`, {}, { retries: 1, idempotent: true, buffer: true });
    if (!res.ok) throw new Error(`${this.base}/${path} answered HTTP ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    this.bytes += body.length;
    return body;
  }
}

class DirReader implements DbReader {
  bytes = 0;
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  async read(path: string): Promise<Buffer> {
    const body = await readFile(join(this.dir, path));
    this.bytes += body.length;
    return body;
  }
}

class ZipReader implements DbReader {
  bytes = 0;
  private archive?: Promise<{ zip: ZipArchive; prefix: string }>;
  private readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
  private open(): Promise<{ zip: ZipArchive; prefix: string }> {
    this.archive ??= readFile(this.path).then((data) => {
      this.bytes += data.length;
      const zip = new ZipArchive(data);
      // Some archives put the tree under one top directory.
      const index = zip.names().find((n) => n === 'index/modules.json' || n.endsWith('/index/modules.json'));
      if (!index) throw new Error('the zip holds no index/modules.json');
      return { zip, prefix: index.slice(0, index.length - 'index/modules.json'.length) };
    });
    return this.archive;
  }
  async read(path: string): Promise<Buffer> {
    const { zip, prefix } = await this.open();
    const body = zip.read(prefix + path);
    if (!body) throw new Error(`the zip holds no ${path}`);
    return body;
  }
}

/** The reader of a database, with its own deadlines when it is a service. */
export function dbReader(db: VulnDbLocation, deadlineScale = 1): DbReader {
  if (db.kind === 'dir') return new DirReader(db.path);
  if (db.kind === 'zip') return new ZipReader(db.path);
  const host = new URL(db.url).host;
  return new HttpReader(
    db.url,
    new ServiceGuard({ name: `the vulnerability database ${host}`, ...VULN_DB_BUDGET }, Date.now, deadlineScale),
  );
}

/** One line of `index/modules.json`: a module and the IDs of the entries that name it. */
export interface ModuleIndexEntry {
  path: string;
  vulns: { id: string; fixed?: string }[];
}

function json(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error(`${what} is not JSON`);
  }
}

/** Pure: checks and reads the modules index. */
export function parseModulesIndex(value: unknown): ModuleIndexEntry[] {
  const ok =
    Array.isArray(value) &&
    value.every(
      (m: Partial<ModuleIndexEntry>) =>
        m && typeof m.path === 'string' && Array.isArray(m.vulns) && m.vulns.every((v) => v && typeof v.id === 'string'),
    );
  if (!ok) throw new Error('index/modules.json is not a list of modules with their vulnerability IDs');
  return value as ModuleIndexEntry[];
}

/** IDs are written into paths: only the database's own form is asked for. */
const ID_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The modules present and the versions of each the binaries ship, as SEMVER (the standard library's `go1.24.4` as `1.24.4`). */
export type ShippedVersions = ReadonlyMap<string, readonly string[]>;

/**
 * Pure: whether an entry may affect one of the versions shipped, by the index alone. Like
 * govulncheck's client: `fixed` is the entry's latest fixed version, so versions at or above it
 * are not affected and the entry is not fetched; an entry without `fixed` (no fix yet), with a
 * `fixed` that is not SEMVER, or a module of unknown version, is always fetched.
 */
export function mayAffect(vuln: ModuleIndexEntry['vulns'][number], versions: readonly string[] | undefined): boolean {
  const fixed = typeof vuln.fixed === 'string' ? moduleSemver(vuln.fixed) : undefined;
  if (!fixed || !versions || versions.length === 0) return true;
  return versions.some((v) => !semver.valid(v) || semver.lt(v, fixed));
}

/** Pure: the IDs the index lists for the modules present that may affect the versions shipped, each once, in order. */
export function idsFor(index: readonly ModuleIndexEntry[], modules: ShippedVersions): string[] {
  const ids = new Set<string>();
  for (const m of index) {
    if (!modules.has(m.path)) continue;
    const versions = modules.get(m.path);
    for (const v of m.vulns) if (ID_FORM.test(v.id) && mayAffect(v, versions)) ids.add(v.id);
  }
  return [...ids];
}

/** The entries that name the modules present, read with at most a few requests at a time. */
export async function fetchEntries(reader: DbReader, modules: ShippedVersions, parallel = 8): Promise<OsvEntry[]> {
  const meta = json(await reader.read('index/db.json'), 'index/db.json');
  if (!meta || typeof meta !== 'object' || typeof (meta as { modified?: unknown }).modified !== 'string')
    throw new Error('index/db.json does not say when the database was modified');
  const index = parseModulesIndex(json(await reader.read('index/modules.json'), 'index/modules.json'));
  const ids = idsFor(index, modules);
  const entries: OsvEntry[] = new Array<OsvEntry>(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < ids.length; i = next++) {
      const entry = json(await reader.read(`ID/${ids[i]}.json`), `ID/${ids[i]}.json`);
      if (!isOsvEntry(entry)) throw new Error(`ID/${ids[i]}.json is not an OSV entry`);
      entries[i] = entry;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, ids.length) }, worker));
  return entries;
}

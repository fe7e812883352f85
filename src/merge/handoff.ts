/**
 * What a per-platform job (`push-by-digest: true`) hands to the merge job of the same run,
 * one record per platform, as an artifact of the run (or through the Actions cache). Pure: the
 * keys (also the artifacts' names), the record, and reading a record back. What comes back is
 * untrusted input: `parseHandoff` checks every field the merge job reads, bounds every string
 * and list, and builds a fresh record from them.
 */
import { shortHash, slug } from '../go-cache/keys.js';
import type { GoSummary, PlatformReport } from '../size/report.js';
import { isRecord } from '../util/json.js';
import type { VulnFinding, VulnStatus } from '../vuln/scan.js';
import { isImageReferenceError, parseImageReference } from '../util/reference.js';

export const HANDOFF_SCHEMA = 1;

/** Where the record lives while @actions/cache packs or unpacks it: the same relative path in every job (it is part of the entry's version). */
export const HANDOFF_PATH = '.go-container-action-merge/handoff.json';

const KEY_ROOT = 'go-container-action-merge-v1';

/** A platform's measurement as the merge job reads it: what the size report of that platform measured. */
export type HandoffSize = Pick<PlatformReport, 'platform' | 'manifestDigest' | 'compressedBytes' | 'uncompressedBytes' | 'layers' | 'go'>;

export type SmokeStatus = 'passed' | 'failed' | 'skipped';

/** A platform's known vulnerabilities, as its job found them (before any baseline); or why they were not checked. */
export interface HandoffVulns {
  checked: boolean;
  note?: string;
  findings: VulnFinding[];
}

/** One platform's result, as its job left it for the merge job. */
export interface PlatformHandoff {
  schema: typeof HANDOFF_SCHEMA;
  runId: string;
  runAttempt: string;
  /** What names the image in both jobs (see handoffImage). */
  image: string;
  platform: string;
  /** The platform manifest's digest: in the registry when pushed, else in the job's OCI layout. Null: the build produced none. */
  digest: string | null;
  /** Whether the job pushed it (by digest) to every repository. */
  pushed: boolean;
  repositories: string[];
  /** The version the job built. */
  version: string;
  /** Its size report for this platform (the merge job compares with the baseline itself). Null: not measured. */
  size: HandoffSize | null;
  smoke: { status: SmokeStatus; detail?: string };
  /** The platform check of this platform's Go binary. */
  platformCheck: { errors: string[]; warnings: string[]; unchecked: string[] };
  /** Why the job failed (empty: every check passed). */
  failures: string[];
  /** Its known-vulnerability scan; absent with vuln-check off (and from jobs of earlier versions). */
  vulns?: HandoffVulns;
}

/** Who asks: the run, and the image both kinds of job name alike. */
export interface HandoffScope {
  runId: string;
  runAttempt: string;
  image: string;
}

/**
 * Pure: what names the image in the keys: its repositories (those of the tags, sorted), else
 * the stable name of an image that is not pushed (the Dockerfile and target, see imageName).
 */
export function handoffImage(repositories: readonly string[], name: string): string {
  return repositories.length > 0 ? [...repositories].sort().join(',') : name;
}

function attemptNumber(attempt: string): number {
  const n = Number.parseInt(attempt, 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/**
 * Pure: the key of one platform's record in one attempt. Every part that varies is hashed
 * as well as shown, and the key ends with a fixed-length hash, so no key is the prefix of another
 * (linux/arm is not found for linux/arm64, nor attempt 1 for attempt 10).
 */
export function handoffKey(scope: HandoffScope, platform: string): string {
  const run = `${slug(scope.runId, 20)}-${attemptNumber(scope.runAttempt)}`;
  return `${KEY_ROOT}-${run}-${shortHash(scope.image)}-${slug(platform, 30)}-${shortHash(platform, 8)}`;
}

/**
 * Pure: where the merge job looks for a platform, in order: this attempt, then each earlier
 * one, newest first (re-running failed jobs reruns only those: the others' records stay in their attempt).
 */
export function handoffKeys(scope: HandoffScope, platform: string): string[] {
  const keys: string[] = [];
  for (let a = attemptNumber(scope.runAttempt); a >= 1; a--) keys.push(handoffKey({ ...scope, runAttempt: String(a) }, platform));
  return keys;
}

export function serializeHandoff(record: PlatformHandoff): string {
  return JSON.stringify(record);
}

/** Bounds on what a record may hold. */
const LIMITS = { text: 4_000, list: 64, layers: 512, modules: 2_000, bytes: 2 ** 53 - 1 };
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Thrown (and caught in parseHandoff) when a field is not what the record promises. */
class Invalid extends Error {}

function text(value: unknown, what: string, max = LIMITS.text): string {
  if (typeof value !== 'string' || value.length > max) throw new Invalid(`${what} is not a string of at most ${max} characters`);
  return value;
}

function optionalText(value: unknown, what: string): string | undefined {
  return value === undefined ? undefined : text(value, what);
}

function texts(value: unknown, what: string, max = LIMITS.list): string[] {
  if (!Array.isArray(value) || value.length > max) throw new Invalid(`${what} is not a list of at most ${max}`);
  return value.map((v, i) => text(v, `${what}[${i}]`));
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Invalid(`${what} is not a byte count`);
  return value;
}

function digest(value: unknown, what: string): string {
  if (typeof value !== 'string' || !DIGEST.test(value)) throw new Invalid(`${what} is not a sha256 digest`);
  return value;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Invalid(`${what} is not an object`);
  return value;
}

function repository(value: unknown, i: number): string {
  const name = text(value, `repositories[${i}]`, 255);
  const parsed = parseImageReference(name);
  if (isImageReferenceError(parsed) || parsed.tag || parsed.digest) throw new Invalid(`repositories[${i}] is not a repository`);
  return name;
}

function layer(value: unknown, i: number): HandoffSize['layers'][number] {
  const l = record(value, `layers[${i}]`);
  const instruction = l.instruction === null ? null : text(l.instruction, `layers[${i}].instruction`);
  const uncompressedBytes = l.uncompressedBytes === null ? null : count(l.uncompressedBytes, `layers[${i}].uncompressedBytes`);
  const diffId = l.diffId === undefined ? undefined : digest(l.diffId, `layers[${i}].diffId`);
  return {
    digest: digest(l.digest, `layers[${i}].digest`),
    ...(diffId ? { diffId } : {}),
    compressedBytes: count(l.compressedBytes, `layers[${i}].compressedBytes`),
    uncompressedBytes,
    instruction,
  };
}

function goModule(value: unknown, i: number): GoSummary['modules'][number] {
  const m = record(value, `go.modules[${i}]`);
  const replaced = m.replacedBy === undefined ? undefined : record(m.replacedBy, `go.modules[${i}].replacedBy`);
  const module = { path: text(m.path, `go.modules[${i}].path`, 500), version: text(m.version, `go.modules[${i}].version`, 200) };
  return replaced
    ? {
        ...module,
        replacedBy: { path: text(replaced.path, 'replacedBy.path', 500), version: text(replaced.version, 'replacedBy.version', 200) },
      }
    : module;
}

function goSummary(value: unknown): GoSummary | null {
  if (value === null) return null;
  const g = record(value, 'go');
  if (!Array.isArray(g.modules) || g.modules.length > LIMITS.modules)
    throw new Invalid(`go.modules is not a list of at most ${LIMITS.modules}`);
  return {
    path: text(g.path, 'go.path', 1_000),
    sizeBytes: count(g.sizeBytes, 'go.sizeBytes'),
    goVersion: text(g.goVersion, 'go.goVersion', 100),
    package: text(g.package, 'go.package', 500),
    mainModule: g.mainModule === null ? null : text(g.mainModule, 'go.mainModule', 500),
    modules: g.modules.map(goModule),
  };
}

function size(value: unknown, platform: string): HandoffSize | null {
  if (value === null) return null;
  const s = record(value, 'size');
  if (s.platform !== platform) throw new Invalid("size.platform is not the record's platform");
  if (!Array.isArray(s.layers) || s.layers.length > LIMITS.layers)
    throw new Invalid(`size.layers is not a list of at most ${LIMITS.layers}`);
  return {
    platform,
    manifestDigest: digest(s.manifestDigest, 'size.manifestDigest'),
    compressedBytes: count(s.compressedBytes, 'size.compressedBytes'),
    uncompressedBytes: count(s.uncompressedBytes, 'size.uncompressedBytes'),
    layers: s.layers.map(layer),
    go: goSummary(s.go),
  };
}

const SMOKE = new Set<unknown>(['passed', 'failed', 'skipped']);

function smoke(value: unknown): PlatformHandoff['smoke'] {
  const s = record(value, 'smoke');
  if (!SMOKE.has(s.status)) throw new Invalid('smoke.status is not passed, failed or skipped');
  const detail = optionalText(s.detail, 'smoke.detail');
  return { status: s.status as SmokeStatus, ...(detail !== undefined ? { detail } : {}) };
}

function platformCheck(value: unknown): PlatformHandoff['platformCheck'] {
  const c = record(value, 'platformCheck');
  return {
    errors: texts(c.errors, 'platformCheck.errors'),
    warnings: texts(c.warnings, 'platformCheck.warnings'),
    unchecked: texts(c.unchecked, 'platformCheck.unchecked'),
  };
}

const VULN_STATUS = new Set<unknown>(['new', 'fixed', 'unchanged']);

function finding(value: unknown, i: number, platform: string): VulnFinding {
  const f = record(value, `vulns.findings[${i}]`);
  const at = `vulns.findings[${i}]`;
  if (typeof f.called !== 'boolean') throw new Invalid(`${at}.called is not true or false`);
  if (!VULN_STATUS.has(f.status)) throw new Invalid(`${at}.status is not new, fixed or unchanged`);
  return {
    id: text(f.id, `${at}.id`, 100),
    aliases: texts(f.aliases, `${at}.aliases`),
    module: text(f.module, `${at}.module`, 500),
    version: text(f.version, `${at}.version`, 200),
    fixed: f.fixed === null ? null : text(f.fixed, `${at}.fixed`, 200),
    called: f.called,
    symbols: texts(f.symbols, `${at}.symbols`, 500),
    platforms: [platform],
    status: f.status as VulnStatus,
  };
}

function vulns(value: unknown, platform: string): HandoffVulns | undefined {
  if (value === undefined) return undefined;
  const v = record(value, 'vulns');
  if (typeof v.checked !== 'boolean') throw new Invalid('vulns.checked is not true or false');
  if (!Array.isArray(v.findings) || v.findings.length > LIMITS.modules)
    throw new Invalid(`vulns.findings is not a list of at most ${LIMITS.modules}`);
  const note = optionalText(v.note, 'vulns.note');
  return {
    checked: v.checked,
    ...(note !== undefined ? { note } : {}),
    findings: v.findings.map((f, i) => finding(f, i, platform)),
  };
}

/** Checks the parts that say whose record it is; throws Invalid naming the first that is not this scope's. */
function checkScope(r: Record<string, unknown>, scope: HandoffScope, platform: string): void {
  if (r.schema !== HANDOFF_SCHEMA) throw new Invalid(`its schema is not ${HANDOFF_SCHEMA}`);
  if (r.runId !== scope.runId) throw new Invalid('it is of another run');
  if (r.image !== scope.image) throw new Invalid('it is of another image');
  if (r.platform !== platform) throw new Invalid('it is of another platform');
  if (typeof r.runAttempt !== 'string' || !/^[1-9][0-9]{0,5}$/.test(r.runAttempt)) throw new Invalid('runAttempt is not a number');
}

/**
 * Pure: a record read back (an artifact or the cache), checked against what was asked for (this run,
 * this image, this platform); the reason when it cannot be used.
 */
export function parseHandoff(raw: string, scope: HandoffScope, platform: string): PlatformHandoff | { invalid: string } {
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new Invalid('it is not JSON');
    }
    const r = record(parsed, 'the record');
    checkScope(r, scope, platform);
    if (typeof r.pushed !== 'boolean') throw new Invalid('pushed is not true or false');
    const manifest = r.digest === null ? null : digest(r.digest, 'digest');
    if (r.pushed && manifest === null) throw new Invalid('it was pushed without a digest');
    if (!Array.isArray(r.repositories) || r.repositories.length > LIMITS.list) throw new Invalid('repositories is not a list');
    const measured = size(r.size, platform);
    if (measured && manifest !== null && measured.manifestDigest !== manifest) throw new Invalid('its size report is of another manifest');
    return {
      schema: HANDOFF_SCHEMA,
      runId: scope.runId,
      runAttempt: r.runAttempt as string,
      image: scope.image,
      platform,
      digest: manifest,
      pushed: r.pushed,
      repositories: r.repositories.map(repository),
      version: text(r.version, 'version', 200),
      size: measured,
      smoke: smoke(r.smoke),
      platformCheck: platformCheck(r.platformCheck),
      failures: texts(r.failures, 'failures'),
      ...(r.vulns !== undefined ? { vulns: vulns(r.vulns, platform) } : {}),
    };
  } catch (error) {
    if (error instanceof Invalid) return { invalid: error.message };
    throw error;
  }
}

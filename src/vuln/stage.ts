/**
 * The vulnerability scan of the image's Go binaries: the database read once per run (its
 * index, then the entries of the modules present), each platform's binary scanned, the
 * findings joined over the platforms. A database that cannot be read is one warning and a
 * scan marked not checked; it never fails the step.
 */
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import type { GoProgram } from '../gobinary/buildinfo.js';
import { formatBytes } from '../util/bytes.js';
import { plural } from '../util/plural.js';
import { dbReader, describeDb, fetchEntries, type VulnDbLocation } from './db.js';
import { failingFindings, vulnFailure, type VulnCheck } from './policy.js';
import { compareFindings, mergeFindings, scanBinary, shippedModules, type ScanTarget, type VulnFinding } from './scan.js';

export interface VulnInputs {
  check: VulnCheck;
  db: VulnDbLocation;
}

/** What the scan of this image found, before the baseline; or why it could not be done. */
export type VulnScan =
  { checked: true; db: string; findings: VulnFinding[]; bytes: number; scanMs: number } | { checked: false; db: string; note: string };

/** The scan as the size report keeps it: compared with the baseline, judged by the policy. */
export interface VulnReport {
  checked: boolean;
  /** Why it was not checked. */
  note?: string;
  policy: VulnCheck;
  /** Whether the baseline's findings were known (else every finding is new). */
  compared: boolean;
  findings: VulnFinding[];
  /** The IDs that fail the step under the policy. */
  failing: string[];
}

/** Pure: a platform's binary as the scan reads it. */
export function scanTarget(platform: string, binary: GoProgram): ScanTarget {
  const settings = binary.buildInfo.settings;
  return {
    platform,
    goVersion: binary.buildInfo.goVersion,
    modules: binary.buildInfo.deps,
    goos: settings.GOOS ?? platform.split('/')[0],
    goarch: settings.GOARCH ?? platform.split('/')[1],
    symbols: binary.symbols,
  };
}

/** Pure: each module the binaries ship (the standard library too) with its versions over the platforms. */
export function shippedVersions(targets: readonly ScanTarget[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of targets.flatMap(shippedModules)) {
    const versions = out.get(m.path) ?? [];
    if (!versions.includes(m.semver)) versions.push(m.semver);
    out.set(m.path, versions);
  }
  return out;
}

/** Reads the database and scans each platform's binary; undefined when the policy is off. */
export async function scanImage(
  inputs: VulnInputs,
  binaries: Record<string, GoProgram | undefined>,
  reporter: Reporter,
  deadlineScale = 1,
): Promise<VulnScan | undefined> {
  if (inputs.check === 'off') return undefined;
  const db = describeDb(inputs.db);
  const targets = Object.entries(binaries).flatMap(([platform, b]) => (b ? [scanTarget(platform, b)] : []));
  if (targets.length === 0) return { checked: false, db, note: 'no Go binary found' };
  return reporter.group(`Scanning for known vulnerabilities (${db})`, async () => {
    const reader = dbReader(inputs.db, deadlineScale);
    const modules = shippedVersions(targets);
    let entries;
    try {
      entries = await fetchEntries(reader, modules);
    } catch (error) {
      reporter.warning(`The vulnerability database ${db} could not be read (${errorText(error)}); vulnerabilities are not checked.`);
      return { checked: false, db, note: `the database could not be read: ${errorText(error)}` };
    }
    const started = performance.now();
    for (const t of targets)
      if (!t.symbols) reporter.info(`${t.platform}: the function table could not be read; no vulnerability counts as called.`);
    const findings = mergeFindings(targets.map((t) => scanBinary(t, entries)));
    const scanMs = performance.now() - started;
    const called = findings.filter((f) => f.called).length;
    reporter.info(
      `Read ${plural(entries.length, 'entry', 'entries')} (${formatBytes(reader.bytes)}) for ${plural(modules.size, 'module')}; ` +
        `${plural(findings.length, 'vulnerability', 'vulnerabilities')}, ${called} called; matched in ${scanMs.toFixed(1)} ms.`,
    );
    return { checked: true, db, findings, bytes: reader.bytes, scanMs };
  });
}

/** Pure: the scan against the baseline's findings (undefined: none known), judged by the policy. */
export function vulnReport(scan: VulnScan, baseline: readonly VulnFinding[] | undefined, policy: VulnCheck): VulnReport {
  if (!scan.checked) return { checked: false, note: scan.note, policy, compared: false, findings: [], failing: [] };
  const findings = compareFindings(scan.findings, baseline);
  return { checked: true, policy, compared: baseline !== undefined, findings, failing: failingFindings(findings, policy).map((f) => f.id) };
}

/** Pure: the step's failure under the policy, if any. */
export function vulnFailures(report: VulnReport | undefined): string[] {
  if (!report?.checked) return [];
  const failing = report.findings.filter((f) => report.failing.includes(f.id) && f.status !== 'fixed');
  const message = vulnFailure(failing, report.policy);
  return message ? [message] : [];
}

/** Pure: the `vulnerabilities` output. */
export function vulnOutput(report: VulnReport | undefined): string {
  return JSON.stringify(
    (report?.findings ?? []).map((f) => ({
      id: f.id,
      aliases: f.aliases,
      module: f.module,
      version: f.version,
      fixed: f.fixed,
      called: f.called,
      symbols: f.symbols,
      platforms: f.platforms,
      status: f.status,
    })),
  );
}

/**
 * The merge job's one size report over every platform: the per-platform jobs' measurements put
 * together, compared with the baseline as a single job's would be (baseline, budgets, comment,
 * saved baseline), and the other checks' results (smoke test, platform check) combined.
 */
import type { FoundBaseline } from '../size/find-baseline.js';
import type { ReportExtras } from '../report/render.js';
import { buildReport, type SizeReport } from '../size/report.js';
import { platformCheckExtras, type PlatformCheck } from '../size/platform-check.js';
import type { SizeInputs } from '../size/inputs.js';
import type { PlatformHandoff, SmokeStatus } from './handoff.js';
import { mergeFindings } from '../vuln/scan.js';
import type { VulnScan } from '../vuln/stage.js';

/** Pure: the platforms' scans as one: not checked when one was not; undefined when none scanned (vuln-check off). */
export function mergedVulnScan(records: readonly PlatformHandoff[], db: string): VulnScan | undefined {
  const scanned = records.flatMap((r) => (r.vulns ? [{ platform: r.platform, ...r.vulns }] : []));
  if (scanned.length === 0) return undefined;
  const unchecked = scanned.find((s) => !s.checked);
  if (unchecked) return { checked: false, db, note: `${unchecked.platform}: ${unchecked.note ?? 'not checked'}` };
  return { checked: true, db, findings: mergeFindings(scanned.map((s) => s.findings)), bytes: 0, scanMs: 0 };
}

/** Pure: the smoke test over all platforms: failed if one failed, passed if every one passed, else skipped. */
export function mergedSmoke(records: readonly PlatformHandoff[]): { status: SmokeStatus; detail?: string } {
  const failed = records.filter((r) => r.smoke.status === 'failed');
  if (failed.length > 0)
    return { status: 'failed', detail: failed.map((r) => `${r.platform}${r.smoke.detail ? `: ${r.smoke.detail}` : ''}`).join('; ') };
  if (records.length > 0 && records.every((r) => r.smoke.status === 'passed'))
    return { status: 'passed', detail: `on ${records.map((r) => r.platform).join(', ')}` };
  return { status: 'skipped' };
}

/** Pure: the platform checks of every platform as one. */
export function mergedPlatformCheck(records: readonly PlatformHandoff[]): PlatformCheck {
  const errors = records.flatMap((r) => r.platformCheck.errors);
  const warnings = records.flatMap((r) => r.platformCheck.warnings);
  const unchecked = records.flatMap((r) => r.platformCheck.unchecked);
  const judged = records.some((r) => r.size?.go);
  return { status: errors.length > 0 ? 'failed' : judged ? 'passed' : 'skipped', errors, warnings, unchecked };
}

export interface MergedReportInput {
  /** What the report names: the first tag, else the image's stable name. */
  image: string;
  /** The index's digest ('' when nothing was pushed). */
  digest: string;
  version: string;
  commit?: string;
  ref?: string;
  size: Pick<SizeInputs, 'budget' | 'increase' | 'mode'>;
}

/** Pure: the report of every measured platform, against the baseline found. */
export function mergedReport(input: MergedReportInput, records: readonly PlatformHandoff[], found: FoundBaseline): SizeReport {
  const measured = records.flatMap((r) => (r.size ? [r.size] : []));
  return buildReport({
    image: input.image,
    digest: input.digest,
    version: input.version,
    commit: input.commit,
    ref: input.ref,
    measured: { digest: input.digest, platforms: measured },
    go: {},
    goSummaries: Object.fromEntries(measured.map((m) => [m.platform, m.go])),
    baseline: found.baseline,
    baselineNote: found.note,
    budget: input.size.budget,
    increase: input.size.increase,
    mode: input.size.mode,
  });
}

/** Pure: what the report shows besides the sizes. */
export function mergedExtras(records: readonly PlatformHandoff[], version: string): ReportExtras {
  return { version, smoke: mergedSmoke(records), platformCheck: platformCheckExtras(mergedPlatformCheck(records)) };
}

/**
 * The run's outcome as the report's headline shows it: the worst of the size budget, the smoke
 * test, the platform check and the Dockerfile findings, with the reasons a reader needs.
 */
import type { ReportedFinding } from '../checks/catalog.js';
import { plural } from '../util/plural.js';
import type { Status } from '../size/budget.js';
import type { SizeReport } from '../size/report.js';

/** The other stages' results the headline weighs (a slice of the report's extras). */
export interface OutcomeInputs {
  smoke?: { status: 'passed' | 'failed' | 'skipped' };
  findings?: Pick<ReportedFinding, 'id' | 'level'>[];
  platformCheck?: { status: 'passed' | 'failed' | 'skipped'; problems: string[] };
}

export interface OutcomeReason {
  level: 'fail' | 'warn';
  /** Plain words; check ids are the only outside text, and they come from the catalog. */
  text: string;
}

export interface RunOutcome {
  status: Status;
  /** Why the status is not `pass`: failures first. */
  reasons: OutcomeReason[];
}

function findingReasons(findings: Pick<ReportedFinding, 'id' | 'level'>[]): OutcomeReason[] {
  const reasons: OutcomeReason[] = [];
  for (const [level, noun, as] of [
    ['error', 'Dockerfile check error', 'fail'],
    ['warning', 'Dockerfile warning', 'warn'],
  ] as const) {
    const some = findings.filter((f) => f.level === level);
    if (some.length > 0)
      reasons.push({ level: as, text: `${plural(some.length, noun)} (${[...new Set(some.map((f) => f.id))].join(', ')})` });
  }
  return reasons;
}

/** Pure: the worst outcome of the run and why. Notices and skipped steps change nothing. */
export function runOutcome(report: Pick<SizeReport, 'status' | 'vulnerabilities'>, extras: OutcomeInputs): RunOutcome {
  const reasons: OutcomeReason[] = [];
  const failing = report.vulnerabilities?.failing ?? [];
  if (failing.length > 0)
    reasons.push({
      level: 'fail',
      text: `known ${failing.length === 1 ? 'vulnerability' : 'vulnerabilities'} called (${failing.map((id) => id.replace(/[^A-Za-z0-9._-]/g, '_')).join(', ')})`,
    });
  if (extras.smoke?.status === 'failed') reasons.push({ level: 'fail', text: 'smoke test failed' });
  if (extras.platformCheck?.status === 'failed') reasons.push({ level: 'fail', text: 'platform check failed' });
  if (report.status === 'fail') reasons.push({ level: 'fail', text: 'over the size budget' });
  if (report.status === 'warn') reasons.push({ level: 'warn', text: 'over the size budget (warning only)' });
  reasons.push(...findingReasons(extras.findings ?? []));
  reasons.sort((a, b) => (a.level === b.level ? 0 : a.level === 'fail' ? -1 : 1));
  const status: Status = reasons.some((r) => r.level === 'fail') ? 'fail' : reasons.length > 0 ? 'warn' : 'pass';
  return { status, reasons };
}

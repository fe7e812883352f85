/**
 * The known-vulnerability section of the size report: a headline count, one row per called
 * vulnerability (new, fixed, still there), the ones not called collapsed. Pure; every string
 * from the database or the binary is escaped or in a code span.
 */
import type { VulnFinding, VulnStatus } from '../vuln/scan.js';
import type { VulnReport } from '../vuln/stage.js';
import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import { plural } from '../util/plural.js';

const STATUS_WORD: Record<VulnStatus, string> = { new: '🆕 new', fixed: '✅ fixed', unchanged: 'still there' };
const MAX_SYMBOLS = 6;

/** Pure: the vulnerability's page. IDs are the database's own form; anything else is encoded. */
export function vulnLink(id: string): string {
  return `[${escapeMarkdown(id)}](https://pkg.go.dev/vuln/${encodeURIComponent(id)})`;
}

function symbolsCell(f: VulnFinding): string {
  if (f.symbols.length === 0) return '—';
  const shown = f.symbols.slice(0, MAX_SYMBOLS).map(inlineCode).join(', ');
  return f.symbols.length > MAX_SYMBOLS ? `${shown} and ${f.symbols.length - MAX_SYMBOLS} more` : shown;
}

function row(f: VulnFinding, failing: boolean): string {
  const fixed = f.fixed ? ` → ${inlineCode(f.fixed)}` : ' (no fix yet)';
  const status = `${failing ? '❌ ' : ''}${STATUS_WORD[f.status]}`;
  return `| ${status} | ${vulnLink(f.id)} | ${inlineCode(`${f.module}@${f.version}`)}${fixed} | ${symbolsCell(f)} | ${f.platforms.map(inlineCode).join(' ')} |`;
}

const HEADER = ['| Status | Vulnerability | Module → fixed in | Symbols found | Platforms |', '|---|---|---|---|---|'];

/** Pure: `1 new, 1 fixed, 2 still there` of the called ones. */
export function calledCounts(findings: readonly VulnFinding[]): string {
  const called = findings.filter((f) => f.called);
  const n = (s: VulnStatus): number => called.filter((f) => f.status === s).length;
  return `${n('new')} new, ${n('fixed')} fixed, ${n('unchanged')} still there`;
}

/** Pure: the section's lines; none when the scan is off. */
export function vulnLines(report: VulnReport | undefined): string[] {
  if (!report) return [];
  if (!report.checked) return [`**🛡️ Known vulnerabilities:** not checked (${escapeMarkdown(report.note ?? 'no reason given')})`];
  if (report.findings.length === 0)
    return ['**🛡️ Known vulnerabilities:** none in the standard library or the modules the Go binaries ship'];
  const failing = new Set(report.failing);
  const called = report.findings.filter((f) => f.called);
  const notCalled = report.findings.filter((f) => !f.called);
  const icon = failing.size > 0 ? '❌' : called.some((f) => f.status !== 'fixed') ? '⚠️' : '🛡️';
  const head =
    `**${icon} Known vulnerabilities:** called: ${calledCounts(report.findings)}; not called: ${notCalled.length}` +
    (report.compared ? '' : ' (no baseline to compare with: all are new)') +
    (failing.size > 0 ? ` · fails vuln-check: ${report.policy}` : '');
  const lines = [head];
  if (called.length > 0) lines.push('', ...HEADER, ...called.map((f) => row(f, failing.has(f.id) && f.status !== 'fixed')));
  if (notCalled.length > 0)
    lines.push(
      '',
      `<details><summary>${plural(notCalled.length, 'vulnerability', 'vulnerabilities')} in modules the binaries ship, not called (no vulnerable symbol linked)</summary>`,
      '',
      ...HEADER,
      ...notCalled.map((f) => row(f, false)),
      '',
      '</details>',
    );
  return lines;
}

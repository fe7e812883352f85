/**
 * The other checks' part of the size report: the Dockerfile findings (collapsed, with a count
 * line) and the platform check. Pure; every outside string is escaped or in a code span.
 */
import type { ReportedFinding } from '../checks/catalog.js';
import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import { plural } from '../util/plural.js';

const LEVEL_ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;
const LEVELS = ['error', 'warning', 'notice'] as const;

/** Pure: `1 error, 2 warnings`: the findings counted by level, worst first. */
export function findingCounts(findings: Pick<ReportedFinding, 'level'>[]): string {
  return LEVELS.map((level) => [level, findings.filter((f) => f.level === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => plural(n, level))
    .join(', ');
}

function findingRow(f: ReportedFinding): string {
  const where = `${inlineCode(`${f.file}:${f.line}`)}${f.text ? `<br>${inlineCode(f.text)}` : ''}`;
  return `| ${LEVEL_ICON[f.level]} | **${escapeMarkdown(f.id)}** ${escapeMarkdown(f.title)} | ${where} | ${escapeMarkdown(f.message)} |`;
}

/** Pure: the Dockerfile findings, collapsed under a line that counts them; nothing without findings. */
export function findingsLines(findings: ReportedFinding[] | undefined): string[] {
  if (!findings || findings.length === 0) return [];
  const sorted = [...findings].sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
  return [
    `<details><summary>🧭 Dockerfile checks: ${findingCounts(findings)}</summary>`,
    '',
    '| | Check | Where | Finding |',
    '|---|---|---|---|',
    ...sorted.map(findingRow),
    '',
    '</details>',
  ];
}

export type PlatformCheck = { status: 'passed' | 'failed' | 'skipped'; problems: string[] };

const CHECK_ICON = { passed: '✅', skipped: '⏭️' } as const;

/**
 * Pure: the platform check as a fact of the run (`platform check ✅ passed`); undefined when it
 * failed (its problems get a block of their own) or was skipped without a word.
 */
export function platformCheckFact(check: PlatformCheck | undefined): string | undefined {
  if (!check || check.status === 'failed') return undefined;
  if (check.status === 'skipped')
    return check.problems[0] ? `platform check ${CHECK_ICON.skipped} skipped: ${escapeMarkdown(check.problems[0])}` : undefined;
  return `platform check ${CHECK_ICON.passed} passed`;
}

/** Pure: a failed platform check's problems, one item each, in plain sight. */
export function platformProblemLines(check: PlatformCheck | undefined): string[] {
  if (check?.status !== 'failed') return [];
  const problems = check.problems.length > 0 ? check.problems : ['the Go binary does not match its platform'];
  return ['**❌ Platform check failed:**', '', ...problems.map((p) => `- ${escapeMarkdown(p)}`)];
}

import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import { CHECKS, type Finding } from './catalog.js';
import type { CheckMode } from './mode.js';
import { plural } from '../util/plural.js';

const ICON = { warning: '⚠️', notice: 'ℹ️', error: '❌' } as const;

/** Pure: the job-summary section of the Dockerfile checks. Dockerfile text is escaped. */
export function renderChecksSummary(findings: Finding[], files: { dockerfile: string; dockerignore: string }, mode: CheckMode): string {
  const title = '### 🧭 Dockerfile checks';
  if (findings.length === 0) return `${title}\n\n✅ No findings in ${inlineCode(files.dockerfile)}.`;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  const notices = findings.length - warnings;
  const counts = [warnings && `${plural(warnings, 'warning')}`, notices && `${plural(notices, 'notice')}`].filter(Boolean).join(', ');
  const verdict = mode === 'error' && warnings > 0 ? ' — the step fails (`dockerfile-checks: error`)' : '';
  const rows = findings.map((f) => {
    const level = mode === 'error' && f.level === 'warning' ? 'error' : f.level;
    const where = `${inlineCode(`${files[f.file]}:${f.line}`)}${f.text ? `<br>${inlineCode(f.text)}` : ''}`;
    return `| ${ICON[level]} | **${f.id}** ${escapeMarkdown(CHECKS[f.id].title)} | ${where} | ${escapeMarkdown(f.message)} |`;
  });
  return [
    title,
    '',
    `${counts} in ${inlineCode(files.dockerfile)}${verdict}. Each check and its fix: the action's README, "Dockerfile checks".`,
    '',
    '| | Check | Where | Finding |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

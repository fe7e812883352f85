/**
 * The fan-out's parts of the job summary: what a per-platform job handed to the merge job, and
 * the merge itself (each platform, the index, whether the tags moved). Pure; every string from
 * outside (platforms, digests, tags, failures read back from the hand-off) is escaped.
 */
import type { TagState } from '../buildx/summary.js';
import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import type { PlatformHandoff } from './handoff.js';

const SMOKE_ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const;

function resultCell(r: PlatformHandoff): string {
  if (r.failures.length > 0) return `❌ ${r.failures.map(escapeMarkdown).join('<br>')}`;
  return '✅ passed';
}

function rows(records: readonly PlatformHandoff[]): string[] {
  const lines = ['| Platform | Manifest | Smoke test | Checks |', '|---|---|:-:|---|'];
  for (const r of records) {
    lines.push(
      `| ${inlineCode(r.platform)} | ${r.digest ? inlineCode(r.digest) : '—'}${r.pushed ? '' : ' (not pushed)'} | ${SMOKE_ICON[r.smoke.status]} | ${resultCell(r)} |`,
    );
  }
  return lines;
}

/** Pure: a per-platform job's section: what it handed off (or could not). */
export function renderHandoffSummary(records: readonly PlatformHandoff[], failure?: string): string {
  const said = failure
    ? `❌ ${escapeMarkdown(failure)}`
    : `Handed to the merge job of run ${inlineCode(records[0]?.runId ?? '')} (attempt ${escapeMarkdown(records[0]?.runAttempt ?? '')}); no tag moved: the merge job tags the index.`;
  return ['### 🧩 Part of a multi-platform image', '', said, '', ...rows(records)].join('\n');
}

export interface MergeSummaryInput {
  records: readonly PlatformHandoff[];
  /** The platforms asked for that no job handed off. */
  missing: readonly string[];
  tags: readonly string[];
  push: boolean;
  /** The index's digest, when it was created. */
  digest?: string;
  tagging?: TagState;
}

function tagsLine(input: MergeSummaryInput): string {
  const forward = (input.tagging?.forward ?? []).map((s) => `- ${escapeMarkdown(s)}`);
  return [tagsState(input), ...forward].join('\n');
}

function tagsState(input: MergeSummaryInput): string {
  const kept = new Set(input.tagging?.kept ?? []);
  const moved = input.tags.filter((t) => !kept.has(t));
  const tags = input.tags.length ? input.tags.map(inlineCode).join(', ') : '_none_';
  if (input.tagging?.applied && kept.size > 0)
    return moved.length ? `Tags: ${moved.map(inlineCode).join(', ')} ✅ now name the index` : 'Tags: none moved';
  if (!input.push) return `Tags: ${tags} (not pushed: push is false; the reports are merged only)`;
  if (input.tagging?.applied) return `Tags: ${tags} ✅ now name the index`;
  const standings = input.tagging?.standings;
  if (standings?.length)
    return [
      `Tags: ❌ ${escapeMarkdown(input.tagging?.reason ?? 'tagging failed')}`,
      ...standings.map((s) => `- ${escapeMarkdown(s)}`),
    ].join('\n');
  return `Tags: ${tags} stay where they were (${escapeMarkdown(input.tagging?.reason ?? 'not tagged')})`;
}

/** Pure: the merge job's section. */
export function renderMergeSummary(input: MergeSummaryInput): string {
  const lines = ['### 🧩 Multi-platform merge', ''];
  if (input.missing.length > 0)
    lines.push(`❌ No result of ${input.missing.map(inlineCode).join(', ')} from this run's per-platform jobs.`, '');
  if (input.digest) lines.push(`Index: ${inlineCode(input.digest)}`, '');
  lines.push(tagsLine(input));
  if (input.records.length > 0) lines.push('', ...rows(input.records));
  return lines.join('\n');
}

import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import type { Status } from '../size/budget.js';
import { formatBytes } from '../util/bytes.js';
import { plural } from '../util/plural.js';
import { formatDelta, formatPercent } from '../size/units.js';
import {
  changedLayers,
  platformModuleDiff,
  type Baseline,
  type LayerChange,
  type PlatformReport,
  type SizeReport,
} from '../size/report.js';
import { moduleVersion } from '../size/goinfo.js';
import type { ReportedFinding } from '../checks/catalog.js';
import { runOutcome } from './outcome.js';
import { vulnLines } from './render-vulns.js';
import { findingsLines, platformCheckFact, platformProblemLines, type PlatformCheck } from './render-checks.js';

/** What other stages add to the size table (the version built, the smoke test's result). */
export interface ReportExtras {
  version?: string;
  smoke?: { status: 'passed' | 'failed' | 'skipped'; detail?: string };
  /** The Dockerfile checks' findings. */
  findings?: ReportedFinding[];
  /** Each platform's Go binary against the platform: one plain sentence per problem. */
  platformCheck?: PlatformCheck;
}

/** GitHub rejects issue comments longer than this. */
export const COMMENT_LIMIT = 65_536;

const STATUS_ICON: Record<Status, string> = { pass: '✅', warn: '⚠️', fail: '❌' };
const SMOKE_ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const;
const MAX_INSTRUCTION = 100;

/** The hidden line that finds the comment again: it names the image, encoded so it cannot end the HTML comment. */
export function commentMarker(image: string): string {
  return `<!-- go-container-action:size image=${encodeURIComponent(image)} -->`;
}

function instructionCell(text: string | null): string {
  if (!text) return '_unknown_';
  const short = text.length > MAX_INSTRUCTION ? `${text.slice(0, MAX_INSTRUCTION - 1)}…` : text;
  return inlineCode(short);
}

function deltaCell(p: PlatformReport): string {
  if (p.identicalToBaseline) return 'identical to the baseline';
  if (p.deltaBytes === null || p.baselineCompressedBytes === null) return '—';
  const pct = formatPercent(p.deltaBytes, p.baselineCompressedBytes);
  return pct ? `${formatDelta(p.deltaBytes)} (${pct})` : formatDelta(p.deltaBytes);
}

function sizeTable(report: SizeReport): string[] {
  const lines = ['| Platform | Before | After | Δ | Budget | Status |', '|---|--:|--:|--:|---|:-:|'];
  for (const p of report.platforms) {
    lines.push(
      `| ${inlineCode(p.platform)} | ${p.baselineCompressedBytes === null ? '—' : formatBytes(p.baselineCompressedBytes)} | ${formatBytes(p.compressedBytes)} | ` +
        `${deltaCell(p)} | ${p.budget || '—'} | ${STATUS_ICON[p.status]} |`,
    );
  }
  return lines;
}

function goLines(p: PlatformReport, baseline: Baseline | null): string[] {
  if (!p.go) return [];
  const base = baseline?.platforms.find((b) => b.platform === p.platform)?.go ?? null;
  const go = p.go;
  const size = base
    ? `${formatBytes(base.sizeBytes)} → ${formatBytes(go.sizeBytes)} (${formatDelta(go.sizeBytes - base.sizeBytes)})`
    : formatBytes(go.sizeBytes);
  const lines = [
    `Go binary ${inlineCode(go.path)} (${inlineCode(go.goVersion)}${go.mainModule ? `, ${inlineCode(go.mainModule)}` : ''}): ${size}, ${plural(go.modules.length, 'module')}`,
  ];
  const diff = platformModuleDiff(p, baseline);
  if (diff) {
    for (const m of diff.added) lines.push(`- new: ${inlineCode(m.path)} ${inlineCode(m.after ?? '')}`);
    for (const m of diff.removed) lines.push(`- removed: ${inlineCode(m.path)} ${inlineCode(m.before ?? '')}`);
    for (const m of diff.changed)
      lines.push(`- changed: ${inlineCode(m.path)} ${inlineCode(m.before ?? '')} → ${inlineCode(m.after ?? '')}`);
    if (diff.added.length + diff.removed.length + diff.changed.length === 0) lines.push('- modules unchanged');
  }
  return lines;
}

/** Pure: the line that counts the layers rebuilt with the same size, which the table leaves out. */
export function rebuiltLine(rebuilt: LayerChange[]): string {
  const most = Math.max(0, ...rebuilt.map((c) => Math.abs((c.after ?? 0) - (c.before ?? 0))));
  const size = most === 0 ? 'the same size' : `the same size (within ±${formatBytes(most)})`;
  return `${plural(rebuilt.length, 'layer')} rebuilt with ${size}, not listed.`;
}

function changedLayerLines(p: PlatformReport, baseline: Baseline | null): string[] {
  const base = baseline?.platforms.find((b) => b.platform === p.platform);
  if (!base) return [];
  if (p.identicalToBaseline)
    return [`Identical to the baseline: the same manifest (${inlineCode(p.manifestDigest)}), so no layer and no byte changed.`];
  const { changed, rebuilt } = changedLayers(base.layers, p.layers);
  const rebuiltLines = rebuilt.length > 0 ? [rebuiltLine(rebuilt)] : [];
  if (changed.length === 0) return [rebuilt.length > 0 ? 'No layer changed in size.' : 'No layer changed.', ...rebuiltLines];
  const lines = ['| Layer | Before | After | Δ |', '|---|--:|--:|--:|'];
  for (const c of changed) {
    const delta = (c.after ?? 0) - (c.before ?? 0);
    lines.push(
      `| ${instructionCell(c.instruction)} | ${c.before === null ? '—' : formatBytes(c.before)} | ${c.after === null ? '—' : formatBytes(c.after)} | ${formatDelta(delta)} |`,
    );
  }
  return rebuiltLines.length > 0 ? [...lines, '', ...rebuiltLines] : lines;
}

function detailsLines(p: PlatformReport): string[] {
  const count = p.layers.length === 1 ? 'The 1 layer' : `All ${plural(p.layers.length, 'layer')}`;
  const lines = [
    `<details><summary>${count} of ${escapeMarkdown(p.platform)} (${formatBytes(p.uncompressedBytes)} unpacked)</summary>`,
    '',
    '| Layer | Compressed | Unpacked |',
    '|---|--:|--:|',
  ];
  for (const l of p.layers) {
    lines.push(
      `| ${instructionCell(l.instruction)} | ${formatBytes(l.compressedBytes)} | ${l.uncompressedBytes === null ? '—' : formatBytes(l.uncompressedBytes)} |`,
    );
  }
  if (p.go && p.go.modules.length > 0) {
    lines.push('', `Modules of ${inlineCode(p.go.path)}:`, '');
    for (const m of p.go.modules) lines.push(`- ${inlineCode(m.path)} ${inlineCode(moduleVersion(m))}`);
  }
  lines.push('', '</details>');
  return lines;
}

/** Pure: the headline, showing the worst outcome of the run, and under it why, when it is not a pass. */
function headLines(report: SizeReport, extras: ReportExtras): string[] {
  const outcome = runOutcome(report, extras);
  const lines = [`### ${STATUS_ICON[outcome.status]} Image size: ${inlineCode(report.image)}`, ''];
  if (outcome.reasons.length > 0) lines.push(`**Why:** ${outcome.reasons.map((r) => `${STATUS_ICON[r.level]} ${r.text}`).join(' · ')}`, '');
  return lines;
}

/** Pure: one line of facts: the version, the smoke test, the platform check, the baseline. */
function factsLine(report: SizeReport, extras: ReportExtras): string {
  const facts: string[] = [];
  const version = extras.version ?? report.version;
  if (version) facts.push(`version ${inlineCode(version)}`);
  // A smoke test that was never set up (skipped, nothing to say) is left out.
  if (extras.smoke && (extras.smoke.status !== 'skipped' || extras.smoke.detail)) {
    facts.push(
      `smoke test ${SMOKE_ICON[extras.smoke.status]} ${extras.smoke.status}${extras.smoke.detail ? `: ${escapeMarkdown(extras.smoke.detail)}` : ''}`,
    );
  }
  const platformCheck = platformCheckFact(extras.platformCheck);
  if (platformCheck) facts.push(platformCheck);
  facts.push(
    report.baseline ? `baseline ${inlineCode(report.baseline)}` : `no baseline (${escapeMarkdown(report.baselineNote ?? 'none')})`,
  );
  return facts.join(' · ');
}

function overBudgetLines(report: SizeReport): string[] {
  const reasons = report.platforms.flatMap((p) => p.reasons);
  if (reasons.length === 0) return [];
  // Reasons hold only sanitized platforms, numbers and validated budget text.
  return [`**${report.status === 'fail' ? 'Over budget' : 'Over budget (warning only)'}:**`, '', ...reasons.map((r) => `- ${r}`)];
}

function platformLines(p: PlatformReport, baseline: Baseline | null, details: boolean): string[] {
  const layerLines = changedLayerLines(p, baseline);
  const go = p.identicalToBaseline ? [] : goLines(p, baseline);
  if (layerLines.length === 0 && go.length === 0 && !details) return [];
  const out = [`#### ${inlineCode(p.platform)}`, ''];
  if (layerLines.length) out.push(...layerLines, '');
  if (go.length) out.push(...go, '');
  if (details) out.push(...detailsLines(p), '');
  return out;
}

/** Blocks of lines with one blank line after each that is not empty. */
function blocks(...parts: string[][]): string[] {
  return parts.filter((p) => p.length > 0).flatMap((p) => [...p, '']);
}

/**
 * Pure: the size report as GitHub markdown, for the PR comment and the job summary, with the
 * other checks' results a reviewer needs (smoke test, platform check, Dockerfile findings).
 * Every outside string (image, platform, module paths and versions, instructions, smoke
 * detail, findings) is escaped or put in code spans, so it cannot break the table or inject
 * markup or mentions.
 */
export function renderSizeMarkdown(
  report: SizeReport,
  baseline: Baseline | null,
  extras: ReportExtras = {},
  opts: { details?: boolean } = {},
): string {
  const details = opts.details ?? true;
  const out = [
    ...headLines(report, extras),
    ...blocks(
      [factsLine(report, extras)],
      sizeTable(report),
      overBudgetLines(report),
      platformProblemLines(extras.platformCheck),
      vulnLines(report.vulnerabilities),
      findingsLines(extras.findings),
    ),
    ...report.platforms.flatMap((p) => platformLines(p, baseline, details)),
    "<sub>Compressed sizes: what a pull downloads (the sum of the layers in each platform's manifest). 1 MB = 1,000,000 bytes.</sub>",
  ];
  return out.join('\n') + '\n';
}

const TRUNCATED =
  "\n\n_The report was cut to fit GitHub's comment limit; the full report is in the job summary and the `size-report` output._\n";

/** Pure: the comment body within GitHub's limit: without the collapsed details first, then cut at a line. */
export function renderComment(
  markerName: string,
  report: SizeReport,
  baseline: Baseline | null,
  extras: ReportExtras = {},
  limit = COMMENT_LIMIT,
): string {
  const marker = commentMarker(markerName);
  const full = `${marker}\n${renderSizeMarkdown(report, baseline, extras)}`;
  if (full.length <= limit) return full;
  const brief = `${marker}\n${renderSizeMarkdown(report, baseline, extras, { details: false })}`;
  if (brief.length + TRUNCATED.length <= limit) return brief + TRUNCATED;
  const room = limit - TRUNCATED.length;
  const cut = brief.lastIndexOf('\n', room);
  return brief.slice(0, cut > marker.length ? cut : room) + TRUNCATED;
}

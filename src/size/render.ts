import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import type { Status } from './budget.js';
import { formatBytes } from '../util/bytes.js';
import { formatDelta, formatPercent } from './units.js';
import { changedLayers, platformModuleDiff, type Baseline, type PlatformReport, type SizeReport } from './report.js';
import { moduleVersion } from './goinfo.js';
import type { ReportedFinding } from '../checks/catalog.js';

/** What other stages add to the size table (the version built, the smoke test's result). */
export interface ReportExtras {
  version?: string;
  smoke?: { status: 'passed' | 'failed' | 'skipped'; detail?: string };
  /** The Dockerfile checks' findings. */
  findings?: ReportedFinding[];
  /** Each platform's Go binary against the platform: one plain sentence per problem. */
  platformCheck?: { status: 'passed' | 'failed' | 'skipped'; problems: string[] };
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
  if (p.deltaBytes === null || p.baselineCompressedBytes === null) return '—';
  const pct = formatPercent(p.deltaBytes, p.baselineCompressedBytes);
  return pct ? `${formatDelta(p.deltaBytes)} (${pct})` : formatDelta(p.deltaBytes);
}

function sizeTable(report: SizeReport): string[] {
  const lines = ['| Platform | Before | After | Δ | Budget | Status |', '|---|--:|--:|--:|---|:-:|'];
  for (const p of report.platforms) {
    lines.push(
      `| ${inlineCode(p.platform)} | ${p.baselineCompressedBytes === null ? '—' : formatBytes(p.baselineCompressedBytes)} | ${formatBytes(p.compressedBytes)} | ${deltaCell(p)} | ${p.budget || '—'} | ${STATUS_ICON[p.status]} |`,
    );
  }
  return lines;
}

function goLines(p: PlatformReport, baseline: Baseline | null): string[] {
  if (!p.go) return [];
  const base = baseline?.platforms.find((b) => b.platform === p.platform)?.go ?? null;
  const go = p.go;
  const size = base ? `${formatBytes(base.sizeBytes)} → ${formatBytes(go.sizeBytes)} (${formatDelta(go.sizeBytes - base.sizeBytes)})` : formatBytes(go.sizeBytes);
  const lines = [`Go binary ${inlineCode(go.path)} (${inlineCode(go.goVersion)}${go.mainModule ? `, ${inlineCode(go.mainModule)}` : ''}): ${size}, ${go.modules.length} ${go.modules.length === 1 ? 'module' : 'modules'}`];
  const diff = platformModuleDiff(p, baseline);
  if (diff) {
    for (const m of diff.added) lines.push(`- new: ${inlineCode(m.path)} ${inlineCode(m.after ?? '')}`);
    for (const m of diff.removed) lines.push(`- removed: ${inlineCode(m.path)} ${inlineCode(m.before ?? '')}`);
    for (const m of diff.changed) lines.push(`- changed: ${inlineCode(m.path)} ${inlineCode(m.before ?? '')} → ${inlineCode(m.after ?? '')}`);
    if (diff.added.length + diff.removed.length + diff.changed.length === 0) lines.push('- modules unchanged');
  }
  return lines;
}

function changedLayerLines(p: PlatformReport, baseline: Baseline | null): string[] {
  const base = baseline?.platforms.find((b) => b.platform === p.platform);
  if (!base) return [];
  const changes = changedLayers(base.layers, p.layers);
  if (changes.length === 0) return ['No layer changed.'];
  const lines = ['| Layer | Before | After | Δ |', '|---|--:|--:|--:|'];
  for (const c of changes) {
    const delta = (c.after ?? 0) - (c.before ?? 0);
    lines.push(`| ${instructionCell(c.instruction)} | ${c.before === null ? '—' : formatBytes(c.before)} | ${c.after === null ? '—' : formatBytes(c.after)} | ${formatDelta(delta)} |`);
  }
  return lines;
}

function detailsLines(p: PlatformReport): string[] {
  const lines = [`<details><summary>All ${p.layers.length} layers of ${escapeMarkdown(p.platform)} (${formatBytes(p.uncompressedBytes)} unpacked)</summary>`, '', '| Layer | Compressed | Unpacked |', '|---|--:|--:|'];
  for (const l of p.layers) {
    lines.push(`| ${instructionCell(l.instruction)} | ${formatBytes(l.compressedBytes)} | ${l.uncompressedBytes === null ? '—' : formatBytes(l.uncompressedBytes)} |`);
  }
  if (p.go && p.go.modules.length > 0) {
    lines.push('', `Modules of ${inlineCode(p.go.path)}:`, '');
    for (const m of p.go.modules) lines.push(`- ${inlineCode(m.path)} ${inlineCode(moduleVersion(m))}`);
  }
  lines.push('', '</details>');
  return lines;
}

/**
 * Pure: the size report as GitHub markdown, for the PR comment and the job summary. Every
 * outside string (image, platform, module paths and versions, instructions, smoke detail) is
 * escaped or put in code spans, so it cannot break the table or inject markup or mentions.
 */
export function renderSizeMarkdown(report: SizeReport, baseline: Baseline | null, extras: ReportExtras = {}, opts: { details?: boolean } = {}): string {
  const details = opts.details ?? true;
  const out: string[] = [];
  out.push(`### ${STATUS_ICON[report.status]} Image size: ${inlineCode(report.image)}`, '');
  const facts: string[] = [];
  const version = extras.version ?? report.version;
  if (version) facts.push(`version ${inlineCode(version)}`);
  // A smoke test that was never set up (skipped, nothing to say) is left out.
  if (extras.smoke && (extras.smoke.status !== 'skipped' || extras.smoke.detail)) {
    facts.push(`smoke test ${SMOKE_ICON[extras.smoke.status]} ${extras.smoke.status}${extras.smoke.detail ? `: ${escapeMarkdown(extras.smoke.detail)}` : ''}`);
  }
  facts.push(report.baseline ? `baseline ${inlineCode(report.baseline)}` : `no baseline (${escapeMarkdown(report.baselineNote ?? 'none')})`);
  out.push(facts.join(' · '), '');
  out.push(...sizeTable(report), '');
  const reasons = report.platforms.flatMap((p) => p.reasons);
  if (reasons.length > 0) {
    out.push(`**${report.status === 'fail' ? 'Over budget' : 'Over budget (warning only)'}:**`, '');
    // Reasons hold only sanitized platforms, numbers and validated budget text.
    for (const r of reasons) out.push(`- ${r}`);
    out.push('');
  }
  for (const p of report.platforms) {
    const layerLines = changedLayerLines(p, baseline);
    const go = goLines(p, baseline);
    if (layerLines.length === 0 && go.length === 0 && !details) continue;
    out.push(`#### ${inlineCode(p.platform)}`, '');
    if (layerLines.length) out.push(...layerLines, '');
    if (go.length) out.push(...go, '');
    if (details) out.push(...detailsLines(p), '');
  }
  out.push('<sub>Compressed sizes: what a pull downloads (the sum of the layers in each platform\'s manifest). 1 MB = 1,000,000 bytes.</sub>');
  return out.join('\n') + '\n';
}

const TRUNCATED = '\n\n_The report was cut to fit GitHub\'s comment limit; the full report is in the job summary and the `size-report` output._\n';

/** Pure: the comment body within GitHub's limit: without the collapsed details first, then cut at a line. */
export function renderComment(markerName: string, report: SizeReport, baseline: Baseline | null, extras: ReportExtras = {}, limit = COMMENT_LIMIT): string {
  const marker = commentMarker(markerName);
  const full = `${marker}\n${renderSizeMarkdown(report, baseline, extras)}`;
  if (full.length <= limit) return full;
  const brief = `${marker}\n${renderSizeMarkdown(report, baseline, extras, { details: false })}`;
  if (brief.length + TRUNCATED.length <= limit) return brief + TRUNCATED;
  const room = limit - TRUNCATED.length;
  const cut = brief.lastIndexOf('\n', room);
  return brief.slice(0, cut > marker.length ? cut : room) + TRUNCATED;
}

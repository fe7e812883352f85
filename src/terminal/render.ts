/**
 * The markdown our summaries and the PR comment are written in, rendered for a terminal: the
 * subset our renderers emit (headings, tables, lists, fenced blocks, <details>/<summary>,
 * inline code, bold, emphasis, <sub>, <br>, escapes). Pure: markdown in, terminal text out.
 */
import { ANSI_STYLES, PLAIN_STYLES, renderInline, type Styles } from './inline.js';
import { displayWidth, pad, wrapWords } from './width.js';

export interface TerminalOptions {
  /** ANSI styles (bold, dim, colours); without, plain text. */
  color: boolean;
  /** The terminal's columns: a table's last column wraps to fit. Unlimited when not given. */
  width?: number;
}

type Align = 'left' | 'right' | 'center';

const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const FENCE = /^\s*(`{3,})/;
const COLUMN_GAP = '  ';
/** The last column wraps only when it keeps at least this many columns. */
const MIN_WRAP = 20;

/** Pure: a table row's cells (split at pipes not escaped by a backslash; the outer pipes dropped). */
export function tableCells(row: string): string[] {
  const cells = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/);
  return cells.map((c) => c.trim());
}

function alignments(delimiter: string): Align[] {
  return tableCells(delimiter).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : 'left'));
}

/** Pure: a table as aligned columns under a bold header and a rule; the last column wraps to the width. */
function renderTable(lines: string[], styles: Styles, width: number | undefined): string[] {
  const align = alignments(lines[1]!);
  const rows = [lines[0]!, ...lines.slice(2)].map((l) => tableCells(l).map((c) => renderInline(c, styles, true)));
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(0, ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const lastStart = widths.slice(0, -1).reduce((s, w) => s + w + COLUMN_GAP.length, 0);
  const room =
    width !== undefined && lastStart + widths[columns - 1]! > width && width - lastStart >= MIN_WRAP ? width - lastStart : undefined;
  if (room !== undefined) widths[columns - 1] = room;
  const line = (cells: string[], header: boolean): string[] => {
    const last = room !== undefined ? wrapWords(cells[columns - 1] ?? '', room) : [cells[columns - 1] ?? ''];
    const first = Array.from({ length: columns - 1 }, (_, i) =>
      pad(header ? styles.bold(cells[i] ?? '') : (cells[i] ?? ''), widths[i]!, align[i]),
    );
    const head = [...first, pad(header ? styles.bold(last[0]!) : last[0]!, widths[columns - 1]!, align[columns - 1])]
      .join(COLUMN_GAP)
      .trimEnd();
    return [head, ...last.slice(1).map((l) => `${' '.repeat(lastStart)}${l}`)];
  };
  const rule = styles.dim(widths.map((w) => '─'.repeat(Math.max(w, 1))).join(COLUMN_GAP));
  return [...line(rows[0]!, true), rule, ...rows.slice(1).flatMap((r) => line(r, false))];
}

/** Pure: `<details><summary>Label</summary>` as a label line; the closing tag as nothing. */
function detailsLine(line: string, styles: Styles): string | undefined {
  const trimmed = line.trim();
  if (/^<\/details>$/i.test(trimmed)) return '';
  const open = /^<details>\s*(?:<summary>([\s\S]*?)<\/summary>)?(.*)$/i.exec(trimmed);
  if (!open) return undefined;
  const label = open[1] !== undefined ? `▸ ${styles.bold(renderInline(open[1], styles))}` : '';
  const rest = open[2]!.trim() ? renderInline(open[2]!.trim(), styles) : '';
  return [label, rest].filter(Boolean).join(' ');
}

/** Pure: one line that is not part of a table or fenced block. */
function renderLine(line: string, styles: Styles): string {
  const details = detailsLine(line, styles);
  if (details !== undefined) return details;
  const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return styles.bold(renderInline(heading[2]!, styles));
  const item = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (item) return `${item[1]}  • ${renderInline(item[2]!, styles)}`;
  if (/^\s*<!--[\s\S]*-->\s*$/.test(line)) return '';
  return renderInline(line, styles);
}

/** Pure: a fenced block's lines, verbatim and indented; returns where the block ends. */
function fencedBlock(lines: string[], start: number): { out: string[]; next: number } {
  const fence = FENCE.exec(lines[start]!)![1]!;
  const closing = new RegExp(`^\\s*\`{${fence.length},}\\s*$`);
  const out: string[] = [];
  let i = start + 1;
  for (; i < lines.length && !closing.test(lines[i]!); i++) out.push(`    ${lines[i]}`);
  return { out, next: i + 1 };
}

/** Pure: lines with runs of blank lines made one, and none at either end. */
function tidy(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines.map((x) => x.trimEnd())) {
    if (l === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(l);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * Pure: markdown as terminal text. Tables become aligned columns, <details> a label line (the
 * content shown), <br> a line break (", " in a table cell), <sub> dim text, code spans plain
 * text, escapes undone; ANSI styles only when `color`.
 */
export function renderForTerminal(markdown: string, opts: TerminalOptions): string {
  const styles = opts.color ? ANSI_STYLES : PLAIN_STYLES;
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    if (FENCE.test(line)) {
      const block = fencedBlock(lines, i);
      out.push(...block.out);
      i = block.next;
    } else if (line.trim().startsWith('|') && DELIMITER_ROW.test(lines[i + 1] ?? '')) {
      let end = i + 2;
      while (end < lines.length && lines[end]!.trim().startsWith('|')) end++;
      out.push(...renderTable(lines.slice(i, end), styles, opts.width));
      i = end;
    } else {
      out.push(...renderLine(line, styles).split('\n'));
      i++;
    }
  }
  return tidy(out).join('\n') + '\n';
}

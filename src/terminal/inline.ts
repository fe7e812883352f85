/**
 * Inline markdown as our renderers write it, for a terminal: code spans without their
 * backticks, **bold**, _emphasis_, <sub> as dim text, <br> as a line break (", " in a table
 * cell), backslash escapes and character references undone. Pure.
 */

export interface Styles {
  bold(text: string): string;
  dim(text: string): string;
  italic(text: string): string;
  code(text: string): string;
}

const sgr =
  (open: string, close: string) =>
  (text: string): string =>
    text ? `\x1b[${open}m${text}\x1b[${close}m` : text;

export const ANSI_STYLES: Styles = { bold: sgr('1', '22'), dim: sgr('2', '22'), italic: sgr('3', '23'), code: sgr('36', '39') };
const same = (text: string): string => text;
export const PLAIN_STYLES: Styles = { bold: same, dim: same, italic: same, code: same };

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const REFERENCE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-z]+));/g;
const ESCAPABLE = /\\([!-/:-@[-`{-~])/g;

/** Pure: character references (`&#124;`, `&#x7c;`, `&amp;`) as the characters they stand for. */
export function decodeReferences(text: string): string {
  return text.replace(REFERENCE, (whole, dec?: string, hex?: string, name?: string) => {
    if (name) return NAMED[name] ?? whole;
    const cp = dec ? Number(dec) : parseInt(hex!, 16);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
  });
}

/** A piece of a line: literal code, or text that may hold markup. */
type Piece = { code: string } | { text: string };

/**
 * Pure: the code spans of a line (a run of n backticks up to the next run of exactly n) and the
 * text between them. A run without its match is text.
 */
export function splitCodeSpans(line: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\' && line[i + 1] === '`') {
      text += '\\`';
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      text += line[i++];
      continue;
    }
    const run = /^`+/.exec(line.slice(i))![0];
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = i + run.length;
    const end = close.exec(line);
    if (!end) {
      text += run;
      i += run.length;
      continue;
    }
    if (text) pieces.push({ text });
    text = '';
    pieces.push({ code: line.slice(i + run.length, end.index) });
    i = end.index + run.length;
  }
  if (text) pieces.push({ text });
  return pieces;
}

/** Pure: a code span's content as shown: one padding space each side dropped, `\|` a pipe in a table cell. */
function codeText(code: string, inCell: boolean): string {
  let text = code.replace(/\u200b/g, '');
  if (/^ .* $/.test(text) && text.trim() !== '') text = text.slice(1, -1);
  return inCell ? text.replace(/\\\|/g, '|') : text;
}

/** Pure: emphasis with `_` only where it opens or closes a span, not inside a word (snake_case stays). */
const EMPHASIS = /(^|[\s(])_(?=\S)(.+?)(?<=\S)_(?=$|[\s).,:;!?])/g;

function markupText(text: string, styles: Styles, inCell: boolean): string {
  // Escapes become references first: what they stand for is never read as markup.
  const literal = text.replace(ESCAPABLE, (_, c: string) => `&#${c.charCodeAt(0)};`);
  const styled = literal
    .replace(/<br\s*\/?>/gi, inCell ? ', ' : '\n')
    .replace(/<sub>([\s\S]*?)<\/sub>/gi, (_, inner: string) => styles.dim(inner))
    .replace(/<\/?(?:sub|details|summary)>/gi, '')
    // A link shows its text: the page it leads to is one a terminal cannot open by a click.
    .replace(/\[([^\]]*)\]\(https?:\/\/[^)\s]*\)/g, (_, label: string) => label)
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, (_, inner: string) => styles.bold(inner))
    .replace(EMPHASIS, (_, before: string, inner: string) => before + styles.italic(inner));
  return decodeReferences(styled);
}

/** Pure: one line (or table cell) of inline markdown as terminal text. */
export function renderInline(line: string, styles: Styles, inCell = false): string {
  // A line that is all small print (the report's footnote) is dim as a whole, code spans and all.
  const small = /^<sub>(.*)<\/sub>$/i.exec(line.trim());
  if (small) return styles.dim(renderInline(small[1]!, styles, inCell));
  return splitCodeSpans(line)
    .map((p) => ('code' in p ? styles.code(codeText(p.code, inCell)) : markupText(p.text, styles, inCell)))
    .join('');
}

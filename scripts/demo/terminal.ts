/**
 * Stand-in for the project's terminal renderer of the comment markdown, with its signature:
 * the demo imports `renderForTerminal` from here alone, so switching to the shared one is one
 * import line in scripts/demo.ts. It knows only what the size comment uses: headings, bold,
 * inline code, tables, lists, a collapsed <details> (shown folded, as a reviewer first sees
 * it), <sub>, the hidden marker and the HTML entities escapeMarkdown writes.
 */

export interface TerminalOptions {
  color: boolean;
  width?: number;
}

const CODE = /(`+) ?(.*?) ?\1/g;

/** Columns a string takes in a terminal: wide emoji count 2, variation selectors and zero-width spaces 0. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text.replace(/\x1b\[[0-9;]*m/g, '')) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfe0f || cp === 0x200b) continue;
    width += cp >= 0x1f000 || (cp >= 0x2600 && cp <= 0x27bf) ? 2 : 1;
  }
  return width;
}

function inline(text: string, style: (code: string, s: string) => string): string {
  return text
    .replace(CODE, (_m, _fence: string, code: string) => style('36', code.replace(/\\\|/g, '|')))
    .replace(/\*\*(.+?)\*\*/g, (_m, s: string) => style('1', s))
    .replace(/<sub>(.*?)<\/sub>/g, (_m, s: string) => style('2', s))
    .replace(/(^|\s)_([^_]+)_(?=\s|$)/g, (_m, pre: string, s: string) => pre + style('3', s))
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/\u200b/g, '');
}

/** A table row's cells, split at pipes that are not escaped (`\|` inside inline code). */
function cells(row: string): string[] {
  return row.replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

function table(rows: string[], style: (code: string, s: string) => string): string[] {
  const aligns = cells(rows[1] ?? '').map((c) => (c.endsWith(':') && !c.startsWith(':') ? 'right' : 'left'));
  const body = [rows[0]!, ...rows.slice(2)].map((r) => cells(r).map((c) => inline(c, style)));
  const widths = body[0]!.map((_, i) => Math.max(...body.map((r) => displayWidth(r[i] ?? ''))));
  return body.map((r, n) => {
    const line = r.map((c, i) => {
      const pad = ' '.repeat(Math.max(0, widths[i]! - displayWidth(c)));
      return aligns[i] === 'right' ? pad + c : c + pad;
    });
    return `  ${n === 0 ? style('1', line.join('  ')) : line.join('  ')}`.trimEnd();
  });
}

/** Word-wraps one line to `width` columns; continuation lines get `indent`. */
function wrap(line: string, width: number | undefined, indent = ''): string[] {
  if (!width || displayWidth(line) <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    const next = current === '' ? word : `${current} ${word}`;
    if (current !== '' && displayWidth(next) > width) {
      out.push(current);
      current = indent + word;
    } else current = next;
  }
  return [...out, current];
}

/** Pure: the markdown as plain lines for a terminal, with ANSI styles when `color`. */
export function renderForTerminal(markdown: string, opts: TerminalOptions): string {
  const style = (code: string, s: string): string => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines = markdown.replace(/<!--[\s\S]*?-->\n?/g, '').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const details = /^<details><summary>(.*)<\/summary>/.exec(line);
    if (details) {
      out.push(`▸ ${inline(details[1]!, style)} ${style('2', '(folded)')}`);
      while (i < lines.length && !lines[i]!.startsWith('</details>')) i++;
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[] = [];
      for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(lines[i]!);
      i--;
      out.push(...table(rows, style));
      continue;
    }
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading) out.push(style('1', inline(heading[1]!, (_c, s) => s)));
    else if (line.startsWith('- ')) out.push(...wrap(`  • ${inline(line.slice(2), style)}`, opts.width, '    '));
    else out.push(...wrap(inline(line, style), opts.width));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

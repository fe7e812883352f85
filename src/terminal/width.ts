/**
 * Columns text takes in a terminal, for aligning tables: emoji and East Asian wide characters
 * take two, combining marks, joiners and variation selectors none, ANSI styles none.
 */
import { stripAnsi } from '../util/text.js';

const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200f\u2060]|[\ufe00-\ufe0f]/u;
const EMOJI = /\p{Emoji_Presentation}/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const VARIATION_EMOJI = '\ufe0f';

/** Pure: whether a code point is East Asian wide or fullwidth (the ranges terminals draw two columns wide). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/**
 * Pure: the columns a string takes. A symbol drawn as text by default (⚠ ℹ ⏭) followed by the
 * emoji variation selector is drawn as an emoji: two columns, like ✅ and ❌.
 */
export function displayWidth(text: string): number {
  const chars = [...stripAnsi(text)];
  let width = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (ZERO_WIDTH.test(c)) continue;
    const cp = c.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    const emoji = EMOJI.test(c) || (PICTOGRAPH.test(c) && chars[i + 1] === VARIATION_EMOJI);
    width += emoji || isWide(cp) ? 2 : 1;
  }
  return width;
}

/** Pure: the text padded with spaces to `width` columns, on the right (left-aligned) or on the left. */
export function pad(text: string, width: number, align: 'left' | 'right' | 'center' = 'left'): string {
  const room = Math.max(0, width - displayWidth(text));
  if (align === 'right') return ' '.repeat(room) + text;
  if (align === 'center') return ' '.repeat(Math.floor(room / 2)) + text + ' '.repeat(room - Math.floor(room / 2));
  return text + ' '.repeat(room);
}

/**
 * Pure: words joined into lines of at most `width` columns (a longer word stays whole on its
 * own line). ANSI styles count as nothing.
 */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    if (line && displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Pure: a list input's items: one per line (and per comma with `commas`), trimmed, without
 * blanks and `#` comments. Inputs whose items may hold a comma (a URL, a path, a cache spec)
 * split on lines only.
 */
export function parseList(raw: string, { commas }: { commas: boolean }): string[] {
  const lines = raw.split(/\r?\n/);
  const items = commas ? lines.flatMap((l) => l.split(',')) : lines;
  return items.map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('#'));
}

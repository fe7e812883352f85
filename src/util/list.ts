/**
 * Pure: the items of a list input, in one of two syntaxes, chosen by the input's kind in the
 * input table (src/input-table.ts):
 * - plain: one item per line (and per comma with `commas`), trimmed, without blanks and `#`
 *   comments. Inputs whose items may hold a comma (a URL, a path, a cache spec) split on lines only.
 * - csv: as docker/build-push-action reads its list inputs (CSV records, one per line): an item in
 *   double quotes may hold commas and line breaks, and `""` inside it is one quote. So
 *   `"KEY=line 1
 *   line 2"` is one item, and a workflow moved from build-push-action keeps its meaning.
 */

export interface ListForm {
  /** Read CSV records (build-push-action's rules) rather than plain lines. */
  csv?: boolean;
  /** Split unquoted items on commas too. */
  commas: boolean;
  /** Trim each item (false for secrets, whose values keep their spaces); CSV only. */
  trim?: boolean;
}

/** Why a list could not be read; the caller names the input. */
export class ListSyntaxError extends Error {}

/** One record: its fields, and whether each was quoted. */
interface CsvField {
  text: string;
  quoted: boolean;
}

/** Reads a quoted field from `at` (just past the opening quote); returns the text and where it ended. */
function quotedField(raw: string, at: number, record: number): { text: string; end: number } {
  let text = '';
  for (let i = at; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '"') {
      text += c;
      continue;
    }
    if (raw[i + 1] === '"') {
      text += '"';
      i++;
      continue;
    }
    const next = raw[i + 1];
    if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
      throw new ListSyntaxError(`item ${record} has text after its closing quote`);
    }
    return { text, end: i + 1 };
  }
  throw new ListSyntaxError(`item ${record} opens a quote that is never closed`);
}

/** Splits the text into records of fields (CSV, quotes relaxed inside unquoted fields). */
function csvRecords(raw: string): CsvField[][] {
  const records: CsvField[][] = [];
  let fields: CsvField[] = [];
  let current = '';
  // A field has begun: text, or a comma before it (an empty last field still counts).
  let open = false;
  const endField = (quoted: boolean): void => {
    fields.push({ text: current, quoted });
    current = '';
    open = false;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"' && current === '') {
      const q = quotedField(raw, i + 1, records.length + 1);
      current = q.text;
      endField(true);
      i = q.end - 1;
    } else if (c === ',') {
      if (open || fields.length === 0) endField(false);
      open = true;
    } else if (c === '\n' || c === '\r') {
      if (open || current !== '') endField(false);
      if (fields.length > 0) records.push(fields);
      fields = [];
      if (c === '\r' && raw[i + 1] === '\n') i++;
    } else {
      current += c;
      open = true;
    }
  }
  if (open || current !== '') endField(false);
  if (fields.length > 0) records.push(fields);
  return records;
}

/** The items of a plain list: one per line (and per comma), trimmed, no blanks or `#` comments. */
function plainItems(raw: string, commas: boolean): string[] {
  const lines = raw.split(/\r?\n/);
  const items = commas ? lines.flatMap((l) => l.split(',')) : lines;
  return items.map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('#'));
}

/** The items of a CSV list. Records whose first field starts with `#` are skipped. */
function csvItems(raw: string, commas: boolean, trim: boolean): string[] {
  const items: string[] = [];
  for (const record of csvRecords(raw)) {
    const first = record[0]!;
    if (!first.quoted && first.text.trimStart().startsWith('#')) continue;
    const texts = record.map((f) => f.text);
    if (commas) items.push(...(record.length === 1 ? first.text.split(',') : texts));
    else items.push(texts.join(','));
  }
  return items.map((s) => (trim ? s.trim() : s)).filter((s) => s.trim() !== '');
}

/**
 * A list's items in the given form. Throws ListSyntaxError (without the text: it may be a
 * secret) when a CSV quote is not closed.
 */
export function parseList(raw: string, { csv = false, commas, trim = true }: ListForm): string[] {
  return csv ? csvItems(raw, commas, trim) : plainItems(raw, commas);
}

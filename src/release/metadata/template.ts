/**
 * The `{{…}}` expressions of metadata-action's tag rules, evaluated as Handlebars evaluates them
 * there: `{{name}}` looks a value up (or calls a helper), `{{name 'arg' key='value'}}` calls a
 * helper with arguments and a hash, output of `{{…}}` is HTML-escaped (`{{{…}}}` is not), an
 * unknown name gives '' and an unknown helper called with arguments is an error.
 *
 * Hand-written rather than the `handlebars` package: the rules use only these mustache
 * statements (no blocks, partials or paths), and Handlebars would add a runtime compiler to the
 * bundle for them, with moment-timezone (and its zone data) for the dates beside it; Node's Intl
 * already knows the zones (see date-format.ts).
 */

/** A helper: positional arguments and the `key=value` hash. */
export type Helper = (args: (string | number | undefined)[], hash: Record<string, string | number | undefined>) => string;

/** What an expression can name: values, or helpers. */
export type TemplateScope = Record<string, string | number | readonly (string | number)[] | Helper | undefined>;

/** An expression that cannot be read, or a helper that refused its arguments. */
export class TemplateError extends Error {}

// Handlebars escapes these in `{{…}}` output.
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};
const escapeHtml = (text: string): string => text.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]!);

type Token = { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'name'; value: string };

const TOKEN_RE = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_$][\w$.-]*)=|([A-Za-z_$@][\w$.-]*))/y;

/** The parts of one statement: its name, arguments and hash, in Handlebars' syntax. */
function parseStatement(body: string): { name: string; args: Token[]; hash: Record<string, Token> } {
  const tokens: (Token | { kind: 'key'; value: string })[] = [];
  TOKEN_RE.lastIndex = 0;
  let at = 0;
  while (body.slice(at).trim() !== '') {
    TOKEN_RE.lastIndex = at;
    const m = TOKEN_RE.exec(body);
    if (!m) throw new TemplateError(`cannot read '{{${body}}}' at '${body.slice(at).trim()}'`);
    at = TOKEN_RE.lastIndex;
    if (m[1] !== undefined || m[2] !== undefined) tokens.push({ kind: 'string', value: (m[1] ?? m[2])!.replace(/\\(.)/g, '$1') });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', value: Number(m[3]) });
    else if (m[4] !== undefined) tokens.push({ kind: 'key', value: m[4] });
    else tokens.push({ kind: 'name', value: m[5]! });
  }
  const [head, ...rest] = tokens;
  if (!head || head.kind !== 'name') throw new TemplateError(`'{{${body}}}' names nothing`);
  const args: Token[] = [];
  const hash: Record<string, Token> = {};
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (t.kind !== 'key') {
      if (Object.keys(hash).length > 0) throw new TemplateError(`'{{${body}}}': an argument after key=value`);
      args.push(t);
      continue;
    }
    const value = rest[++i];
    if (!value || value.kind === 'key') throw new TemplateError(`'{{${body}}}': ${t.value}= has no value`);
    hash[t.value] = value;
  }
  return { name: head.value, args, hash };
}

function display(value: TemplateScope[string]): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

function evaluate(body: string, scope: TemplateScope): string {
  const { name, args, hash } = parseStatement(body);
  // A bare word is a lookup, as in Handlebars: `{{date YYYYMMDD}}` hands the helper nothing (undefined).
  const lookup = (t: Token): string | number | undefined => {
    if (t.kind !== 'name') return t.value;
    const value = own(scope, t.value);
    return value === undefined || typeof value === 'function' ? undefined : display(value);
  };
  const target = own(scope, name);
  if (typeof target === 'function') {
    const hashValues = Object.fromEntries(Object.entries(hash).map(([k, t]) => [k, lookup(t)]));
    return target(args.map(lookup), hashValues);
  }
  if (args.length > 0 || Object.keys(hash).length > 0) throw new TemplateError(`Missing helper: "${name}"`);
  return display(target);
}

const own = (scope: TemplateScope, name: string): TemplateScope[string] => (Object.hasOwn(scope, name) ? scope[name] : undefined);

/** Pure: the text with every `{{…}}` statement replaced by its value in `scope`. */
export function renderTemplate(template: string, scope: TemplateScope): string {
  let out = '';
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    if (open < 0) break;
    out += template.slice(at, open);
    const raw = template.startsWith('{{{', open);
    const close = template.indexOf(raw ? '}}}' : '}}', open);
    if (close < 0) throw new TemplateError(`'${template}' opens {{ and never closes it`);
    const body = template.slice(open + (raw ? 3 : 2), close);
    if (/^\s*[#/^>!&]/.test(body)) throw new TemplateError(`'{{${body}}}' is not supported (only values and helpers)`);
    const value = evaluate(body, scope);
    out += raw ? value : escapeHtml(value);
    at = close + (raw ? 3 : 2);
  }
  return out + template.slice(at);
}

/** Pure: whether the pattern is exactly one `{{raw}}` statement (spaces allowed): a prerelease keeps it. */
export function isRawStatement(pattern: string): boolean {
  return /^\{\{\s*raw\s*\}\}$/.test(pattern);
}

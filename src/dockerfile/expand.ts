/** Variable expansion as BuildKit's shell lexer does it for mount options, FROM and USER. */

/** Result of expanding text: the value and the names that had no value. */
export interface Expansion {
  value: string;
  unresolved: string[];
}

/**
 * Pure: expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
 * `${VAR+alt}` as BuildKit's shell lexer does for mount options and FROM. Unknown variables
 * expand to '' (as in BuildKit) and are listed in `unresolved`. `\$` stays a literal `$`.
 */
export function expandVariables(text: string, vars: ReadonlyMap<string, string> | Record<string, string>, escapeChar = '\\'): Expansion {
  const get = (name: string): string | undefined =>
    vars instanceof Map ? (vars as ReadonlyMap<string, string>).get(name) : (vars as Record<string, string>)[name];
  const unresolved: string[] = [];
  const expandWord = (word: string): string => {
    const inner = expandVariables(word, vars, escapeChar);
    unresolved.push(...inner.unresolved);
    return inner.value;
  };
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escapeChar && text[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    if (text[i + 1] === '{') {
      const close = findClose(text, i + 2);
      if (close < 0) {
        out += text.slice(i);
        break;
      }
      out += expandBraced(text.slice(i + 2, close), get, expandWord, unresolved) ?? text.slice(i, close + 1);
      i = close;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (!m) {
      out += c;
      continue;
    }
    const name = m[0];
    const value = get(name);
    if (value === undefined) unresolved.push(name);
    out += value ?? '';
    i += name.length;
  }
  return { value: out, unresolved: [...new Set(unresolved)] };
}

/**
 * The value of `${body}`: `NAME`, `NAME:-word`, `NAME-word`, `NAME:+word` or `NAME+word`
 * (`word` expanded by `expandWord` only when used). Undefined when the body is none of them
 * (the text stays as written).
 */
function expandBraced(
  body: string,
  get: (name: string) => string | undefined,
  expandWord: (word: string) => string,
  unresolved: string[],
): string | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(body);
  if (!m) return undefined;
  const [, name, op, word = ''] = m;
  const value = get(name!);
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  if (op === ':-' || op === '-') return (op === ':-' ? !nonEmpty : !set) ? expandWord(word) : value!;
  if (op === ':+' || op === '+') return (op === ':+' ? nonEmpty : set) ? expandWord(word) : '';
  if (!set) unresolved.push(name!);
  return value ?? '';
}

function findClose(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/**
 * .dockerignore rules, as BuildKit reads them: one pattern a line, `#` comments, `!` re-includes,
 * the last matching pattern decides; patterns are cleaned paths relative to the context with
 * Go filepath.Match wildcards plus `**`. A pattern that matches a directory excludes what is in it.
 */

export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  line: number;
  regex: RegExp;
}

function cleanPattern(raw: string): string {
  let p = raw.trim().replace(/\\/g, '/');
  p = p
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
  // Clean like filepath.Clean: drop `.` segments and double slashes.
  return p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

function toRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**` matches any number of directories (also none).
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, close);
        if (cls.startsWith('^')) cls = '!' + cls.slice(1);
        re += '[' + (cls.startsWith('!') ? '^' + cls.slice(1) : cls).replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Pure: the rules of a .dockerignore text. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const negate = line.startsWith('!');
    const pattern = cleanPattern(negate ? line.slice(1) : line);
    if (pattern === '') return;
    rules.push({ pattern, negate, line: index + 1, regex: toRegex(pattern) });
  });
  return rules;
}

/**
 * Pure: whether a path (relative to the context, `/`-separated) is excluded. A path is also
 * excluded when one of its parent directories is (BuildKit does not descend into it unless a
 * later `!` pattern re-includes something below).
 */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const parts = cleanPattern(path).split('/');
  let ignored = false;
  for (const rule of rules) {
    // The rule matches the path or one of its parents.
    let matches = false;
    for (let n = 1; n <= parts.length && !matches; n++) matches = rule.regex.test(parts.slice(0, n).join('/'));
    if (matches) ignored = !rule.negate;
  }
  return ignored;
}

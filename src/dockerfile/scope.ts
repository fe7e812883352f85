/**
 * The ARG/ENV scope of a Dockerfile, as BuildKit builds it: the variables FROM lines see, and
 * those inside a stage (with what it inherits through `FROM <stage>` chains).
 */
import { expandVariables, type Expansion } from './expand.js';
import type { DockerfileModel, Stage } from './types.js';

/** What the variables depend on besides the Dockerfile: build-args and the platforms. */
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
  const events = [...stage.args.map((a) => ({ line: a.line, arg: a })), ...stage.env.map((e) => ({ line: e.line, env: e }))].sort(
    (a, b) => a.line - b.line,
  );
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

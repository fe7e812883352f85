/**
 * What the Go checks share about one build of a Dockerfile: the stages it runs, where each
 * runs, the variables go sees, the go commands, and per RUN the scripts it runs and the module
 * it builds (from the build context). Pure: the model, the build's settings and a view of the
 * context in; each check (go.ts and the files next to it) reads from here and adds findings.
 *
 * Semantics worth knowing:
 * - Only the stages the build runs count: the final stage (the `target`, else the last one)
 *   and the stages it needs (`FROM <stage>`, `COPY --from`, `RUN --mount=from=`).
 * - `FROM <stage>` chains are followed: ENV, USER, CMD and ENTRYPOINT are inherited, and the
 *   `--platform` of the stage a chain starts from decides where it runs.
 * - A variable is what BuildKit would see: a stage's ARG (build-arg, default, automatic
 *   platform ARG) and ENV, ENV of the stages it builds on, assignments in the RUN itself
 *   (`CGO_ENABLED=0 go build`, `export`, `env`, `go env -w`).
 */
import {
  absolutePath,
  contextCopies,
  expandVariables,
  findStage,
  globalScope,
  resolveBaseImage,
  stageChain,
  stageScope,
  stagesForTarget,
  workdirAt,
  type ContextCopy,
  type DockerfileModel,
  type FileOptions,
  type InstructionModel,
  type Stage,
} from '../dockerfile/model.js';
import { isImageReferenceError, parseImageReference, repositoryOf } from '../util/reference.js';
import type { CheckId, Finding, FindingLevel } from './catalog.js';
import { contextPathOf, sentContext, type ContextFiles } from './context.js';
import { isIgnored, parseDockerignore } from './dockerignore.js';
import { moduleAt, type ModuleInfo } from './module.js';
import { scanScript, scriptRunOf, type ScriptFacts, type ScriptRun } from './scripts.js';
import {
  commandsWithEnv,
  goAction,
  goInvocation,
  parseExecForm,
  parseShell,
  type GoInvocation,
  type ShellScript,
  type SimpleCommand,
} from './shell.js';

export interface CheckOptions {
  /** Target platforms of the build (normalized, e.g. linux/amd64). */
  platforms: string[];
  /** The platform of the machine that builds (BUILDPLATFORM). */
  hostPlatform: string;
  /** The `target` input. */
  target?: string;
  /** `--build-arg` values as the build passes them (VERSION among them). */
  buildArgs: Record<string, string>;
  /** The .dockerignore text that applies; undefined when there is none. */
  dockerignore?: string;
  /** The build context; undefined when unknown (checks that need it assume nothing). */
  context?: ContextFiles;
  /** The `go-private` patterns; empty or undefined when the build fetches no private modules. */
  goPrivate?: string[];
}

/** A go command a RUN runs, as written in the Dockerfile. */
export interface GoCommand {
  stage: Stage;
  ins: InstructionModel;
  go: GoInvocation;
  action: 'build' | 'download';
  /** Assignments of the RUN that reach this command, as written. */
  inlineEnv: Record<string, string>;
  /** The working directory it runs in (WORKDIR, then `cd` in the RUN). */
  cwd: string;
}

/** A script of the context that a RUN runs (directly or through another script). */
export interface ScannedScript {
  /** Its path in the context. */
  path: string;
  facts: ScriptFacts;
  /** How the RUN (or the script before it) runs it, e.g. `make build VERSION=1`. */
  run: ScriptRun;
}

/** What a RUN does beyond the go commands it shows. */
export interface RunFacts {
  stage: Stage;
  ins: InstructionModel;
  cwd: string;
  /** The RUN's own command text. */
  own: ScriptFacts;
  /** The context's scripts it runs (make's Makefile, ./build.sh, …), nested ones included. */
  scripts: ScannedScript[];
  /** Scripts it runs that the context does not show (make without a Makefile found, …). */
  unseen: ScriptRun[];
  /** The commands that run scripts, in order, with the environment and directory they run with. */
  runs: { run: ScriptRun; env: Record<string, string>; cwd: string }[];
}

const MAX_SCRIPTS = 16;

/** os/arch of a platform: amd64/v2 runs natively where amd64 does. */
export function osArch(platform: string): string {
  return platform.split('/').slice(0, 2).join('/');
}

/** Whether a runner of `host` runs `platform` without emulation (x86-64 runs 32-bit x86 too). */
export function runsNatively(host: string, platform: string): boolean {
  const h = osArch(host);
  const p = osArch(platform);
  return p === h || (h === 'linux/amd64' && p === 'linux/386');
}

/** Each RUN parsed once: the checks ask for the same RUNs many times (per command, platform and variable). */
const parsedRuns = new WeakMap<InstructionModel, ShellScript>();

export function scriptOf(ins: InstructionModel): ShellScript {
  let script = parsedRuns.get(ins);
  if (!script) {
    const run = ins.run!;
    script = (run.execForm ? parseExecForm(run.command) : undefined) ?? parseShell(run.command);
    parsedRuns.set(ins, script);
  }
  return script;
}

export function stageLabel(stage: Stage): string {
  return stage.name ? `'${stage.name}'` : `#${stage.index}`;
}

export function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

/** The repository of an image reference (registry/path, without tag or digest); as written when no reference. */
export function imageName(image: string): string {
  const ref = parseImageReference(image);
  return isImageReferenceError(ref) ? image : repositoryOf(ref);
}

/** The Go toolchain image: golang, library/golang, or a mirror's …/golang. */
export function isGoToolchainImage(image: string): boolean {
  const name = imageName(image.trim());
  return name === 'golang' || name.endsWith('/golang');
}

/** Pure: a go command as the RUN writes it (quotes kept), to the end of its simple command; rebuilt from its words when not found. */
export function goCommandText(cmd: Pick<GoCommand, 'ins' | 'go'>): string {
  const command = (cmd.ins.run?.command ?? '').split('\n')[0]!;
  const m = new RegExp(`(?:^|[\\s;&|(])((?:[\\w./-]*/)?(?:xx-)?go\\s+(?:-C\\s+\\S+\\s+)?${cmd.go.subcommand}\\b.*)$`).exec(command);
  return m ? m[1]!.split(/\s(?:&&|\|\||;)\s/)[0]!.trim() : `go ${cmd.go.subcommand} ${cmd.go.args.join(' ')}`.trim();
}

/** Each command of a RUN with the directory it runs in (`cd dir &&` moves the rest). */
function commandsWithCwd(script: ShellScript, start: string): { cmd: SimpleCommand; env: Record<string, string>; cwd: string }[] {
  let cwd = start;
  return commandsWithEnv(script).map(({ cmd, env }) => {
    const at = cwd;
    if (cmd.words[0] === 'cd' && cmd.words[1] && !cmd.words[1].includes('$')) cwd = absolutePath(cwd, cmd.words[1]);
    return { cmd, env, cwd: at };
  });
}

export class DockerfileAnalysis {
  readonly findings: Finding[] = [];
  readonly stages: Stage[];
  readonly final: Stage | undefined;
  /** The context as the builder gets it (`.dockerignore` applied). */
  readonly sent: ContextFiles | undefined;
  private readonly runCache = new Map<InstructionModel, RunFacts>();
  private commandCache: GoCommand[] | undefined;

  constructor(
    readonly model: DockerfileModel,
    readonly opts: CheckOptions,
  ) {
    this.stages = stagesForTarget(model, opts.target, this.scope(this.firstPlatform));
    this.final = opts.target ? findStage(model, opts.target) : model.stages[model.stages.length - 1];
    const rules = opts.dockerignore === undefined ? [] : parseDockerignore(opts.dockerignore);
    this.sent = opts.context && sentContext(opts.context, (p) => isIgnored(rules, p));
  }

  get firstPlatform(): string {
    return this.opts.platforms[0] ?? this.opts.hostPlatform;
  }

  scope(targetPlatform: string): FileOptions {
    return { buildArgs: this.opts.buildArgs, targetPlatform, buildPlatform: this.opts.hostPlatform };
  }

  add(id: CheckId, level: FindingLevel, ins: { line: number; text?: string }, message: string, file: Finding['file'] = 'dockerfile'): void {
    if (this.findings.some((f) => f.id === id && f.line === ins.line && f.file === file)) return;
    this.findings.push({ id, level, file, line: ins.line, message, text: ins.text === undefined ? undefined : firstLine(ins.text) });
  }

  /** The stages a stage builds on, from the one with an outside image down to itself. */
  chain(stage: Stage): Stage[] {
    return stageChain(this.model, stage, this.scope(this.firstPlatform));
  }

  /** The image the chain of a stage starts from, variables expanded. */
  rootImage(stage: Stage): string {
    return resolveBaseImage(this.model, this.chain(stage)[0]!, this.scope(this.firstPlatform)).value.trim();
  }

  /** The stage builds on a Go toolchain image (directly or through the stages it builds on). */
  onGoToolchain(stage: Stage): boolean {
    return isGoToolchainImage(this.rootImage(stage));
  }

  /** The platform a stage runs on when the build targets `target`. */
  stagePlatform(stage: Stage, target: string): string {
    for (const s of this.chain(stage).reverse()) {
      if (s.platform !== undefined) {
        const value = expandVariables(s.platform, globalScope(this.model, this.scope(target)), this.model.escapeChar).value;
        return value || target;
      }
    }
    return target;
  }

  private fileOptions(stage: Stage): FileOptions {
    return { ...this.scope(this.firstPlatform), baseWorkdir: this.onGoToolchain(stage) ? '/go' : '/' };
  }

  copiesAt(stage: Stage, ins: InstructionModel): ContextCopy[] {
    return contextCopies(this.model, stage, ins, this.fileOptions(stage));
  }

  /** The go build/install and go mod download commands of the stages the build runs. */
  goCommands(): GoCommand[] {
    if (this.commandCache) return this.commandCache;
    const out: GoCommand[] = [];
    for (const stage of this.stages) {
      for (const ins of stage.instructions) {
        if (ins.keyword !== 'RUN' || !ins.run) continue;
        const start = workdirAt(this.model, stage, ins.line, this.fileOptions(stage));
        for (const { cmd, env, cwd } of commandsWithCwd(scriptOf(ins), start)) {
          const go = goInvocation(cmd);
          const action = go && goAction(go);
          if (go && action) out.push({ stage, ins, go, action, inlineEnv: env, cwd: goDir(go, cwd) });
        }
      }
    }
    return (this.commandCache = out);
  }

  /** A variable as the go command sees it, for a build targeting `target`; undefined when unset. */
  goEnv(cmd: Pick<GoCommand, 'stage' | 'ins' | 'inlineEnv'>, name: string, target: string): string | undefined {
    // The RUN's own assignments, then ENV (of this stage and the ones it builds on): the process
    // environment wins over `go env -w`.
    const vars = stageScope(this.model, cmd.stage, cmd.ins.line, this.scope(target));
    const inline = cmd.inlineEnv[name];
    if (inline !== undefined) return expandVariables(inline, vars, this.model.escapeChar).value;
    if (vars.has(name)) return vars.get(name);
    // `go env -w` of earlier RUNs in the chain.
    let value: string | undefined;
    for (const s of this.chain(cmd.stage)) {
      for (const ins of s.instructions) {
        if (s === cmd.stage && ins.line >= cmd.ins.line) break;
        if (ins.keyword !== 'RUN' || !ins.run) continue;
        for (const { cmd: c } of commandsWithEnv(scriptOf(ins))) {
          const go = goInvocation(c);
          if (!go || go.subcommand !== 'env' || !go.args.includes('-w')) continue;
          const set = go.args.find((a) => a.startsWith(`${name}=`));
          if (set) value = set.slice(name.length + 1);
        }
      }
    }
    return value;
  }

  /** The module a go command (or a script's go build) in `cwd` at this RUN builds. */
  moduleAt(stage: Stage, ins: InstructionModel, cwd: string): ModuleInfo {
    if (!this.sent) return { found: 'unknown' };
    const creates = this.chain(stage).some((s) =>
      s.instructions.some((i) => i.keyword === 'RUN' && (s !== stage || i.line <= ins.line) && /\bgo\s+mod\s+init\b/.test(i.args)),
    );
    return moduleAt(cwd, this.copiesAt(stage, ins), this.sent, creates);
  }

  /** What a RUN runs: its own text's facts and the context scripts it runs. */
  runFacts(stage: Stage, ins: InstructionModel): RunFacts {
    const cached = this.runCache.get(ins);
    if (cached) return cached;
    const cwd = workdirAt(this.model, stage, ins.line, this.fileOptions(stage));
    const facts: RunFacts = { stage, ins, cwd, own: scanScript(ins.run?.command ?? '', 'shell'), scripts: [], unseen: [], runs: [] };
    const copies = this.copiesAt(stage, ins);
    const queue = commandsWithCwd(scriptOf(ins), cwd).map(({ cmd, env, cwd: at }) => ({ cmd, env, cwd: at, depth: 0 }));
    while (queue.length > 0 && facts.scripts.length < MAX_SCRIPTS) {
      const { cmd, env, cwd: at, depth } = queue.shift()!;
      const run = scriptRunOf(cmd);
      if (!run) continue;
      if (depth === 0) facts.runs.push({ run, env: run.kind === 'make' ? { ...env, ...run.vars } : env, cwd: at });
      const found = this.readScript(run, at, copies);
      if (!found) {
        if (depth === 0 && namesAScript(run)) facts.unseen.push(run);
        continue;
      }
      if (facts.scripts.some((s) => s.path === found.path && found.path !== '')) continue;
      facts.scripts.push(found);
      const next = found.run.kind === 'make' && found.run.dir ? absolutePath(at, found.run.dir) : at;
      if (depth < 3) for (const c of found.facts.commands) queue.push({ cmd: c, env, cwd: next, depth: depth + 1 });
    }
    this.runCache.set(ins, facts);
    return facts;
  }

  /** The context script a run names, read through the copies into the stage; undefined when not there. */
  private readScript(run: ScriptRun, cwd: string, copies: ContextCopy[]): ScannedScript | undefined {
    if (run.kind === 'inline') return { path: '', facts: scanScript(run.text, 'shell'), run };
    if (!this.sent) return undefined;
    const dir = run.kind === 'make' && run.dir ? absolutePath(cwd, run.dir) : cwd;
    const candidates =
      run.kind === 'make'
        ? run.file
          ? [run.file]
          : ['GNUmakefile', 'makefile', 'Makefile']
        : run.kind === 'file'
          ? run.candidates
          : [run.path];
    for (const candidate of candidates) {
      const path = contextPathOf(absolutePath(dir, candidate), copies, this.sent);
      const text = path === undefined ? undefined : this.sent.read(path);
      if (path !== undefined && text !== undefined)
        return { path, facts: scanScript(text, run.kind === 'make' ? 'make' : 'shell', run.kind === 'make' ? run.targets : []), run };
    }
    return undefined;
  }

  /** The RUN compiles Go: a go build/install in its text or in a script it runs. */
  buildsGo(run: RunFacts): boolean {
    return run.own.goBuild !== undefined || run.scripts.some((s) => s.facts.goBuild !== undefined);
  }

  /** The RUN may compile Go: it does, or it runs a script the context does not show. */
  mayBuildGo(run: RunFacts): boolean {
    return this.buildsGo(run) || run.unseen.length > 0;
  }

  /** Every RUN of a stage, with its facts. */
  runsOf(stage: Stage): RunFacts[] {
    return stage.instructions.filter((i) => i.keyword === 'RUN' && i.run).map((i) => this.runFacts(stage, i));
  }
}

/** A run of a build script (make, a task file, `sh x`, `./x.sh`), not of any program. */
function namesAScript(run: ScriptRun): boolean {
  if (run.kind === 'make' || run.kind === 'file') return true;
  return run.kind === 'shell' && (run.path.endsWith('.sh') || run.words[0] !== run.path);
}

/** `go -C dir build` runs in dir. */
function goDir(go: GoInvocation, cwd: string): string {
  return go.dir ? absolutePath(cwd, go.dir) : cwd;
}

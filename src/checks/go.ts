/**
 * The Go Dockerfile checks, on the parsed model (src/dockerfile/model.ts). Pure: a model and
 * the build's settings in, findings out. Each finding names the line to fix.
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
  expandVariables,
  findStage,
  globalScope,
  resolveBaseImage,
  resolveMount,
  stageChain,
  stageScope,
  stagesForTarget,
  type DockerfileModel,
  type InstructionModel,
  type ScopeOptions,
  type Stage,
} from '../dockerfile/model.js';
import { isImageReferenceError, parseImageReference, repositoryOf } from '../util/reference.js';
import { isIgnored, parseDockerignore } from './dockerignore.js';
import type { CheckId, Finding, FindingLevel } from './catalog.js';
import { commandsWithEnv, goAction, goInvocation, ldflagsOf, parseExecForm, parseShell, type GoInvocation, type ShellScript } from './shell.js';

export interface CheckOptions {
  /** Target platforms of the build (normalized, e.g. linux/amd64). */
  platforms: string[];
  /** The platform of the machine that builds (BUILDPLATFORM). */
  hostPlatform: string;
  /** The `target` input. */
  target?: string;
  /** `--build-arg` values as the build passes them. */
  buildArgs: Record<string, string>;
  /** The .dockerignore text that applies; undefined when there is none. */
  dockerignore?: string;
  /** The context has a `.git` entry (a checkout). */
  contextHasGit: boolean;
}

interface GoCommand {
  stage: Stage;
  ins: InstructionModel;
  go: GoInvocation;
  action: 'build' | 'download';
  /** Assignments of the RUN that reach this command, as written. */
  inlineEnv: Record<string, string>;
}

const PUBLISHED_QEMU = 'published Go builds show 5-10x, e.g. 146 s native vs 1314 s emulated';

/** os/arch of a platform: amd64/v2 runs natively where amd64 does. */
function osArch(platform: string): string {
  return platform.split('/').slice(0, 2).join('/');
}

function scriptOf(ins: InstructionModel): ShellScript {
  const run = ins.run!;
  return (run.execForm ? parseExecForm(run.command) : undefined) ?? parseShell(run.command);
}

function stageLabel(stage: Stage): string {
  return stage.name ? `'${stage.name}'` : `#${stage.index}`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

/**
 * The repository of an image reference (registry/path, without tag or digest). A base image
 * that is no reference (the build rejects it) is matched as written.
 */
function imageName(image: string): string {
  const ref = parseImageReference(image);
  return isImageReferenceError(ref) ? image : repositoryOf(ref);
}

export class GoDockerfileChecks {
  private readonly findings: Finding[] = [];
  private readonly stages: Stage[];
  private readonly final: Stage | undefined;

  constructor(
    private readonly model: DockerfileModel,
    private readonly opts: CheckOptions,
  ) {
    this.stages = stagesForTarget(model, opts.target, this.scope(this.firstPlatform));
    this.final = opts.target ? findStage(model, opts.target) : model.stages[model.stages.length - 1];
  }

  private get firstPlatform(): string {
    return this.opts.platforms[0] ?? this.opts.hostPlatform;
  }

  private scope(targetPlatform: string): ScopeOptions {
    return { buildArgs: this.opts.buildArgs, targetPlatform, buildPlatform: this.opts.hostPlatform };
  }

  private add(id: CheckId, level: FindingLevel, ins: { line: number; text?: string }, message: string, file: Finding['file'] = 'dockerfile'): void {
    if (this.findings.some((f) => f.id === id && f.line === ins.line && f.file === file)) return;
    this.findings.push({ id, level, file, line: ins.line, message, text: ins.text === undefined ? undefined : firstLine(ins.text) });
  }

  /** The stages a stage builds on, from the one with an outside image down to itself. */
  private chain(stage: Stage): Stage[] {
    return stageChain(this.model, stage, this.scope(this.firstPlatform));
  }

  /** The platform a stage runs on when the build targets `target`. */
  private stagePlatform(stage: Stage, target: string): string {
    for (const s of this.chain(stage).reverse()) {
      if (s.platform !== undefined) {
        const value = expandVariables(s.platform, globalScope(this.model, this.scope(target)), this.model.escapeChar).value;
        return value || target;
      }
    }
    return target;
  }

  private goCommands(): GoCommand[] {
    const out: GoCommand[] = [];
    for (const stage of this.stages) {
      for (const ins of stage.instructions) {
        if (ins.keyword !== 'RUN' || !ins.run) continue;
        for (const { cmd, env } of commandsWithEnv(scriptOf(ins))) {
          const go = goInvocation(cmd);
          const action = go && goAction(go);
          if (go && action) out.push({ stage, ins, go, action, inlineEnv: env });
        }
      }
    }
    return out;
  }

  /** A variable as the go command sees it, for a build targeting `target`; undefined when unset. */
  private goEnv(cmd: GoCommand, name: string, target: string): string | undefined {
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

  run(): Finding[] {
    if (this.model.stages.length === 0) return [];
    const commands = this.goCommands();
    this.checkEmulation(commands);
    this.checkCacheMounts(commands);
    this.checkCopyBeforeDownload();
    this.checkFinalStage(commands);
    this.checkDockerignore();
    this.checkLdflags(commands);
    return [...this.findings].sort((a, b) => (a.file === b.file ? a.line - b.line || a.id.localeCompare(b.id) : a.file === 'dockerfile' ? -1 : 1));
  }

  /** GO001 (go under QEMU) and GO010 (cross-compiling without GOOS/GOARCH). */
  private checkEmulation(commands: GoCommand[]): void {
    const host = osArch(this.opts.hostPlatform);
    const goStages = [...new Set(commands.map((c) => c.stage))];
    for (const stage of goStages) {
      const root = this.chain(stage)[0]!;
      const emulated = this.opts.platforms.filter((t) => osArch(this.stagePlatform(stage, t)) !== host);
      if (emulated.length > 0) {
        this.add(
          'GO001',
          'warning',
          root,
          `Go stage ${stageLabel(stage)} runs under QEMU emulation for ${emulated.join(', ')} (${PUBLISHED_QEMU}). Fix: FROM --platform=$BUILDPLATFORM and GOOS=$TARGETOS GOARCH=$TARGETARCH go build.`,
        );
        continue;
      }
      // Native for every platform asked now; would another platform be emulated?
      const other = host === 'linux/amd64' ? 'linux/arm64' : 'linux/amd64';
      if (osArch(this.stagePlatform(stage, other)) !== host) {
        this.add(
          'GO001',
          'notice',
          root,
          `Go stage ${stageLabel(stage)} has no --platform=$BUILDPLATFORM: native for ${this.opts.platforms.join(', ')} here, but any other platform would run go under QEMU emulation (5-10x slower). Fix: FROM --platform=$BUILDPLATFORM and GOOS=$TARGETOS GOARCH=$TARGETARCH go build.`,
        );
      }
    }
    // GO010: a stage that runs on the build platform must tell go what to build for.
    for (const cmd of commands) {
      if (cmd.action !== 'build' || cmd.go.crossWrapper) continue;
      const wrong = this.opts.platforms.filter((t) => {
        const runsOn = osArch(this.stagePlatform(cmd.stage, t));
        if (runsOn === osArch(t)) return false;
        const [os, arch] = osArch(t).split('/');
        const [hostOs, hostArch] = runsOn.split('/');
        const goarch = this.goEnv(cmd, 'GOARCH', t) || hostArch;
        const goos = this.goEnv(cmd, 'GOOS', t) || hostOs;
        return goarch !== arch || goos !== os;
      });
      if (wrong.length > 0) {
        this.add(
          'GO010',
          'warning',
          cmd.ins,
          `go ${cmd.go.subcommand} runs on ${osArch(this.stagePlatform(cmd.stage, wrong[0]!))} but GOOS/GOARCH do not follow the target: the ${wrong.join(', ')} image gets a binary for the wrong platform. Fix: ARG TARGETOS TARGETARCH in the stage, then GOOS=$TARGETOS GOARCH=$TARGETARCH go ${cmd.go.subcommand}.`,
        );
      }
    }
  }

  /** GO002: the module and build caches on cache mounts. */
  private checkCacheMounts(commands: GoCommand[]): void {
    const byRun = new Map<InstructionModel, Set<string>>();
    for (const cmd of commands) {
      const t = this.firstPlatform;
      const mounts = (cmd.ins.run?.mounts ?? [])
        .map((m) => resolveMount(this.model, cmd.stage, cmd.ins, m, this.scope(t)))
        .filter((m) => m.type === 'cache' && m.target)
        .map((m) => m.target!.replace(/\/+$/, ''));
      const covered = (paths: string[]): boolean => paths.some((p) => mounts.some((m) => p === m || p.startsWith(`${m}/`)));
      const missing = byRun.get(cmd.ins) ?? new Set<string>();
      const gomodcache = this.goEnv(cmd, 'GOMODCACHE', t);
      const gopath = this.goEnv(cmd, 'GOPATH', t)?.split(':')[0];
      const modPaths = gomodcache ? [gomodcache] : gopath ? [`${gopath}/pkg/mod`] : ['/go/pkg/mod', '/root/go/pkg/mod'];
      const flags = `${this.goEnv(cmd, 'GOFLAGS', t) ?? ''} ${cmd.go.args.join(' ')}`;
      const vendored = /(^|\s)-mod=vendor(\s|$)/.test(flags);
      if (!vendored && !covered(modPaths)) missing.add(`the module cache (${modPaths[0]})`);
      if (cmd.action === 'build') {
        const gocache = this.goEnv(cmd, 'GOCACHE', t);
        const home = this.goEnv(cmd, 'HOME', t) || '/root';
        const buildPath = gocache || `${home}/.cache/go-build`;
        if (gocache !== 'off' && !covered([buildPath])) missing.add(`the build cache (${buildPath})`);
      }
      if (missing.size > 0) byRun.set(cmd.ins, missing);
    }
    for (const [ins, missing] of byRun) {
      const what = [...missing].sort().reverse().join(' and ');
      this.add('GO002', 'warning', ins, `No cache mount for ${what}: every change builds and downloads from cold. Fix: RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go …`);
    }
  }

  /** GO003: `COPY . .` before `go mod download`. */
  private checkCopyBeforeDownload(): void {
    for (const stage of this.stages) {
      let wholeCopy: InstructionModel | undefined;
      for (const ins of stage.instructions) {
        if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.flags.some((f) => f.name === 'from') && !wholeCopy) {
          const words = parseExecForm(ins.args)?.commands[0]?.words ?? parseShell(ins.args.split('\n')[0]!).commands[0]?.words ?? [];
          const sources = words.slice(0, -1).map((w) => w.replace(/^\.\//, '').replace(/\/+$/, ''));
          if (sources.some((s) => s === '.' || s === '' || s === '*')) wholeCopy = ins;
        }
        if (wholeCopy && ins.keyword === 'RUN' && ins.run) {
          const downloads = commandsWithEnv(scriptOf(ins)).some(({ cmd }) => {
            const go = goInvocation(cmd);
            return go !== undefined && goAction(go) === 'download';
          });
          if (downloads) {
            this.add('GO003', 'warning', wholeCopy, `The whole context is copied (line ${wholeCopy.line}) before go mod download (line ${ins.line}): every code change downloads all modules again. Fix: COPY go.mod go.sum ./ and RUN go mod download first, then COPY . .`);
            break;
          }
        }
      }
    }
  }

  /** GO004-GO007: what the final stage is, runs as and starts with. */
  private checkFinalStage(commands: GoCommand[]): void {
    const final = this.final;
    if (!final) return;
    const chain = this.chain(final);
    const base = resolveBaseImage(this.model, chain[0]!, this.scope(this.firstPlatform));
    const image = base.value.trim();
    const name = imageName(image);
    const scratch = image === 'scratch';
    const staticBase = scratch || /(^|\/)distroless\/static(-debian\d+)?$/.test(name) || /(^|\/)chainguard\/static$/.test(name);

    // GO004: the toolchain image as the final stage.
    if (name === 'golang' || name.endsWith('/golang')) {
      this.add('GO004', 'warning', final, `The final stage is the Go toolchain image (${image}): the compiler and sources ship too, hundreds of MB. Fix: build in a stage, then COPY --from=build the binary into FROM scratch or gcr.io/distroless/static.`);
    }

    // GO005: a static base needs a static binary.
    if (staticBase) {
      const finalChain = new Set(chain);
      for (const cmd of commands) {
        if (cmd.action !== 'build' || finalChain.has(cmd.stage)) continue;
        const cgo = this.goEnv(cmd, 'CGO_ENABLED', this.firstPlatform);
        const ldflags = ldflagsOf(cmd.go) ?? '';
        const staticLink = /-extldflags[= ]+["']?[^"']*-static/.test(ldflags);
        if (cgo !== '0' && !staticLink) {
          this.add('GO005', 'warning', cmd.ins, `go ${cmd.go.subcommand} without CGO_ENABLED=0 for a ${scratch ? 'scratch' : 'distroless static'} final stage: a cgo binary needs libc and fails to start there. Fix: CGO_ENABLED=0 go ${cmd.go.subcommand} …`);
        }
      }
    }

    // GO006: USER in the final stage (or a stage it builds on), and not root.
    const users = chain.flatMap((s) => s.instructions.filter((i) => i.keyword === 'USER').map((ins) => ({ stage: s, ins })));
    const lastUser = users[users.length - 1];
    if (!lastUser) {
      if (!/nonroot/.test(image)) {
        this.add('GO006', 'warning', final, `The final stage runs as root (no USER): a compromised process owns the container. Fix: USER 65534:65534 (nobody), or a nonroot base such as gcr.io/distroless/static:nonroot.`);
      }
    } else {
      const expanded = expandVariables(lastUser.ins.args.trim(), stageScope(this.model, lastUser.stage, lastUser.ins.line, this.scope(this.firstPlatform)), this.model.escapeChar);
      const user = expanded.value.split(':')[0]!.trim();
      if (expanded.unresolved.length === 0 && (user === 'root' || user === '0')) {
        this.add('GO006', 'warning', lastUser.ins, `The final stage runs as root (USER ${expanded.value.trim()} is the last USER): a compromised process owns the container. Fix: USER 65534:65534 (nobody) after the steps that need root.`);
      }
    }

    // GO007: exec form for what starts the container.
    for (const keyword of ['ENTRYPOINT', 'CMD']) {
      const last = chain.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword)).pop();
      if (!last || parseExecForm(last.args.trim())) continue;
      const noShell = staticBase ? `; ${scratch ? 'scratch' : 'distroless static'} has no /bin/sh, so it cannot even start` : '';
      this.add('GO007', 'warning', last, `${keyword} in shell form runs under /bin/sh -c: your process is not PID 1 and never gets SIGTERM, so every stop waits for the kill${noShell}. Fix: ${keyword} ["/app", …] (exec form).`);
    }
  }

  /** GO008: a .dockerignore that keeps .git out of the context. */
  private checkDockerignore(): void {
    if (this.opts.dockerignore === undefined) {
      const anchor = this.model.instructions[0]!;
      this.add('GO008', 'warning', anchor, `No .dockerignore in the build context: everything (.git, local builds, .env files) is sent to the builder and COPY . . changes with each of them. Fix: add a .dockerignore with .git in it.`);
      return;
    }
    if (this.opts.contextHasGit && !isIgnored(parseDockerignore(this.opts.dockerignore), '.git')) {
      this.add('GO008', 'warning', { line: 1 }, `.dockerignore does not exclude .git: every commit changes the context and invalidates COPY . . and the layers after it. Fix: add a line .git`, 'dockerignore');
    }
  }

  /** GO009: a stripped binary. */
  private checkLdflags(commands: GoCommand[]): void {
    for (const cmd of commands) {
      if (cmd.action !== 'build') continue;
      const ldflags = ldflagsOf(cmd.go);
      const words = (ldflags ?? '').split(/\s+/);
      if (words.includes('-s') && words.includes('-w')) continue;
      const given = ldflags === undefined ? 'without -ldflags' : 'with -ldflags but without -s -w';
      this.add('GO009', 'notice', cmd.ins, `go ${cmd.go.subcommand} ${given}: the binary keeps its symbol table and DWARF data, typically 10-20% larger. Fix: -ldflags="-s -w …"`);
    }
  }
}

/** Pure: every finding for a parsed Dockerfile and the build's settings. */
export function checkGoDockerfile(model: DockerfileModel, opts: CheckOptions): Finding[] {
  return new GoDockerfileChecks(model, opts).run();
}

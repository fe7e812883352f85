/**
 * The Go Dockerfile checks, on the parsed model (src/dockerfile/model.ts) and a view of the
 * build context. Pure: a model and the build's settings in, findings out. Each finding names the
 * line to fix. What the checks share (stages, platforms, variables, scripts, modules) is in
 * analysis.ts; the checks are grouped by subject in the files next to this one.
 */
import { expandVariables, resolveBaseImage, stageScope, type DockerfileModel, type Stage } from '../dockerfile/model.js';
import { DockerfileAnalysis, goCommandText, imageName, isGoToolchainImage, type CheckOptions } from './analysis.js';
import { checkCacheMounts, checkCopyBeforeDownload } from './caches.js';
import type { Finding } from './catalog.js';
import { checkCrossTarget, checkEmulation } from './emulation.js';
import { checkGitInContext } from './git.js';
import { checkLeakedTokens, checkPrivateModules } from './secrets.js';
import { ldflagsOf, parseExecForm, parseShell } from './shell.js';
import { checkVersion, type VersionUse } from './version.js';
import { clip } from '../util/text.js';

export type { CheckOptions } from './analysis.js';
export type { VersionUse } from './version.js';

/** A shell-form command in exec form, when it is one plain command (no shell syntax to keep). */
function execForm(args: string): string | undefined {
  const text = args.trim();
  if (/[|&;<>()$`*?~\\\n]/.test(text)) return undefined;
  const commands = parseShell(text).commands;
  if (commands.length !== 1 || Object.keys(commands[0]!.assignments).length > 0) return undefined;
  return `[${commands[0]!.words.map((w) => JSON.stringify(w)).join(', ')}]`;
}

/** The final stage as GO004-GO007 see it: its chain of stages and the image it starts from. */
interface FinalStage {
  final: Stage;
  chain: Stage[];
  image: string;
  scratch: boolean;
  /** scratch, distroless static or chainguard static: no libc, no shell. */
  staticBase: boolean;
}

/** GO004: the toolchain image as the final stage. */
function checkToolchainFinal(a: DockerfileAnalysis, { final, image }: FinalStage): void {
  if (!isGoToolchainImage(image)) return;
  a.add(
    'GO004',
    'warning',
    final,
    `The final stage is the Go toolchain image (${image}): the compiler and sources ship too, hundreds of MB. ` +
      'Fix: build in a stage, then COPY --from=build the binary into FROM scratch or gcr.io/distroless/static.',
  );
}

/** GO005: a static base needs a static binary. */
function checkStaticBinary(a: DockerfileAnalysis, { chain, scratch, staticBase }: FinalStage): void {
  if (!staticBase) return;
  const finalChain = new Set(chain);
  for (const cmd of a.goCommands()) {
    if (cmd.action !== 'build' || finalChain.has(cmd.stage)) continue;
    const cgo = a.goEnv(cmd, 'CGO_ENABLED', a.firstPlatform);
    const ldflags = ldflagsOf(cmd.go) ?? '';
    const staticLink = /-extldflags[= ]+["']?[^"']*-static/.test(ldflags);
    if (cgo === '0' || staticLink) continue;
    const shown = clip(goCommandText(cmd), 80);
    a.add(
      'GO005',
      'warning',
      cmd.ins,
      `go ${cmd.go.subcommand} without CGO_ENABLED=0 for a ${scratch ? 'scratch' : 'distroless static'} final stage: ` +
        `a cgo binary needs libc and fails to start there. Fix: \`CGO_ENABLED=0 ${shown}\`.`,
    );
  }
}

/** GO006: USER in the final stage (or a stage it builds on), and not root. */
function checkFinalUser(a: DockerfileAnalysis, { final, chain, image }: FinalStage): void {
  const users = chain.flatMap((s) => s.instructions.filter((i) => i.keyword === 'USER').map((ins) => ({ stage: s, ins })));
  const lastUser = users[users.length - 1];
  if (!lastUser) {
    if (/nonroot/.test(image)) return;
    a.add(
      'GO006',
      'warning',
      final,
      'The final stage runs as root (no USER): a compromised process owns the container. ' +
        'Fix: USER 65534:65534 (nobody), or a nonroot base such as gcr.io/distroless/static:nonroot.',
    );
    return;
  }
  const expanded = expandVariables(
    lastUser.ins.args.trim(),
    stageScope(a.model, lastUser.stage, lastUser.ins.line, a.scope(a.firstPlatform)),
    a.model.escapeChar,
  );
  const user = expanded.value.split(':')[0]!.trim();
  if (expanded.unresolved.length > 0 || (user !== 'root' && user !== '0')) return;
  a.add(
    'GO006',
    'warning',
    lastUser.ins,
    `The final stage runs as root (USER ${expanded.value.trim()} is the last USER): a compromised process owns the container. ` +
      'Fix: USER 65534:65534 (nobody) after the steps that need root.',
  );
}

/** GO007: exec form for what starts the container. */
function checkExecStart(a: DockerfileAnalysis, { chain, scratch, staticBase }: FinalStage): void {
  for (const keyword of ['ENTRYPOINT', 'CMD']) {
    const last = chain.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword)).pop();
    if (!last || parseExecForm(last.args.trim())) continue;
    const noShell = staticBase ? `; ${scratch ? 'scratch' : 'distroless static'} has no /bin/sh, so it cannot even start` : '';
    a.add(
      'GO007',
      'warning',
      last,
      `${keyword} in shell form runs under /bin/sh -c: your process is not PID 1 and never gets SIGTERM, ` +
        `so every stop waits for the kill${noShell}. Fix: ${keyword} ${execForm(last.args) ?? '["/app", …]'} (exec form).`,
    );
  }
}

/** GO004-GO007: what the final stage is, runs as and starts with. */
function checkFinalStage(a: DockerfileAnalysis): void {
  const final = a.final;
  if (!final) return;
  const chain = a.chain(final);
  const image = resolveBaseImage(a.model, chain[0]!, a.scope(a.firstPlatform)).value.trim();
  const name = imageName(image);
  const scratch = image === 'scratch';
  const staticBase = scratch || /(^|\/)distroless\/static(-debian\d+)?$/.test(name) || /(^|\/)chainguard\/static$/.test(name);
  const stage: FinalStage = { final, chain, image, scratch, staticBase };
  checkToolchainFinal(a, stage);
  checkStaticBinary(a, stage);
  checkFinalUser(a, stage);
  checkExecStart(a, stage);
}

/** GO009: a stripped binary. */
function checkLdflags(a: DockerfileAnalysis): void {
  for (const cmd of a.goCommands()) {
    if (cmd.action !== 'build') continue;
    const ldflags = ldflagsOf(cmd.go);
    const words = (ldflags ?? '').split(/\s+/);
    if (words.includes('-s') && words.includes('-w')) continue;
    const given = ldflags === undefined ? 'without -ldflags' : 'with -ldflags but without -s -w';
    const fix = [words.includes('-s') ? '' : '-s', words.includes('-w') ? '' : '-w', ldflags ?? ''].filter(Boolean).join(' ');
    a.add(
      'GO009',
      'notice',
      cmd.ins,
      `go ${cmd.go.subcommand} ${given}: the binary keeps its symbol table and DWARF data, typically 10-20% larger. Fix: go ${cmd.go.subcommand} -ldflags="${fix}" …`,
    );
  }
}

/** GO014: a binary that does not depend on where it was built. */
function checkTrimpath(a: DockerfileAnalysis): void {
  for (const cmd of a.goCommands()) {
    if (cmd.action !== 'build') continue;
    if (cmd.go.args.some((w) => /^--?trimpath(?:=true)?$/.test(w))) continue;
    if (/(?:^|\s)--?trimpath(?:=true)?(?:\s|$)/.test(a.goEnv(cmd, 'GOFLAGS', a.firstPlatform) ?? '')) continue;
    const sub = cmd.go.subcommand;
    a.add(
      'GO014',
      'notice',
      cmd.ins,
      `go ${sub} without -trimpath: the binary records the paths it was built from (the WORKDIR, the module cache, GOROOT), ` +
        `so the same commit built in another directory or image is another binary, and panics show those paths. Fix: go ${sub} -trimpath …`,
    );
  }
}

export interface CheckResult {
  findings: Finding[];
  /** Where the VERSION build-arg goes, for the build summary. */
  versionUse: VersionUse;
}

/** Pure: every finding for a parsed Dockerfile and the build's settings, and where VERSION goes. */
export function analyzeGoDockerfile(model: DockerfileModel, opts: CheckOptions, only?: 'version'): CheckResult {
  if (model.stages.length === 0) return { findings: [], versionUse: { binary: false } };
  const a = new DockerfileAnalysis(model, opts);
  // With the checks off, only where VERSION goes is wanted (the build summary states it).
  if (only === 'version') return { findings: [], versionUse: checkVersion(a) };
  checkEmulation(a);
  checkCrossTarget(a);
  checkCacheMounts(a);
  checkCopyBeforeDownload(a);
  checkFinalStage(a);
  checkGitInContext(a);
  checkLdflags(a);
  checkPrivateModules(a);
  checkLeakedTokens(a);
  checkTrimpath(a);
  const versionUse = checkVersion(a);
  const findings = [...a.findings].sort((x, y) =>
    x.file === y.file ? x.line - y.line || x.id.localeCompare(y.id) : x.file === 'dockerfile' ? -1 : 1,
  );
  return { findings, versionUse };
}

/** Pure: every finding for a parsed Dockerfile and the build's settings. */
export function checkGoDockerfile(model: DockerfileModel, opts: CheckOptions): Finding[] {
  return analyzeGoDockerfile(model, opts).findings;
}

/**
 * GO001 (a Go stage under QEMU emulation) and GO010 (a cross-compiling stage that does not
 * tell go the target). A Go stage is one that compiles Go where the checks can see it (a go
 * command in a RUN, or in a Makefile or script of the context a RUN runs), or any stage on a
 * Go toolchain image (golang:*, …/golang:*, or a stage built on one) that runs anything: its
 * RUNs are the build, whatever runs go (make, a script, a task file).
 */
import type { InstructionModel, Stage } from '../dockerfile/model.js';
import {
  firstLine,
  goCommandText,
  osArch,
  runsNatively,
  stageLabel,
  type DockerfileAnalysis,
  type GoCommand,
  type RunFacts,
} from './analysis.js';
import { clip } from '../util/text.js';

const PUBLISHED_QEMU = 'published Go builds show 5-10x, e.g. 146 s native vs 1314 s emulated';
const CROSS_ENV = 'GOOS=$TARGETOS GOARCH=$TARGETARCH';

/** The RUN that shows a stage compiles Go, and how it reads in a message. */
interface Evidence {
  run: RunFacts;
  /** 0 for a go build in the RUN, up to 4 for any RUN on a toolchain image. */
  rank: number;
  /** e.g. "`make build` (line 9; go build in Makefile:4)". */
  what: string;
  /** The command to prefix with GOOS/GOARCH in the fix, e.g. `make build`. */
  command: string;
}

/** The command of a RUN that compiles Go (or the RUN's first line), as the fix shows it. */
function buildCommand(a: DockerfileAnalysis, run: RunFacts): string {
  const go = a.goCommands().find((c) => c.ins === run.ins && c.action === 'build') ?? a.goCommands().find((c) => c.ins === run.ins);
  if (go) return clip(goCommandText(go), 80);
  const text = (run.ins.run?.command ?? '').split('\n')[0]!.trim();
  const script = run.runs[0];
  if (script) return clip(script.run.words.join(' '), 60);
  return clip(text, 60);
}

/** Why the checks take a stage for a Go build (strongest first); undefined when they do not. */
function evidenceOf(a: DockerfileAnalysis, stage: Stage): Evidence | undefined {
  const runs = a.runsOf(stage);
  const goRun = (action?: string): RunFacts | undefined =>
    runs.find((r) => a.goCommands().some((c) => c.ins === r.ins && (!action || c.action === action)));
  const toolchain = a.onGoToolchain(stage);
  const candidates: (RunFacts | undefined)[] = [
    goRun('build'),
    runs.find((r) => a.buildsGo(r)),
    goRun(),
    toolchain ? runs.find((r) => a.mayBuildGo(r)) : undefined,
    toolchain ? runs[0] : undefined,
  ];
  const rank = candidates.findIndex((r) => r !== undefined);
  const run = candidates[rank];
  if (!run) return undefined;
  const command = buildCommand(a, run);
  const script = a.goCommands().some((c) => c.ins === run.ins) ? undefined : run.scripts.find((s) => s.facts.goBuild);
  const where = script ? `; go build in ${script.path || 'sh -c'}:${script.facts.goBuild!.line}` : '';
  return { run, rank, what: `\`${command}\` (line ${run.ins.line}${where})`, command };
}

/** The FROM line with `--platform=$BUILDPLATFORM` (replacing another --platform). */
function withBuildPlatform(from: InstructionModel): string {
  const line = firstLine(from.text);
  if (/--platform=\S+/.test(line)) return line.replace(/--platform=\S+/, '--platform=$BUILDPLATFORM');
  return line.replace(/^(\s*FROM)\s+/i, '$1 --platform=$BUILDPLATFORM ');
}

/** The fix of GO001, fitted to the FROM line and the RUN that builds. */
function emulationFix(a: DockerfileAnalysis, root: Stage, evidence: Evidence): string {
  const from = root.instructions[0]!;
  const inFinal = a.final !== undefined && a.chain(a.final).includes(root);
  if (inFinal) {
    return (
      `Fix: build in a stage of its own, \`${withBuildPlatform(from)} AS build\` with \`${CROSS_ENV} ${evidence.command}\`, ` +
      `and COPY --from=build only the binary into the final stage (a final stage on $BUILDPLATFORM would ship the runner's platform).`
    );
  }
  const crossing = /TARGETARCH|TARGETPLATFORM/.test(evidence.run.ins.text) || evidence.run.scripts.some((s) => s.facts.setsTarget);
  const then = crossing
    ? 'the RUN already follows TARGETARCH'
    : `then ARG TARGETOS TARGETARCH and \`RUN ${CROSS_ENV} ${evidence.command}\` (go cross-compiles)`;
  return `Fix: \`${withBuildPlatform(from)}\`, ${then}.`;
}

/** GO001: stages that compile Go under emulation, reported once per FROM line their chain starts at. */
export function checkEmulation(a: DockerfileAnalysis): void {
  const host = a.opts.hostPlatform;
  const other = osArch(host) === 'linux/amd64' ? 'linux/arm64' : 'linux/amd64';
  // The strongest evidence first: one finding per FROM line, naming the RUN that shows it best.
  const evidences = a.stages.flatMap((stage) => {
    const evidence = evidenceOf(a, stage);
    return evidence ? [{ stage, evidence }] : [];
  });
  for (const { stage, evidence } of evidences.sort((x, y) => x.evidence.rank - y.evidence.rank)) {
    const root = a.chain(stage)[0]!;
    const label = `Go stage ${stageLabel(stage)}${root === stage ? '' : ` (built on ${stageLabel(root)})`}`;
    const emulated = a.opts.platforms.filter((t) => !runsNatively(host, a.stagePlatform(stage, t)));
    if (emulated.length > 0) {
      a.add(
        'GO001',
        'warning',
        root,
        `${label} runs under QEMU emulation for ${emulated.join(', ')}: ${evidence.what} compiles there; ${PUBLISHED_QEMU}. ${emulationFix(a, root, evidence)}`,
      );
    } else if (!runsNatively(host, a.stagePlatform(stage, other))) {
      a.add(
        'GO001',
        'notice',
        root,
        `${label} has no --platform=$BUILDPLATFORM: native for ${a.opts.platforms.join(', ')} here, ` +
          `but any other platform would run ${evidence.what} under QEMU emulation (5-10x slower). ${emulationFix(a, root, evidence)}`,
      );
    }
  }
}

/** Platforms whose image gets a binary for the wrong platform: the stage runs elsewhere and GOOS/GOARCH do not follow. */
function wrongTargets(a: DockerfileAnalysis, cmd: Pick<GoCommand, 'stage' | 'ins' | 'inlineEnv'>): string[] {
  return a.opts.platforms.filter((t) => {
    const runsOn = osArch(a.stagePlatform(cmd.stage, t));
    if (runsOn === osArch(t)) return false;
    const [os, arch] = osArch(t).split('/');
    const [hostOs, hostArch] = runsOn.split('/');
    const goarch = a.goEnv(cmd, 'GOARCH', t) || hostArch;
    const goos = a.goEnv(cmd, 'GOOS', t) || hostOs;
    return goarch !== arch || goos !== os;
  });
}

/** GO010: a stage that runs on the build platform must tell go what to build for. */
export function checkCrossTarget(a: DockerfileAnalysis): void {
  const reported = new Set<InstructionModel>();
  for (const cmd of a.goCommands()) {
    if (cmd.action !== 'build' || cmd.go.crossWrapper) continue;
    const wrong = wrongTargets(a, cmd);
    if (wrong.length === 0) continue;
    reported.add(cmd.ins);
    a.add(
      'GO010',
      'warning',
      cmd.ins,
      `go ${cmd.go.subcommand} runs on ${osArch(a.stagePlatform(cmd.stage, wrong[0]!))} but GOOS/GOARCH do not follow the target: ` +
        `the ${wrong.join(', ')} image gets a binary for the wrong platform. Fix: ARG TARGETOS TARGETARCH in the stage, then \`${CROSS_ENV} ${clip(goCommandText(cmd), 80)}\`.`,
    );
  }
  // A Makefile or script that compiles Go and never names the target: only the RUN can tell go.
  for (const stage of a.stages) {
    for (const run of a.runsOf(stage)) {
      const script = run.scripts.find((s) => s.facts.goBuild);
      if (reported.has(run.ins) || !script || run.own.goBuild || run.scripts.some((s) => s.facts.setsTarget)) continue;
      const via = run.runs[0];
      const wrong = wrongTargets(a, { stage, ins: run.ins, inlineEnv: via?.env ?? {} });
      if (wrong.length === 0) continue;
      const command = clip(via ? via.run.words.join(' ') : firstLine(run.ins.run?.command ?? ''), 60);
      a.add(
        'GO010',
        'warning',
        run.ins,
        `\`${command}\` compiles Go (go build in ${script.path || 'sh -c'}:${script.facts.goBuild!.line}) ` +
          `on ${osArch(a.stagePlatform(stage, wrong[0]!))} and nothing sets GOOS/GOARCH: the ${wrong.join(', ')} image gets a binary for the wrong platform. Fix: ` +
          `ARG TARGETOS TARGETARCH in the stage, then RUN ${CROSS_ENV} ${command}.`,
      );
    }
  }
}

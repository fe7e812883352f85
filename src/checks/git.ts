/**
 * GO008: the context's .git sent into a stage. Only when the context has a .git, no
 * .dockerignore excludes it, and a COPY/ADD (or a RUN's bind mount) of the stages the build
 * runs takes it (the context root, or a path in .git). When the build reads git itself (git
 * describe, rev-parse, log in a RUN or in a script a RUN runs, or go build -buildvcs=true),
 * excluding .git would break it: a notice says so and points at the VERSION build-arg instead.
 */
import { copiesOf, type InstructionModel, type Stage } from '../dockerfile/model.js';
import { firstLine, stageLabel, type DockerfileAnalysis } from './analysis.js';
import { cleanContextPath, matchesElement } from './context.js';

/** A context source that takes .git along. */
function sendsGit(source: string): boolean {
  const clean = cleanContextPath(source);
  if (clean === undefined) return false;
  if (clean === '' || clean === '.git' || clean.startsWith('.git/')) return true;
  return !clean.includes('/') && /[*?[]/.test(clean) && matchesElement(clean, '.git');
}

/** The instructions of the build that send .git into a stage, in file order. */
function gitSenders(a: DockerfileAnalysis): { stage: Stage; ins: InstructionModel }[] {
  const out: { stage: Stage; ins: InstructionModel }[] = [];
  for (const stage of a.stages) {
    for (const ins of stage.instructions) {
      const copies = copiesOf(a.model, stage, ins, a.scope(a.firstPlatform));
      if (copies.some((c) => c.sources.some(sendsGit))) out.push({ stage, ins });
    }
  }
  return out;
}

/** Where the build reads git: the command, where it is written, and the RUN that runs it. */
interface GitRead {
  command: string;
  where: string;
  ins: InstructionModel;
  /** go build -buildvcs=true rather than a git command. */
  buildvcs: boolean;
}

/** The first git read of a stage that has .git (a stage that receives it, or one built on such a stage). */
function gitReadOf(a: DockerfileAnalysis, receivers: Set<Stage>): GitRead | undefined {
  for (const stage of a.stages) {
    if (!a.chain(stage).some((s) => receivers.has(s))) continue;
    for (const run of a.runsOf(stage)) {
      const line = `line ${run.ins.line}`;
      const own = run.own.gitReads[0];
      if (own) return { command: own.command, where: line, ins: run.ins, buildvcs: false };
      for (const s of run.scripts) {
        const read = s.facts.gitReads[0];
        const by = `run by \`${run.runs[0]?.run.words.join(' ') ?? 'RUN'}\` at ${line}`;
        if (read) return { command: read.command, where: `${s.path || 'sh -c'}:${read.line}, ${by}`, ins: run.ins, buildvcs: false };
      }
      const vcs = run.own.buildvcs === 'true' || run.scripts.some((s) => s.facts.buildvcs === 'true');
      const goflags = a
        .goCommands()
        .some((c) => c.ins === run.ins && /-buildvcs(=true)?(\s|$)/.test(a.goEnv(c, 'GOFLAGS', a.firstPlatform) ?? ''));
      if (vcs || goflags) return { command: 'go build -buildvcs=true', where: line, ins: run.ins, buildvcs: true };
    }
  }
  return undefined;
}

/** GO008: .git sent into the build. */
export function checkGitInContext(a: DockerfileAnalysis): void {
  // A .git file (a worktree's or submodule's pointer) does not change with each commit.
  if (a.opts.context?.kind('.git') !== 'dir' || a.sent?.kind('.git') === undefined) return;
  const senders = gitSenders(a);
  const sender = senders[0];
  if (!sender) return;
  const bind = sender.ins.keyword === 'RUN';
  const copy = bind
    ? `the bind mount of the RUN at line ${sender.ins.line}`
    : `\`${firstLine(sender.ins.text)}\` (line ${sender.ins.line})`;
  const invalidates = bind ? 'and re-runs that RUN' : 'and invalidates that COPY and every layer after it';
  const read = gitReadOf(a, new Set(senders.map((s) => s.stage)));
  if (read) {
    const fix = read.buildvcs
      ? 'Fix: drop -buildvcs=true (or set -buildvcs=false) and stamp the version from the VERSION build-arg the action passes (ARG VERSION, ' +
        '-ldflags "-X main.version=${VERSION}"); then .git can go into .dockerignore.'
      : `Fix: take the version from the VERSION build-arg the action passes (ARG VERSION in the stage, $VERSION where \`${read.command}\` is used), so nothing reads git; ` +
        `then .git can go into .dockerignore.`;
    a.add(
      'GO008',
      'notice',
      read.ins,
      `The build reads git: \`${read.command}\` (${read.where}) needs the .git that ${copy} sends into stage ${stageLabel(sender.stage)}, ` +
        `so excluding .git would break it; but every commit changes the context ${invalidates}. ${fix}`,
    );
    return;
  }
  // go build stamps vcs.revision from .git by default: say what goes with it.
  const receivers = new Set(senders.map((s) => s.stage));
  const stamps = a.stages.some(
    (s) => a.chain(s).some((c) => receivers.has(c)) && a.runsOf(s).some((r) => a.buildsGo(r) && !/-buildvcs=false/.test(r.ins.text)),
  );
  const vcs = stamps ? " (go build then stamps no vcs.revision; the image's org.opencontainers.image.revision label keeps the commit)" : '';
  const effect = `every commit changes the context ${invalidates}`;
  if (a.opts.dockerignore === undefined) {
    a.add(
      'GO008',
      'warning',
      sender.ins,
      `${bind ? 'The bind mount of this RUN' : copy} sends the context's .git into the build and there is no .dockerignore: ${effect}. Fix: ` +
        `add a .dockerignore to the context with the line .git${vcs}`,
    );
  } else {
    a.add(
      'GO008',
      'warning',
      { line: 1 },
      `.dockerignore does not exclude .git, and ${copy} of the Dockerfile sends it into the build: ${effect}. Fix: add a line .git${vcs}`,
      'dockerignore',
    );
  }
}

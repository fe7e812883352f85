/**
 * Where the VERSION build-arg goes. The action always passes `--build-arg VERSION=<version>`;
 * the summary, the labels and the outputs carry it, but the Go binary only does when the stage
 * that builds it declares ARG VERSION before the build and the build uses it (-ldflags -X, an
 * ENV, `make VERSION=$VERSION`, a script that reads $VERSION). GO011 says when it does not,
 * and `versionUse` says where it went, for the build's summary.
 */
import { expandVariables, findStage, stageScope, type InstructionModel, type Stage } from '../dockerfile/model.js';
import { firstLine, scriptOf, stageLabel, type DockerfileAnalysis, type RunFacts } from './analysis.js';
import { SCRIPT_READS_VERSION, type VersionAssignment } from './scripts.js';
import { ldflagsOf } from './shell.js';

/** Where the VERSION build-arg is read, for the build summary. */
export interface VersionUse {
  /** The stage that reads it (its name, else its index); undefined when no stage does. */
  stage?: string;
  /** The line that reads it. */
  line?: number;
  /** It reaches the build of the Go binary (false: only, say, a LABEL reads it). */
  binary: boolean;
}

const READS_VERSION = /\$(?:\{VERSION\b|VERSION\b)/;

/** How the version reaches (or misses) the binary built by one RUN. */
type Flow =
  | { kind: 'reaches'; line: number }
  | { kind: 'no-arg'; note: string }
  | { kind: 'unused'; argLine: number }
  | { kind: 'script'; what: string; inline?: VersionAssignment };

function stageName(stage: Stage): string {
  return stage.name ?? String(stage.index);
}

/** The stages the final image takes files from (its chain, and the chains of its --from stages). */
function sourceStages(a: DockerfileAnalysis, final: Stage): Set<Stage> {
  const out = new Set<Stage>(a.chain(final));
  for (const s of a.chain(final)) {
    for (const ins of s.instructions) {
      const refs = [ins.flags.find((f) => f.name === 'from')?.value, ...(ins.run?.mounts ?? []).map((m) => m.from)].filter(
        (r): r is string => r !== undefined,
      );
      for (const ref of refs) {
        const name = expandVariables(ref, stageScope(a.model, s, ins.line, a.scope(a.firstPlatform)), a.model.escapeChar).value;
        const from = findStage(a.model, name, s.index);
        if (from) for (const c of a.chain(from)) out.add(c);
      }
    }
  }
  return out;
}

/** The RUNs that build the Go binary the final image gets, per stage. */
function buildRuns(a: DockerfileAnalysis): RunFacts[][] {
  if (!a.final) return [];
  const sources = sourceStages(a, a.final);
  const stages = a.stages.filter((s) => sources.has(s));
  const sure = stages.map((s) => a.runsOf(s).filter((r) => a.buildsGo(r))).filter((r) => r.length > 0);
  if (sure.length > 0) return sure;
  return stages.map((s) => a.runsOf(s).filter((r) => a.mayBuildGo(r))).filter((r) => r.length > 0);
}

/** A script that sets the version itself (from git, or fixed), unless the RUN's make command line overrides it. */
function scriptSetsVersion(run: RunFacts): Flow | undefined {
  const overrides = new Set(run.runs.flatMap((r) => (r.run.kind === 'make' ? Object.keys(r.run.vars) : [])));
  if (run.own.stampsFromGit) return { kind: 'script', what: `\`${run.own.stampsFromGit.command}\` in the RUN` };
  const fixed = (v: VersionAssignment): boolean => !v.overridable && !SCRIPT_READS_VERSION.test(v.value) && !overrides.has(v.name);
  const inline = run.own.versionAssignments.find(fixed);
  if (inline) {
    const git = run.own.gitReads[0];
    return {
      kind: 'script',
      what: inline.fromGit && git ? `\`${git.command}\` in the RUN` : `\`${inline.name}=${inline.value.trim()}\` in the RUN`,
      inline,
    };
  }
  for (const script of run.scripts) {
    const where = script.path || 'sh -c';
    if (script.facts.stampsFromGit)
      return { kind: 'script', what: `\`${script.facts.stampsFromGit.command}\` in ${where}:${script.facts.stampsFromGit.line}` };
    const set = script.facts.versionAssignments.find(fixed);
    if (set) return { kind: 'script', what: `${set.fromGit ? 'git' : 'a fixed value'} in ${where}:${set.line} (\`${set.text}\`)` };
  }
  return undefined;
}

/** How the VERSION build-arg reaches the binary one RUN builds. */
function flowOf(a: DockerfileAnalysis, stage: Stage, run: RunFacts): Flow {
  const own = scriptSetsVersion(run);
  if (own) return own;
  const arg = stage.args.filter((v) => v.name === 'VERSION' && v.line < run.ins.line).pop();
  if (!arg) {
    const later = stage.args.find((v) => v.name === 'VERSION');
    const global = a.model.globalArgs.find((v) => v.name === 'VERSION');
    const parent = a.chain(stage).find((s) => s !== stage && s.args.some((v) => v.name === 'VERSION'));
    const note = later
      ? ` (its ARG VERSION at line ${later.line} comes after it)`
      : global
        ? ` (the ARG VERSION at line ${global.line} is before the first FROM: only FROM lines see it)`
        : parent
          ? ` (the ARG VERSION of stage ${stageLabel(parent)} does not cross FROM)`
          : '';
    return { kind: 'no-arg', note };
  }
  if (run.own.readsVersion) return { kind: 'reaches', line: run.ins.line };
  const env = stage.env.find((e) => e.line > arg.line && e.line < run.ins.line && READS_VERSION.test(e.value));
  if (env) return { kind: 'reaches', line: env.line };
  const script = run.scripts.find(
    (s) => s.facts.readsVersion || s.facts.versionAssignments.some((v) => v.name === 'VERSION' && v.overridable),
  );
  if (script) return { kind: 'reaches', line: run.ins.line };
  const earlier = stage.instructions.find(
    (i) => i.keyword === 'RUN' && i.line > arg.line && i.line < run.ins.line && READS_VERSION.test(i.args),
  );
  if (earlier) return { kind: 'reaches', line: earlier.line };
  return { kind: 'unused', argLine: arg.line };
}

/** The fix, fitted to how the RUN builds. */
function versionFix(a: DockerfileAnalysis, run: RunFacts, declared: boolean, flow: Flow): string {
  const declare = declared ? '' : 'ARG VERSION in the stage before this RUN, then ';
  if (flow.kind === 'script' && flow.inline) {
    const { name } = flow.inline;
    const instead =
      name === 'VERSION' ? `drop \`${name}=…\` from the RUN, so $VERSION is the build-arg` : `set ${name}=$VERSION in the RUN`;
    return `Fix: ${declare}${instead}.`;
  }
  const make = run.runs.find((r) => r.run.kind === 'make');
  if (make) {
    const name = run.scripts.flatMap((s) => s.facts.stampVars).find((v) => v !== 'VERSION') ?? 'VERSION';
    const commands = scriptOf(run.ins).commands;
    const last = commands[commands.length - 1]?.words ?? [];
    // The make command ends the RUN: the fix is the RUN as written, with the variable added.
    const shown =
      last[0] === make.run.words[0] && last.join(' ') === make.run.words.join(' ')
        ? firstLine(run.ins.run?.command ?? '')
        : make.run.words.join(' ');
    // A Makefile that stamps nothing needs the -X too.
    const builder = run.scripts.find((s) => s.facts.goBuild);
    const stamps = run.scripts.some((s) => s.facts.stampVars.length > 0 || s.facts.readsVersion);
    const also =
      builder && !stamps
        ? `, and -ldflags "-X main.version=$(VERSION)" on the go build of ${builder.path}:${builder.facts.goBuild!.line}`
        : '';
    return `Fix: ${declare}\`RUN ${shown} ${name}=$VERSION\` (a make command-line variable wins over the Makefile's)${also}.`;
  }
  const go = a
    .goCommands()
    .filter((c) => c.ins === run.ins && c.action === 'build')
    .pop();
  if (go) {
    const ldflags = ldflagsOf(go.go) ?? '';
    // An -X already there gets the build-arg as its value; else main.version does.
    const stamp = /-X[= ]?\s*[\w./-]+=\S*/;
    const flags = stamp.test(ldflags)
      ? ldflags.replace(stamp, (x) => `${x.slice(0, x.indexOf('=') + 1)}\${VERSION}`)
      : [ldflags, '-X main.version=${VERSION}'].filter(Boolean).join(' ');
    return `Fix: ${declare}go ${go.go.subcommand} -ldflags="${flags}" … (-X sets a package-level string variable, e.g. main.version).`;
  }
  const script = run.scripts.find((s) => s.path)?.path ?? 'the build script';
  return `Fix: ${declare}let ${script} stamp $VERSION: go build -ldflags="-X main.version=\${VERSION}".`;
}

function lostMessage(a: DockerfileAnalysis, stage: Stage, run: RunFacts, flow: Exclude<Flow, { kind: 'reaches' }>): string {
  const version = a.opts.buildArgs.VERSION ?? '<version>';
  const build = `\`${firstLine(run.ins.run?.command ?? '')}\` (line ${run.ins.line})`;
  const label = `stage ${stageLabel(stage)}`;
  const effect = `the summary and labels say ${version}, the binary will not.`;
  const fix = versionFix(
    a,
    run,
    stage.args.some((v) => v.name === 'VERSION' && v.line < run.ins.line),
    flow,
  );
  if (flow.kind === 'no-arg')
    return `The action passes --build-arg VERSION=${version}, but ${label} declares no ARG VERSION before ${build}${flow.note}: ${effect} ${fix}`;
  if (flow.kind === 'unused') return `${label} declares ARG VERSION (line ${flow.argLine}) but ${build} never uses it: ${effect} ${fix}`;
  return `${build} stamps the version from ${flow.what}, not from the VERSION build-arg: ${effect} ${fix}`;
}

/** GO011 and where the version went, for the build summary. */
export function checkVersion(a: DockerfileAnalysis): VersionUse {
  let use: VersionUse | undefined;
  // Build RUNs the version does not reach: their $VERSION (if any) is not the build-arg.
  const missed: InstructionModel[] = [];
  for (const runs of buildRuns(a)) {
    const stage = runs[0]!.stage;
    const flows = runs.map((r) => ({ run: r, flow: flowOf(a, stage, r) }));
    const reached = flows.find((f) => f.flow.kind === 'reaches');
    if (reached && reached.flow.kind === 'reaches') {
      use ??= { stage: stageName(stage), line: reached.flow.line, binary: true };
      continue;
    }
    missed.push(...runs.map((r) => r.ins));
    const last = flows[flows.length - 1]!;
    if (last.flow.kind !== 'reaches') a.add('GO011', 'notice', last.run.ins, lostMessage(a, stage, last.run, last.flow));
  }
  return use ?? otherUse(a, new Set(missed));
}

/** A stage that reads the VERSION build-arg outside the Go build (a LABEL, an ENV, a RUN). */
function otherUse(a: DockerfileAnalysis, missed: Set<InstructionModel>): VersionUse {
  for (const stage of a.stages) {
    const arg = stage.args.find((v) => v.name === 'VERSION');
    if (!arg) continue;
    const reader = stage.instructions.find(
      (i) =>
        i.line > arg.line &&
        !missed.has(i) &&
        (READS_VERSION.test(i.args) || (i.keyword === 'RUN' && a.runFacts(stage, i).scripts.some((s) => s.facts.readsVersion))),
    );
    if (reader) return { stage: stageName(stage), line: reader.line, binary: false };
  }
  return { binary: false };
}

/**
 * GO002 (the module and build caches on cache mounts) and GO003 (the whole context copied
 * before go mod download). The module cache only matters when there are modules to fetch: not
 * for a build from vendor/ (`-mod=vendor`, or vendor/modules.txt with go 1.14+), not without a
 * go.mod, not for a go.mod that requires nothing.
 */
import { copiesOf, resolveMount, type InstructionModel, type Stage } from '../dockerfile/model.js';
import { firstLine, type DockerfileAnalysis, type GoCommand } from './analysis.js';
import { cleanContextPath } from './context.js';
import type { ModuleInfo } from './module.js';

/** A step that compiles Go or downloads modules: a go command, or a script a RUN runs. */
interface GoStep {
  stage: Stage;
  ins: InstructionModel;
  action: 'build' | 'download';
  /** The go command's arguments (empty for a script). */
  args: string[];
  /** `-mod=…` a script passes. */
  scriptModFlag?: string;
  inlineEnv: Record<string, string>;
  cwd: string;
}

/** Why a step needs no module cache; undefined when it does. */
function noModuleCache(a: DockerfileAnalysis, step: GoStep, module: ModuleInfo): string | undefined {
  const t = a.firstPlatform;
  const flags = `${a.goEnv(step, 'GOFLAGS', t) ?? ''} ${step.args.join(' ')} ${step.scriptModFlag ? `-mod=${step.scriptModFlag}` : ''}`;
  const mod = /(?:^|\s)-mod=(\S+)/.exec(flags)?.[1];
  // `go install example.com/tool@v1` fetches the tool's modules whatever the project is.
  if (step.args.some((w) => !w.startsWith('-') && /@/.test(w))) return undefined;
  if (mod === 'vendor') return '-mod=vendor builds from vendor/';
  if (module.found === 'no') return 'there is no go.mod, so no modules to download';
  if (module.found !== 'yes') return undefined;
  if (module.vendored && mod === undefined && (step.action === 'download' || module.vendorInStage))
    return `with vendor/modules.txt and go ${module.goVersion} in ${module.path}, go builds from vendor/`;
  if (!module.requires) return `${module.path} requires no module`;
  return undefined;
}

function goSteps(a: DockerfileAnalysis): GoStep[] {
  const steps: GoStep[] = a
    .goCommands()
    .map((c: GoCommand) => ({ stage: c.stage, ins: c.ins, action: c.action, args: c.go.args, inlineEnv: c.inlineEnv, cwd: c.cwd }));
  for (const stage of a.stages) {
    for (const run of a.runsOf(stage)) {
      const script = run.scripts.find((s) => s.facts.goBuild);
      if (!script || run.own.goBuild || steps.some((s) => s.ins === run.ins)) continue;
      const via = run.runs[0];
      steps.push({
        stage,
        ins: run.ins,
        action: 'build',
        args: [],
        scriptModFlag: script.facts.modFlag,
        inlineEnv: via?.env ?? {},
        cwd: via?.cwd ?? run.cwd,
      });
    }
  }
  return steps;
}

/** The RUN with cache mounts added, as the fix shows it. */
function runWithMounts(ins: InstructionModel, targets: string[]): string {
  const flags = ins.flags.map((f) => (f.value === undefined ? `--${f.name}` : `--${f.name}=${f.value}`));
  const command = firstLine(ins.run?.command ?? '').replace(/\s*\\$/, '');
  const shown = command.length > 70 ? `${command.slice(0, 69).trimEnd()} …` : command;
  return ['RUN', ...flags, ...targets.map((t) => `--mount=type=cache,target=${t}`), shown].join(' ');
}

interface Missing {
  module?: string;
  build?: string;
  /** Why the module cache is not asked for, when it is not. */
  noModule?: string;
}

function missingFor(a: DockerfileAnalysis, step: GoStep): Missing {
  const t = a.firstPlatform;
  const mounts = (step.ins.run?.mounts ?? [])
    .map((m) => resolveMount(a.model, step.stage, step.ins, m, a.scope(t)))
    .filter((m) => m.type === 'cache' && m.target)
    .map((m) => m.target!.replace(/\/+$/, ''));
  const covered = (paths: string[]): boolean => paths.some((p) => mounts.some((m) => p === m || p.startsWith(`${m}/`)));
  // A mount of the module cache's download directory (…/pkg/mod/cache) keeps what is fetched.
  const downloadsKept = (paths: string[]): boolean => paths.some((p) => mounts.some((m) => m.startsWith(`${p}/cache`)));
  const missing: Missing = {};
  const noModule = noModuleCache(a, step, a.moduleAt(step.stage, step.ins, step.cwd));
  const gomodcache = a.goEnv(step, 'GOMODCACHE', t);
  const gopath = a.goEnv(step, 'GOPATH', t)?.split(':')[0];
  const modPaths = gomodcache ? [gomodcache] : gopath ? [`${gopath}/pkg/mod`] : ['/go/pkg/mod', '/root/go/pkg/mod'];
  if (noModule) missing.noModule = noModule;
  else if (!covered(modPaths) && !downloadsKept(modPaths)) missing.module = modPaths[0];
  if (step.action === 'build') {
    const gocache = a.goEnv(step, 'GOCACHE', t);
    const home = a.goEnv(step, 'HOME', t) || '/root';
    const buildPath = gocache || `${home}/.cache/go-build`;
    if (gocache !== 'off' && !covered([buildPath])) missing.build = buildPath;
  }
  return missing;
}

/** GO002: the module and build caches on cache mounts. */
export function checkCacheMounts(a: DockerfileAnalysis): void {
  const byRun = new Map<InstructionModel, Missing>();
  for (const step of goSteps(a)) {
    const m = missingFor(a, step);
    const seen = byRun.get(step.ins) ?? {};
    byRun.set(step.ins, { module: seen.module ?? m.module, build: seen.build ?? m.build, noModule: seen.noModule ?? m.noModule });
  }
  for (const [ins, m] of byRun) {
    if (!m.module && !m.build) continue;
    const what = [m.module && `the module cache (${m.module})`, m.build && `the build cache (${m.build})`].filter(Boolean).join(' and ');
    const effect = m.build
      ? m.module
        ? 'every change downloads and compiles from cold'
        : 'every change compiles every package from cold'
      : 'every change downloads every module again';
    const why = m.noModule && !m.module ? ` (no module cache needed: ${m.noModule})` : '';
    const fix = runWithMounts(
      ins,
      [m.module, m.build].filter((p): p is string => p !== undefined),
    );
    a.add('GO002', 'warning', ins, `No cache mount for ${what}: ${effect}${why}. Fix: ${fix}`);
  }
}

function copiesWholeContext(a: DockerfileAnalysis, stage: Stage, ins: InstructionModel): boolean {
  if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') return false;
  return copiesOf(a.model, stage, ins, a.scope(a.firstPlatform)).some((c) =>
    c.sources.some((s) => cleanContextPath(s) === '' || s === '*'),
  );
}

/** GO003: `COPY . .` before a go mod download that has modules to download. */
export function checkCopyBeforeDownload(a: DockerfileAnalysis): void {
  for (const stage of a.stages) {
    let wholeCopy: InstructionModel | undefined;
    for (const ins of stage.instructions) {
      if (!wholeCopy && copiesWholeContext(a, stage, ins)) wholeCopy = ins;
      if (!wholeCopy || ins.keyword !== 'RUN' || !ins.run) continue;
      if (!a.goCommands().some((c) => c.ins === ins && c.action === 'download')) continue;
      const module = a.moduleAt(stage, ins, a.runFacts(stage, ins).cwd);
      if (module.found === 'no' || (module.found === 'yes' && !module.requires)) continue;
      // The module files as the context has them (go.sum only when there is one).
      const mod = module.found === 'yes' ? module.path : 'go.mod';
      const sum = mod.replace(/go\.mod$/, 'go.sum');
      const files = module.found === 'yes' && a.sent?.kind(sum) !== 'file' ? mod : `${mod} ${sum}`;
      a.add(
        'GO003',
        'warning',
        wholeCopy,
        `The whole context is copied (line ${wholeCopy.line}) before go mod download (line ${ins.line}): every code change downloads all modules again. Fix: ` +
          `COPY ${files} ./ and RUN go mod download first, then ${firstLine(wholeCopy.text)}.`,
      );
      break;
    }
  }
}

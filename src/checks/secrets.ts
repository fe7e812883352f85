/**
 * GO012: with `go-private` set, a go command that downloads modules without the `netrc` secret
 * the action hands over (or without GOPRIVATE reaching it). GO013: a token that goes into the
 * image history or config: an ARG or ENV named like one (GITHUB_TOKEN, *_TOKEN, …), credentials
 * in a URL of an ARG default or ENV value, or a `git config … insteadOf` that writes one.
 */
import { resolveMount, stageScope, type InstructionModel, type Stage } from '../dockerfile/model.js';
import { NETRC_SECRET_ID } from '../buildx/go-private.js';
import { firstLine, stageLabel, type DockerfileAnalysis, type GoCommand } from './analysis.js';

/** Names that hold a credential by convention. */
const SECRET_NAME_RE = /(^|_)(TOKEN|PASSWORD|PASSWD|SECRET|API_KEY|ACCESS_KEY|PRIVATE_KEY)$/i;
/** A URL with credentials: scheme://user:password@ or scheme://${TOKEN}@. */
const URL_CREDENTIALS_RE = /[a-z][a-z0-9+.-]*:\/\/(?:[^\s/@:]+:[^\s/@]+|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)@/i;

const SECRET_FIX =
  'Fix: hand it over as a build secret instead (go-private-token for Go modules, or the secrets input with RUN --mount=type=secret,id=…), which no layer or history keeps.';

/** The RUN mounts the netrc secret (by its id, or by a target named netrc without an id). */
function mountsNetrc(a: DockerfileAnalysis, stage: Stage, ins: InstructionModel): boolean {
  return (ins.run?.mounts ?? []).some((m) => {
    if (m.type !== 'secret') return false;
    const r = resolveMount(a.model, stage, ins, m, a.scope(a.firstPlatform));
    return r.id ? r.id === NETRC_SECRET_ID : (r.target ?? '').split('/').pop() === NETRC_SECRET_ID;
  });
}

/** Some RUN at or before this one, in its stage or a stage it builds on, mounts the netrc secret. */
function netrcBefore(a: DockerfileAnalysis, cmd: GoCommand): boolean {
  return a
    .chain(cmd.stage)
    .some((s) => s.instructions.some((i) => i.keyword === 'RUN' && (s !== cmd.stage || i.line <= cmd.ins.line) && mountsNetrc(a, s, i)));
}

/** GO012: private modules need the netrc secret and GOPRIVATE where go downloads them. */
export function checkPrivateModules(a: DockerfileAnalysis): void {
  if (!a.opts.goPrivate?.length) return;
  const patterns = a.opts.goPrivate.join(',');
  for (const cmd of a.goCommands()) {
    const what = `go ${cmd.go.subcommand}`;
    if (!netrcBefore(a, cmd)) {
      a.add(
        'GO012',
        'warning',
        cmd.ins,
        `${what} in stage ${stageLabel(cmd.stage)} runs with go-private set (${patterns}) but no RUN mounts the netrc secret: ` +
          `go cannot authenticate to fetch the private modules (401/403, "terminal prompts disabled"). Fix: ` +
          `RUN --mount=type=secret,id=netrc,target=/root/.netrc --mount=type=cache,target=/go/pkg/mod go mod download.`,
      );
    } else if (mountsNetrc(a, cmd.stage, cmd.ins) && a.goEnv(cmd, 'GOPRIVATE', a.firstPlatform) === undefined) {
      // Where the secret is mounted is where modules download; a later go build finds them in the cache.
      a.add(
        'GO012',
        'warning',
        cmd.ins,
        `${what} in stage ${stageLabel(cmd.stage)} does not see GOPRIVATE: ` +
          `the action passes it as a build-arg, but the stage declares no ARG GOPRIVATE, so go asks the public proxy and checksum database for the private modules. Fix: ` +
          `ARG GOPRIVATE in the stage, before this RUN.`,
      );
    }
  }
}

/** The instruction of a stage (or the global ARGs) at a line. */
function instructionAt(a: DockerfileAnalysis, line: number): InstructionModel | undefined {
  return a.model.instructions.find((i) => i.line === line);
}

/** Why a declaration leaks a credential; undefined when it does not look like one. */
function leak(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && URL_CREDENTIALS_RE.test(value)) return 'a URL with credentials';
  if (SECRET_NAME_RE.test(name) || /^(GH|GITHUB)_TOKEN$/i.test(name)) return `a token (${name})`;
  return undefined;
}

/** GO013, ARG and ENV: a credential passed through them stays in the image history or config. */
function checkDeclarations(a: DockerfileAnalysis): void {
  const declared = [
    ...a.model.globalArgs.map((d) => ({ kind: 'ARG' as const, name: d.name, value: d.defaultValue, line: d.line })),
    ...a.stages.flatMap((s) => [
      ...s.args.map((d) => ({ kind: 'ARG' as const, name: d.name, value: d.defaultValue, line: d.line })),
      ...s.env.map((d) => ({ kind: 'ENV' as const, name: d.name, value: d.value, line: d.line })),
    ]),
  ];
  for (const d of declared) {
    const what = leak(d.name, d.value);
    const ins = instructionAt(a, d.line);
    if (!what || !ins) continue;
    const where =
      d.kind === 'ENV'
        ? 'the image config (docker inspect shows it) and every layer built on it'
        : 'the image history (docker history shows build-args a RUN uses) and the provenance attestation';
    a.add('GO013', 'warning', ins, `${d.kind} ${d.name} passes ${what} into the build: it stays in ${where}. ${SECRET_FIX}`);
  }
}

/** GO013, RUN: `git config … url.<credentials>.insteadOf` writes the token into a layer and the history. */
function checkGitInsteadOf(a: DockerfileAnalysis): void {
  for (const stage of a.stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'RUN' || !/\bgit\s+config\b/.test(ins.args) || !/insteadOf/i.test(ins.args)) continue;
      const vars = stageScope(a.model, stage, ins.line, a.scope(a.firstPlatform));
      const tokenVar = [...ins.args.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?@/g)]
        .map((m) => m[1]!)
        .find((n) => vars.has(n) || SECRET_NAME_RE.test(n));
      if (!URL_CREDENTIALS_RE.test(ins.args) && !tokenVar) continue;
      a.add(
        'GO013',
        'warning',
        ins,
        `\`${firstLine(ins.args)}\` writes a token into git's config: it stays in this layer (~/.gitconfig) and in the image history. Fix: ` +
          `go-private-token (the action's netrc secret, which git and go read for https), mounted with RUN --mount=type=secret,id=netrc,target=/root/.netrc.`,
      );
    }
  }
}

/** GO013: credentials that end up in the image. */
export function checkLeakedTokens(a: DockerfileAnalysis): void {
  checkDeclarations(a);
  checkGitInsteadOf(a);
}

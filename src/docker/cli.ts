/**
 * The real docker client: the docker CLI, each command in its own process group known to the
 * step's child registry (util/exec.ts), so a cancelled step ends it. What a command prints is
 * read here, and nowhere else.
 */
import type { Writable } from 'node:stream';
import { lastErrorLine, run, type ExecResult } from '../util/exec.js';
import { stripAnsi } from '../util/text.js';
import { startBackground } from './background.js';
import { isSettled, parseBuilder, type Builder } from './builder.js';
import type { Answer, Background, BuildOutput, CommandFailure, DockerClient, Done, ProjectObjectKind, RunningCommand } from './client.js';
import { composeArgv, composeError, downArgv, parseComposeConfig, upArgv, type ComposeProject, type ComposeService } from './compose.js';
import { mergeSamples, parseInspect, parsePs, type ContainerSample } from './containers.js';
import { parseEngine, VERSION_FORMAT, type Engine } from './engine.js';
import { composedIndex, type ComposedIndex } from './imagetools.js';
import { parseBuildxVersion, parseComposeVersion } from './versions.js';

const silent = { silent: true };

/** The longest `imagetools create` may take to point one repository's tags at an image (a few requests). */
export const IMAGETOOLS_CREATE_MS = 120_000;

/** Pure: the argv listing a project's objects of one kind, by compose's label. */
export function listArgv(kind: ProjectObjectKind, project: string): string[] {
  const filter = ['--quiet', '--filter', `label=com.docker.compose.project=${project}`];
  return kind === 'container' ? ['ps', '--all', ...filter] : [kind, 'ls', ...filter];
}

/** Pure: the argv removing objects of one kind (without the IDs). */
export function removeArgv(kind: ProjectObjectKind): string[] {
  return kind === 'container' ? ['rm', '--force', '--volumes'] : kind === 'network' ? ['network', 'rm'] : ['volume', 'rm', '--force'];
}

/** Pure: a failed command as the client reports it; `words` picks its error from stderr. */
export function failure(r: ExecResult, words: (stderr: string) => string = lastErrorLine): CommandFailure {
  if (r.cancelled)
    return { ok: false, exitCode: r.exitCode, notInstalled: false, cancelled: r.cancelled, error: `ended by the cancel (${r.cancelled})` };
  const notInstalled = r.exitCode === 127 || /is not a docker command|unknown command "compose"/.test(r.stderr);
  return { ok: false, exitCode: r.exitCode, notInstalled, error: words(r.stderr) };
}

/** Pure: a command's end, without what it printed. */
export function done(r: ExecResult): Done {
  return r.exitCode === 0 ? { ok: true } : failure(r);
}

/** Pure: a build's end: buildx's last error line and everything it printed. */
export function buildOutput(r: ExecResult): BuildOutput {
  const ok = r.exitCode === 0 && !r.cancelled;
  const error = r.cancelled ? `ended by the cancel (${r.cancelled})` : ok ? '' : lastErrorLine(r.stderr);
  return { ok, exitCode: r.exitCode, error, log: r.stderr + r.stdout };
}

/** Pure: what a command printed, parsed; a fault of the parse fails the answer with `what` it printed. */
function answer<T>(r: ExecResult, parse: (stdout: string) => T | undefined, what: string): Answer<T> {
  if (r.exitCode !== 0) return failure(r);
  const value = parse(r.stdout);
  return value === undefined ? { ok: false, exitCode: 0, notInstalled: false, error: `printed no ${what}` } : { ok: true, value };
}

function docker(args: readonly string[], options: Parameters<typeof run>[2] = silent): Promise<ExecResult> {
  return run('docker', args, options);
}

export class DockerCli implements DockerClient {
  /** Where the main build's command and output are echoed (default: stdout, the runner's log). */
  private readonly echo: Writable | undefined;
  /**
   * The builders inspected, by name ('' the current one): a step asks three times (the checks,
   * the Go cache's routing, the split build) and the answer stays the same once every node runs.
   */
  private readonly builders = new Map<string, Builder>();

  constructor(echo?: Writable) {
    this.echo = echo;
  }

  async engine(): Promise<Answer<Engine>> {
    const version = await docker(['version', '--format', VERSION_FORMAT]);
    if (version.exitCode !== 0) return failure(version);
    const status = await docker(['info', '--format', '{{json .DriverStatus}}']);
    return { ok: true, value: parseEngine(version.stdout, status.stdout) };
  }

  buildxVersion = async (): Promise<Answer<string>> => answer(await docker(['buildx', 'version']), parseBuildxVersion, 'version');

  composeVersion = async (): Promise<Answer<string>> =>
    answer(await docker(['compose', 'version', '--short']), parseComposeVersion, 'version');

  async inspectBuilder(builder?: string): Promise<Answer<Builder>> {
    const known = this.builders.get(builder ?? '');
    if (known) return { ok: true, value: known };
    const inspected = answer(await docker(['buildx', 'inspect', ...(builder ? [builder] : [])]), parseBuilder, 'builder');
    // A builder not booted yet is asked again: its nodes list their platforms once they run.
    if (inspected.ok && isSettled(inspected.value)) this.builders.set(builder ?? '', inspected.value);
    return inspected;
  }

  async bridgeGateway(): Promise<string | undefined> {
    const r = await docker(['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}']);
    if (r.exitCode !== 0) return undefined;
    return r.stdout
      .trim()
      .split(/\s+/)
      .find((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
  }

  build = async (argv: readonly string[], env?: Record<string, string>): Promise<BuildOutput> =>
    buildOutput(await docker(argv, { echo: this.echo, env }));

  helperBuild(argv: readonly string[]): RunningCommand {
    let markSpawned = (): void => undefined;
    const spawned = new Promise<void>((resolve) => (markSpawned = resolve));
    const ended = docker(argv, { silent: true, onSpawn: () => markSpawned() }).finally(() => markSpawned());
    return { spawned, done: ended.then(buildOutput) };
  }

  imagetoolsCreate = async (argv: readonly string[]): Promise<Done> =>
    done(await docker(argv, { echo: this.echo, timeoutMs: IMAGETOOLS_CREATE_MS }));

  async composeIndex(argv: readonly string[], digests: readonly string[]): Promise<Answer<ComposedIndex>> {
    const r = await docker(argv, { echo: this.echo, timeoutMs: IMAGETOOLS_CREATE_MS });
    return r.exitCode === 0 ? { ok: true, value: composedIndex(r.stdout, digests) } : failure(r);
  }

  tagImage = async (source: string, tag: string): Promise<Done> => done(await docker(['tag', source, tag]));

  async imageLayers(ref: string): Promise<string[] | undefined> {
    const inspect = await docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref]);
    if (inspect.exitCode !== 0) return undefined;
    try {
      const layers: unknown = JSON.parse(inspect.stdout);
      return Array.isArray(layers) ? layers.map(String) : undefined;
    } catch {
      return undefined;
    }
  }

  async removeImage(ref: string): Promise<Answer<'removed' | 'absent'>> {
    const r = await docker(['image', 'rm', ref]);
    if (r.exitCode === 0) return { ok: true, value: 'removed' };
    return /No such image/i.test(r.stderr) ? { ok: true, value: 'absent' } : failure(r);
  }

  saveImage = async (ref: string, file: string): Promise<Done> => done(await docker(['save', '--output', file, ref]));

  async composeConfig(p: ComposeProject): Promise<Answer<ComposeService[]>> {
    const r = await docker(composeArgv(p, 'config', '--format', 'json'), { cwd: p.cwd, silent: true });
    return r.exitCode === 0 ? { ok: true, value: parseComposeConfig(r.stdout) } : failure(r, composeError);
  }

  composeUp = (p: ComposeProject, onLine?: (line: string) => void): Background => startBackground('docker', upArgv(p), p.cwd, onLine);

  async composeContainers(p: ComposeProject): Promise<Answer<ContainerSample[]>> {
    const ps = await docker(composeArgv(p, 'ps', '--all', '--format', 'json'), { cwd: p.cwd, silent: true });
    if (ps.exitCode !== 0) return failure(ps);
    const entries = parsePs(ps.stdout);
    if (entries.length === 0) return { ok: true, value: [] };
    const inspect = await docker(['inspect', ...entries.map((e) => e.id)]);
    // A container can vanish between the two calls; inspect then fails and compose ps alone speaks.
    return { ok: true, value: mergeSamples(entries, inspect.exitCode === 0 ? parseInspect(inspect.stdout) : []) };
  }

  async composeLogs(p: ComposeProject, service: string, lines: number): Promise<string> {
    const argv = composeArgv(p, 'logs', '--no-color', '--no-log-prefix', '--tail', String(lines), service);
    const logs = await docker(argv, { cwd: p.cwd, silent: true });
    return stripAnsi(logs.stdout + (logs.exitCode === 0 ? '' : logs.stderr)).trimEnd();
  }

  composeDown = async (p: ComposeProject): Promise<Done> => done(await docker(downArgv(p), { cwd: p.cwd, silent: true }));

  async listProjectObjects(kind: ProjectObjectKind, project: string): Promise<string[]> {
    const found = await docker(listArgv(kind, project));
    return found.stdout.split(/\s+/).filter(Boolean);
  }

  removeObjects = async (kind: ProjectObjectKind, ids: readonly string[]): Promise<Done> =>
    done(await docker([...removeArgv(kind), ...ids]));
}

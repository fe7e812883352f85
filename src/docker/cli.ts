/**
 * The real docker client: the docker CLI, each command in its own process group known to the
 * step's child registry (util/exec.ts), so a cancelled step ends it.
 */
import type { Writable } from 'node:stream';
import { run, type ExecResult } from '../util/exec.js';
import { startBackground } from './background.js';
import type { Background, DockerClient, ProjectObjectKind, RunningCommand } from './client.js';
import { composeArgv, downArgv, upArgv, type ComposeProject } from './compose.js';

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

function docker(args: readonly string[], options: Parameters<typeof run>[2] = silent): Promise<ExecResult> {
  return run('docker', args, options);
}

export class DockerCli implements DockerClient {
  /** Where the main build's command and output are echoed (default: stdout, the runner's log). */
  private readonly echo: Writable | undefined;

  constructor(echo?: Writable) {
    this.echo = echo;
  }

  engineVersion = (): Promise<ExecResult> => docker(['version', '--format', '{{.Server.Version}} {{.Server.Os}}/{{.Server.Arch}}']);
  buildxVersion = (): Promise<ExecResult> => docker(['buildx', 'version']);
  inspectBuilder = (builder?: string): Promise<ExecResult> => docker(['buildx', 'inspect', ...(builder ? [builder] : [])]);
  driverStatus = (): Promise<ExecResult> => docker(['info', '--format', '{{json .DriverStatus}}']);

  async bridgeGateway(): Promise<string | undefined> {
    const r = await docker(['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}']);
    if (r.exitCode !== 0) return undefined;
    return r.stdout
      .trim()
      .split(/\s+/)
      .find((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
  }

  build = (argv: readonly string[], env?: Record<string, string>): Promise<ExecResult> => docker(argv, { echo: this.echo, env });

  helperBuild(argv: readonly string[]): RunningCommand {
    let markSpawned = (): void => undefined;
    const spawned = new Promise<void>((resolve) => (markSpawned = resolve));
    const done = docker(argv, { silent: true, onSpawn: () => markSpawned() }).finally(() => markSpawned());
    return { spawned, done };
  }

  imagetoolsCreate = (argv: readonly string[]): Promise<ExecResult> => docker(argv, { echo: this.echo, timeoutMs: IMAGETOOLS_CREATE_MS });

  tagImage = (source: string, tag: string): Promise<ExecResult> => docker(['tag', source, tag]);

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

  removeImage = (ref: string): Promise<ExecResult> => docker(['image', 'rm', ref]);
  saveImage = (ref: string, file: string): Promise<ExecResult> => docker(['save', '--output', file, ref]);

  composeConfig = (p: ComposeProject): Promise<ExecResult> =>
    docker(composeArgv(p, 'config', '--format', 'json'), { cwd: p.cwd, silent: true });
  composeUp = (p: ComposeProject, onLine?: (line: string) => void): Background => startBackground('docker', upArgv(p), p.cwd, onLine);
  composePs = (p: ComposeProject): Promise<ExecResult> =>
    docker(composeArgv(p, 'ps', '--all', '--format', 'json'), { cwd: p.cwd, silent: true });
  composeLogs = (p: ComposeProject, service: string, lines: number): Promise<ExecResult> =>
    docker(composeArgv(p, 'logs', '--no-color', '--no-log-prefix', '--tail', String(lines), service), { cwd: p.cwd, silent: true });
  composeDown = (p: ComposeProject): Promise<ExecResult> => docker(downArgv(p), { cwd: p.cwd, silent: true });
  inspectContainers = (ids: readonly string[]): Promise<ExecResult> => docker(['inspect', ...ids]);

  async listProjectObjects(kind: ProjectObjectKind, project: string): Promise<string[]> {
    const found = await docker(listArgv(kind, project));
    return found.stdout.split(/\s+/).filter(Boolean);
  }

  removeObjects = (kind: ProjectObjectKind, ids: readonly string[]): Promise<ExecResult> => docker([...removeArgv(kind), ...ids]);
}

/** The client the action runs with. */
export const dockerCli: DockerClient = new DockerCli();

/**
 * A recorded fake of the docker client: every call is recorded with its arguments, and each
 * method answers from the test's script (a default that succeeds otherwise).
 */
import type { Background, ComposeProject, DockerClient, ExecResult, ProjectObjectKind, RunningCommand } from '../../src/docker/client.ts';

export type DockerMethod = keyof DockerClient;

export interface DockerCall {
  method: DockerMethod;
  args: unknown[];
}

/** The answers a test gives, by method (missing: the default, a success). */
export type DockerScript = Partial<DockerClient>;

export const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
export const failed = (stderr: string, exitCode = 1): ExecResult => ({ exitCode, stdout: '', stderr });

/** A background command that has already ended with `result`. */
export function ended(result: ExecResult = ok()): Background {
  return { done: Promise.resolve(result), result: () => result, stop: async () => undefined };
}

/** A command that started and ended with `result`. */
export function finished(result: ExecResult | Promise<ExecResult> = ok()): RunningCommand {
  return { spawned: Promise.resolve(), done: Promise.resolve(result) };
}

const DEFAULTS: DockerClient = {
  engineVersion: async () => ok('27.5.1 linux/amd64\n'),
  buildxVersion: async () => ok('github.com/docker/buildx v0.20.0\n'),
  inspectBuilder: async () => ok('Name:   default\nDriver: docker\n'),
  driverStatus: async () => ok('[["driver-type","io.containerd.snapshotter.v1"]]\n'),
  bridgeGateway: async () => undefined,
  build: async () => ok(),
  helperBuild: () => finished(),
  imagetoolsCreate: async () => ok(),
  tagImage: async () => ok(),
  imageLayers: async () => undefined,
  removeImage: async () => ok(),
  saveImage: async () => failed('no image store in this fake'),
  composeConfig: async () => ok('{"services":{}}'),
  composeUp: () => ended(),
  composePs: async () => ok(''),
  composeLogs: async () => ok(''),
  composeDown: async () => ok(),
  inspectContainers: async () => ok('[]'),
  listProjectObjects: async () => [],
  removeObjects: async () => ok(),
};

export class FakeDocker implements DockerClient {
  readonly calls: DockerCall[] = [];
  private readonly script: DockerScript;

  constructor(script: DockerScript = {}) {
    this.script = script;
  }

  /** The calls of one method, in order. */
  callsOf(method: DockerMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** The methods called, in order. */
  methods(): DockerMethod[] {
    return this.calls.map((c) => c.method);
  }

  private answer<M extends DockerMethod>(method: M, args: Parameters<DockerClient[M]>): ReturnType<DockerClient[M]> {
    this.calls.push({ method, args });
    const impl = (this.script[method] ?? DEFAULTS[method]) as (...a: Parameters<DockerClient[M]>) => ReturnType<DockerClient[M]>;
    return impl(...args);
  }

  engineVersion = (): Promise<ExecResult> => this.answer('engineVersion', []);
  buildxVersion = (): Promise<ExecResult> => this.answer('buildxVersion', []);
  inspectBuilder = (builder?: string): Promise<ExecResult> => this.answer('inspectBuilder', [builder]);
  driverStatus = (): Promise<ExecResult> => this.answer('driverStatus', []);
  bridgeGateway = (): Promise<string | undefined> => this.answer('bridgeGateway', []);
  build = (argv: readonly string[], env?: Record<string, string>): Promise<ExecResult> => this.answer('build', [argv, env]);
  helperBuild = (argv: readonly string[]): RunningCommand => this.answer('helperBuild', [argv]);
  imagetoolsCreate = (argv: readonly string[]): Promise<ExecResult> => this.answer('imagetoolsCreate', [argv]);
  tagImage = (source: string, tag: string): Promise<ExecResult> => this.answer('tagImage', [source, tag]);
  imageLayers = (ref: string): Promise<string[] | undefined> => this.answer('imageLayers', [ref]);
  removeImage = (ref: string): Promise<ExecResult> => this.answer('removeImage', [ref]);
  saveImage = (ref: string, file: string): Promise<ExecResult> => this.answer('saveImage', [ref, file]);
  composeConfig = (p: ComposeProject): Promise<ExecResult> => this.answer('composeConfig', [p]);
  composeUp = (p: ComposeProject, onLine?: (line: string) => void): Background => this.answer('composeUp', [p, onLine]);
  composePs = (p: ComposeProject): Promise<ExecResult> => this.answer('composePs', [p]);
  composeLogs = (p: ComposeProject, service: string, lines: number): Promise<ExecResult> => this.answer('composeLogs', [p, service, lines]);
  composeDown = (p: ComposeProject): Promise<ExecResult> => this.answer('composeDown', [p]);
  inspectContainers = (ids: readonly string[]): Promise<ExecResult> => this.answer('inspectContainers', [ids]);
  listProjectObjects = (kind: ProjectObjectKind, project: string): Promise<string[]> => this.answer('listProjectObjects', [kind, project]);
  removeObjects = (kind: ProjectObjectKind, ids: readonly string[]): Promise<ExecResult> => this.answer('removeObjects', [kind, ids]);
}

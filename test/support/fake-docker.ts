/**
 * A recorded fake of the docker client: every call is recorded with its arguments, and each
 * method answers from the test's script (a default that succeeds otherwise). The helpers below
 * turn what docker prints (captures, stderr) into the client's typed answers with the real
 * parsers, so a test speaks in docker's own words.
 */
import { parseBuilder } from '../../src/docker/builder.ts';
import { failure } from '../../src/docker/cli.ts';
import type {
  Answer,
  Background,
  Builder,
  BuildOutput,
  CommandFailure,
  ComposedIndex,
  ComposeProject,
  ComposeService,
  ContainerSample,
  DockerClient,
  Done,
  Ended,
  Engine,
  ProjectObjectKind,
  RunningCommand,
} from '../../src/docker/client.ts';
import { composeError, parseComposeConfig } from '../../src/docker/compose.ts';
import { mergeSamples, parseInspect, parsePs } from '../../src/docker/containers.ts';
import { parseEngine } from '../../src/docker/engine.ts';

export type DockerMethod = keyof DockerClient;

export interface DockerCall {
  method: DockerMethod;
  args: unknown[];
}

/** The answers a test gives, by method (missing: the default, a success). */
export type DockerScript = Partial<DockerClient>;

/** A command (or a build) that passed; `log` is what a build printed. */
export const ok = (log = ''): { ok: true } & BuildOutput => ({ ok: true, exitCode: 0, error: '', log });
/** A command (or a build) that failed, printing `stderr`. */
export const failed = (stderr: string, exitCode = 1): CommandFailure & BuildOutput => ({
  ...failure({ exitCode, stdout: '', stderr }),
  log: stderr,
});
/** `compose config` failing, printing `stderr`. */
export const composeFailed = (stderr: string, exitCode = 1): CommandFailure => failure({ exitCode, stdout: '', stderr }, composeError);
/** An answer of `value`. */
export const answer = <T>(value: T): Answer<T> => ({ ok: true, value });

/** The builder `docker buildx inspect` printed as `text`. */
export function builderOf(text: string): Answer<Builder> {
  const builder = parseBuilder(text);
  return builder ? answer(builder) : { ok: false, exitCode: 0, notInstalled: false, error: 'printed no builder' };
}
/** The engine of `docker version` (`<version> <os>/<arch>`) and `docker info`'s DriverStatus. */
export const engineOf = (
  version = '27.5.1 linux/amd64\n',
  driverStatus = '[["driver-type","io.containerd.snapshotter.v1"]]',
): Answer<Engine> => answer(parseEngine(version, driverStatus));
/** The services of `docker compose config --format json`. */
export const servicesOf = (json: string): Answer<ComposeService[]> => answer(parseComposeConfig(json));
/** The containers of `docker compose ps --format json` and `docker inspect`. */
export const containersOf = (ps: string, inspect: string): Answer<ContainerSample[]> =>
  answer(mergeSamples(parsePs(ps), parseInspect(inspect)));

/** A background command that has already ended with `result`. */
export function ended(result: Ended = { exitCode: 0, output: '\n' }): Background {
  return { done: Promise.resolve(result), result: () => result, stop: async () => undefined };
}

/** A command that started and ended with `result`. */
export function finished(result: BuildOutput | Promise<BuildOutput> = ok()): RunningCommand {
  return { spawned: Promise.resolve(), done: Promise.resolve(result) };
}

const DEFAULTS: DockerClient = {
  engine: async () => engineOf(),
  buildxVersion: async () => answer('0.13.1'),
  composeVersion: async () => answer('2.26.1'),
  inspectBuilder: async () => builderOf('Name:   default\nDriver: docker\n'),
  bridgeGateway: async () => undefined,
  build: async () => ok(),
  helperBuild: () => finished(),
  imagetoolsCreate: async () => ok(),
  composeIndex: async () => failed('no registry in this fake'),
  tagImage: async () => ok(),
  imageLayers: async () => undefined,
  removeImage: async () => answer('removed'),
  saveImage: async () => failed('no image store in this fake'),
  composeConfig: async () => servicesOf('{"services":{}}'),
  composeUp: () => ended(),
  composeContainers: async () => answer([]),
  composeLogs: async () => '',
  composeDown: async () => ok(),
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

  engine = (): Promise<Answer<Engine>> => this.answer('engine', []);
  buildxVersion = (): Promise<Answer<string>> => this.answer('buildxVersion', []);
  composeVersion = (): Promise<Answer<string>> => this.answer('composeVersion', []);
  inspectBuilder = (builder?: string): Promise<Answer<Builder>> => this.answer('inspectBuilder', [builder]);
  bridgeGateway = (): Promise<string | undefined> => this.answer('bridgeGateway', []);
  build = (argv: readonly string[], env?: Record<string, string>): Promise<BuildOutput> => this.answer('build', [argv, env]);
  helperBuild = (argv: readonly string[]): RunningCommand => this.answer('helperBuild', [argv]);
  imagetoolsCreate = (argv: readonly string[]): Promise<Done> => this.answer('imagetoolsCreate', [argv]);
  composeIndex = (argv: readonly string[], digests: readonly string[]): Promise<Answer<ComposedIndex>> =>
    this.answer('composeIndex', [argv, digests]);
  tagImage = (source: string, tag: string): Promise<Done> => this.answer('tagImage', [source, tag]);
  imageLayers = (ref: string): Promise<string[] | undefined> => this.answer('imageLayers', [ref]);
  removeImage = (ref: string): Promise<Answer<'removed' | 'absent'>> => this.answer('removeImage', [ref]);
  saveImage = (ref: string, file: string): Promise<Done> => this.answer('saveImage', [ref, file]);
  composeConfig = (p: ComposeProject): Promise<Answer<ComposeService[]>> => this.answer('composeConfig', [p]);
  composeUp = (p: ComposeProject, onLine?: (line: string) => void): Background => this.answer('composeUp', [p, onLine]);
  composeContainers = (p: ComposeProject): Promise<Answer<ContainerSample[]>> => this.answer('composeContainers', [p]);
  composeLogs = (p: ComposeProject, service: string, lines: number): Promise<string> => this.answer('composeLogs', [p, service, lines]);
  composeDown = (p: ComposeProject): Promise<Done> => this.answer('composeDown', [p]);
  listProjectObjects = (kind: ProjectObjectKind, project: string): Promise<string[]> => this.answer('listProjectObjects', [kind, project]);
  removeObjects = (kind: ProjectObjectKind, ids: readonly string[]): Promise<Done> => this.answer('removeObjects', [kind, ids]);
}

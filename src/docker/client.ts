/**
 * The one seam between the action and docker: every docker, buildx and compose command the
 * action runs is a method here. The pipeline gets a client through its dependencies (the CLI
 * one unless replaced), so the stages can be driven by a recorded fake in tests.
 */
import type { ExecResult } from '../util/exec.js';
import type { ComposeProject } from './compose.js';

export type { ExecResult } from '../util/exec.js';
export type { ComposeProject } from './compose.js';

/** A command started without waiting for it. */
export interface RunningCommand {
  /** Resolves once the program has been started (or could not be). */
  spawned: Promise<void>;
  done: Promise<ExecResult>;
}

/** A command running in the background that can be stopped. */
export interface Background {
  done: Promise<ExecResult>;
  /** The result once it has ended. */
  result(): ExecResult | undefined;
  /** Ends it (SIGTERM, then SIGKILL) and waits until it has. */
  stop(): Promise<void>;
}

/** What a compose project leaves behind besides its containers' state. */
export type ProjectObjectKind = 'container' | 'network' | 'volume';

export interface DockerClient {
  /** `docker version`: stdout is `<server version> <os>/<arch>`. */
  engineVersion(): Promise<ExecResult>;
  buildxVersion(): Promise<ExecResult>;
  /** `docker buildx inspect [builder]`. */
  inspectBuilder(builder?: string): Promise<ExecResult>;
  /** `docker info`'s DriverStatus as JSON. */
  driverStatus(): Promise<ExecResult>;
  /** The docker bridge's gateway address, when there is one. */
  bridgeGateway(): Promise<string | undefined>;

  /**
   * The main build (`docker <argv>`, argv from buildxArgv), echoed to the log. `env` adds to
   * docker's environment: the values of the build's secrets, which never go into the argv.
   */
  build(argv: readonly string[], env?: Record<string, string>): Promise<ExecResult>;
  /** A helper build (`docker <argv>`, argv from helperArgv), silent. */
  helperBuild(argv: readonly string[]): RunningCommand;

  /**
   * `docker <argv>` for `buildx imagetools create` (argv from release/apply.ts): points tags at
   * an image already in the registry. Echoed to the log; ended after its deadline.
   */
  imagetoolsCreate(argv: readonly string[]): Promise<ExecResult>;

  tagImage(source: string, tag: string): Promise<ExecResult>;
  /** The layer diff IDs of a local image; undefined when it cannot be read. */
  imageLayers(ref: string): Promise<string[] | undefined>;
  removeImage(ref: string): Promise<ExecResult>;
  /** `docker save --output <file> <ref>`: the engine's image as a tar (an OCI layout from Docker Engine 25). */
  saveImage(ref: string, file: string): Promise<ExecResult>;

  composeConfig(project: ComposeProject): Promise<ExecResult>;
  /** `compose up --detach` in the background, each output line to `onLine`. */
  composeUp(project: ComposeProject, onLine?: (line: string) => void): Background;
  composePs(project: ComposeProject): Promise<ExecResult>;
  composeLogs(project: ComposeProject, service: string, lines: number): Promise<ExecResult>;
  composeDown(project: ComposeProject): Promise<ExecResult>;
  inspectContainers(ids: readonly string[]): Promise<ExecResult>;
  /** IDs of the objects labelled as the project's (compose's own label). */
  listProjectObjects(kind: ProjectObjectKind, project: string): Promise<string[]>;
  removeObjects(kind: ProjectObjectKind, ids: readonly string[]): Promise<ExecResult>;
}

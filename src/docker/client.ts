/**
 * The one seam between the action and docker: every docker, buildx and compose command the
 * action runs is a method here, and each answers with typed values, parsed here from what the
 * command printed. The entry points build one client and pass it down, so the stages can be
 * driven by a recorded fake in tests.
 */
import type { Builder } from './builder.js';
import type { ComposeProject, ComposeService } from './compose.js';
import type { ContainerSample } from './containers.js';
import type { Engine } from './engine.js';
import type { ComposedIndex } from './imagetools.js';

export type { Builder, BuilderNode } from './builder.js';
export type { ComposeProject, ComposeService } from './compose.js';
export type { ContainerSample } from './containers.js';
export type { Engine } from './engine.js';
export type { ComposedIndex } from './imagetools.js';

/** A command that failed. */
export interface CommandFailure {
  ok: false;
  exitCode: number;
  /** The program is not there: docker itself (exit 127), or the compose plugin. */
  notInstalled: boolean;
  /** The signal that cancelled the step: the command was ended by the cancel (then never notInstalled). */
  cancelled?: string;
  /** The command's own words: its last error line (compose's: its error lines); empty when it said nothing. */
  error: string;
}

/** A command that succeeded, or why not. */
export type Done = { ok: true } | CommandFailure;
/** What a command answered, or why it did not. */
export type Answer<T> = { ok: true; value: T } | CommandFailure;

/** A build's end: buildx's last error line when it failed, and everything it printed (BuildKit's progress is on stderr). */
export interface BuildOutput {
  ok: boolean;
  exitCode: number;
  /** buildx's last error line; empty when the build passed or said nothing. */
  error: string;
  log: string;
}

/** A command started without waiting for it. */
export interface RunningCommand {
  /** Resolves once the program has been started (or could not be). */
  spawned: Promise<void>;
  done: Promise<BuildOutput>;
}

/** How a background command ended: its exit code and all it printed. */
export interface Ended {
  exitCode: number;
  output: string;
}

/** A command running in the background that can be stopped. */
export interface Background {
  done: Promise<Ended>;
  /** The result once it has ended. */
  result(): Ended | undefined;
  /** Ends it (SIGTERM, then SIGKILL) and waits until it has. */
  stop(): Promise<void>;
}

/** What a compose project leaves behind besides its containers' state. */
export type ProjectObjectKind = 'container' | 'network' | 'volume';

export interface DockerClient {
  /** The engine: `docker version` and `docker info`. */
  engine(): Promise<Answer<Engine>>;
  /** `docker buildx version`: buildx's version (`0.13.1`; '' when it printed none), or why it is not there. */
  buildxVersion(): Promise<Answer<string>>;
  /** `docker compose version --short`: compose's version (`2.26.1`; '' when it printed none). */
  composeVersion(): Promise<Answer<string>>;
  /** `docker buildx inspect [builder]`: the builder with its nodes. */
  inspectBuilder(builder?: string): Promise<Answer<Builder>>;
  /** The docker bridge's gateway address, when there is one. */
  bridgeGateway(): Promise<string | undefined>;

  /**
   * The main build (`docker <argv>`, argv from buildxArgv), echoed to the log. `env` adds to
   * docker's environment: the values of the build's secrets, which never go into the argv.
   */
  build(argv: readonly string[], env?: Record<string, string>): Promise<BuildOutput>;
  /** A helper build (`docker <argv>`, argv from helperArgv), silent. */
  helperBuild(argv: readonly string[]): RunningCommand;

  /**
   * `docker <argv>` for `buildx imagetools create` (argv from release/apply.ts): points tags at
   * an image already in the registry. Echoed to the log; ended after its deadline.
   */
  imagetoolsCreate(argv: readonly string[]): Promise<Done>;
  /** `docker <argv>` for `buildx imagetools create --dry-run`: the index it composes, checked to list exactly `digests`. */
  composeIndex(argv: readonly string[], digests: readonly string[]): Promise<Answer<ComposedIndex>>;

  tagImage(source: string, tag: string): Promise<Done>;
  /** The layer diff IDs of a local image; undefined when it cannot be read. */
  imageLayers(ref: string): Promise<string[] | undefined>;
  /** `docker image rm`: `absent` when there was no such image. */
  removeImage(ref: string): Promise<Answer<'removed' | 'absent'>>;
  /** `docker save --output <file> <ref>`: the engine's image as a tar (an OCI layout from Docker Engine 25). */
  saveImage(ref: string, file: string): Promise<Done>;

  /** The services of the resolved compose model (`compose config`). */
  composeConfig(project: ComposeProject): Promise<Answer<ComposeService[]>>;
  /** `compose up --detach` in the background, each output line to `onLine`. */
  composeUp(project: ComposeProject, onLine?: (line: string) => void): Background;
  /** Every container of the project (`compose ps`), with what `docker inspect` knows about it. */
  composeContainers(project: ComposeProject): Promise<Answer<ContainerSample[]>>;
  /** The last lines a service logged (or why they could not be read), without colours. */
  composeLogs(project: ComposeProject, service: string, lines: number): Promise<string>;
  composeDown(project: ComposeProject): Promise<Done>;
  /** IDs of the objects labelled as the project's (compose's own label). */
  listProjectObjects(kind: ProjectObjectKind, project: string): Promise<string[]>;
  removeObjects(kind: ProjectObjectKind, ids: readonly string[]): Promise<Done>;
}

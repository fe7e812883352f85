import { readFile } from 'node:fs/promises';
import { ActionError, InputError, throwIfCancelled } from '../errors.js';
import type { Reporter } from '../reporter.js';
import type { Builder, DockerClient } from '../docker/client.js';
import { buildxArgv, type BuildPlan } from './plan.js';
import { secretEnv } from './extras.js';
import { privateModuleHint } from './failure-hint.js';
import { parseMetadata, type BuildMetadata } from './metadata.js';

/** What the machine's docker can do, found before any build. */
export interface DockerEnvironment {
  serverVersion: string;
  /** The engine's own platform (the one a container runs without emulation), in buildx's form. */
  enginePlatform: string;
  /** The builder with its nodes, as the Go cache's routing and the split build read it too. */
  builder: Builder;
  /** The engine keeps images in containerd, so multi-platform images can be loaded. */
  containerdImageStore: boolean;
  /** buildx's version (`0.13.1`); '' when it printed none. */
  buildxVersion: string;
}

/** Checks docker, the engine, buildx and the builder; fails with what is missing. */
export async function inspectDocker(docker: DockerClient, builder: string | undefined): Promise<DockerEnvironment> {
  const engine = await docker.engine();
  throwIfCancelled(engine, 'docker version ran');
  if (!engine.ok && engine.exitCode === 127) {
    throw new ActionError(
      'docker is not installed or not on PATH. Install Docker (with buildx) on the runner, e.g. with docker/setup-buildx-action.',
    );
  }
  if (!engine.ok) {
    throw new ActionError(`docker cannot reach its engine: ${engine.error || 'no answer'}. Start the Docker daemon or set DOCKER_HOST.`);
  }
  const buildx = await docker.buildxVersion();
  throwIfCancelled(buildx, 'docker buildx version ran');
  if (!buildx.ok) {
    throw new ActionError('docker buildx is not installed. Install the buildx plugin, e.g. with docker/setup-buildx-action.');
  }
  const inspected = await docker.inspectBuilder(builder);
  throwIfCancelled(inspected, 'docker buildx inspect ran');
  if (!inspected.ok) {
    // An inspect that printed no builder said nothing on stderr either: no error line, as before.
    const error = inspected.exitCode === 0 ? '' : inspected.error;
    if (builder)
      throw new InputError(
        'builder',
        `no buildx builder named '${builder}' (${error}). Expected the name of an existing builder, or leave it empty for the current one.`,
      );
    throw new ActionError(`docker buildx has no usable builder: ${error}`);
  }
  const { serverVersion, platform, containerdImageStore } = engine.value;
  return { serverVersion, enginePlatform: platform, builder: inspected.value, containerdImageStore, buildxVersion: buildx.value };
}

export interface BuildResult {
  ok: boolean;
  /** buildx's own last error line, when the build failed. */
  error?: string;
  metadata: BuildMetadata;
  imageId?: string;
  /** Everything buildx printed (BuildKit's progress is on stderr). */
  log: string;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

export async function runBuildx(docker: DockerClient, plan: BuildPlan): Promise<BuildResult> {
  const result = await docker.build(buildxArgv(plan), secretEnv(plan.extras));
  const metadata = parseMetadata(await readOptional(plan.metadataFile));
  const imageId = (await readOptional(plan.iidFile)).trim() || metadata.configDigest;
  const { ok, log } = result;
  const buildxError = result.error || `docker buildx build exited with code ${result.exitCode}`;
  // A private module that could not be fetched: say which input is missing, then buildx's line.
  const hint = ok ? undefined : privateModuleHint(log, plan.goPrivate);
  return { ok, error: ok ? undefined : hint ? `${hint} (${buildxError})` : buildxError, metadata, imageId, log };
}

/** How the containerd image store is turned on, as the messages name it. */
const CONTAINERD_STORE = '{"features":{"containerd-snapshotter":true}} in daemon.json';

/** Explains, before building, a combination the machine's docker cannot do. */
export function checkCapabilities(
  plan: Pick<BuildPlan, 'load' | 'platforms' | 'push' | 'pushByDigest'>,
  docker: DockerEnvironment,
  reporter: Reporter,
): void {
  const classicDocker = !docker.containerdImageStore && docker.builder.driver === 'docker';
  // buildx would refuse it only once the build started ("Multi-platform build is not supported for the docker driver").
  if (plan.platforms.length > 1 && !plan.load && classicDocker) {
    throw new InputError(
      'platforms',
      `cannot build ${plan.platforms.length} platforms with the builder ${docker.builder.name} (docker driver) on this engine's classic image store. ` +
        `Expected one platform, a docker-container builder (e.g. docker/setup-buildx-action), or the containerd image store (${CONTAINERD_STORE}).`,
    );
  }
  if (plan.load && plan.platforms.length > 1 && classicDocker) {
    throw new InputError(
      'load',
      `cannot load ${plan.platforms.length} platforms into this engine's classic image store. ` +
        `Expected one platform with load: true, or turn on the containerd image store (${CONTAINERD_STORE}).`,
    );
  }
  // The tags move only after the checks, so the image goes to the registry by digest first: the
  // docker driver can only do that through an OCI layout, which the classic store cannot write.
  if (plan.push && !plan.pushByDigest) {
    reporter.warning(
      `The builder ${docker.builder.name} (docker driver) on this engine's classic image store cannot push by digest: ` +
        'the push moves the tags itself, before the checks run. For tags that move only once every check passed, ' +
        `use a docker-container builder (e.g. docker/setup-buildx-action) or the containerd image store (${CONTAINERD_STORE}).`,
    );
  }
  reporter.debug(
    `builder ${docker.builder.name} (${docker.builder.driver}), engine ${docker.serverVersion}, containerd image store: ${docker.containerdImageStore}`,
  );
}

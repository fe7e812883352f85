/**
 * Runs the helper builds (inject, extract) on the builder the real build uses. Thin adapter:
 * the Dockerfiles and scripts come from scripts.ts, the command from the docker client.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DockerClient } from '../docker/client.js';

export interface HelperBuild {
  builder?: string;
  /**
   * Routes the build to the node that builds this platform (a builder of several nodes). The
   * helper's stages run on the node's own platform ($BUILDPLATFORM) whatever this says.
   */
  platform?: string;
  /** Directory sent as the build context (bind-mounted at /gca-in). */
  context: string;
  dockerfileText: string;
  /** Where to write the Dockerfile (outside the context, so it is not sent twice). */
  dockerfilePath: string;
  /** For extract: the tar file the scratch stage is exported to. */
  tarOutput?: string;
}

export interface HelperResult {
  ok: boolean;
  error?: string;
  seconds: number;
  log: string;
}

/** A helper build under way. */
export interface StartedHelper {
  /** Resolves once docker has been started (or could not be, or the Dockerfile not written). */
  spawned: Promise<void>;
  result: Promise<HelperResult>;
}

/** Pure: the buildx argv of a helper build. */
export function helperArgv(build: Omit<HelperBuild, 'dockerfileText'>, nonce: string): string[] {
  const args = ['buildx', 'build'];
  if (build.builder) args.push('--builder', build.builder);
  if (build.platform) args.push('--platform', build.platform);
  args.push('--progress', 'plain', '--provenance', 'false', '--sbom', 'false');
  args.push('--file', build.dockerfilePath, '--build-arg', `GCA_NONCE=${nonce}`);
  // No image is written anywhere: the result is either a tar of the scratch stage or nothing.
  args.push('--output', build.tarOutput ? `type=tar,dest=${build.tarOutput}` : 'type=cacheonly');
  args.push(build.context);
  return args;
}

export function startHelperBuild(docker: DockerClient, build: HelperBuild): StartedHelper {
  let markSpawned = (): void => undefined;
  const spawned = new Promise<void>((resolve) => (markSpawned = resolve));
  const result = (async (): Promise<HelperResult> => {
    const started = Date.now();
    await writeFile(build.dockerfilePath, build.dockerfileText);
    const command = docker.helperBuild(helperArgv(build, randomUUID()));
    void command.spawned.then(markSpawned);
    const r = await command.done;
    const seconds = (Date.now() - started) / 1000;
    if (!r.ok) return { ok: false, error: r.error || `docker buildx build exited with ${r.exitCode}`, seconds, log: r.log };
    return { ok: true, seconds, log: r.log };
  })().finally(markSpawned);
  return { spawned, result };
}

export function runHelperBuild(docker: DockerClient, build: HelperBuild): Promise<HelperResult> {
  return startHelperBuild(docker, build).result;
}

export function helperPaths(dir: string, name: string): { dockerfile: string; tar: string } {
  return { dockerfile: join(dir, `${name}.Dockerfile`), tar: join(dir, `${name}.tar`) };
}

/** The build itself, between the Go cache's restore and extract, and the push of what it made. */
import type { BuildResult } from '../buildx/docker.js';
import type { BuildPlan } from '../buildx/plan.js';
import { buildImage } from '../buildx/split-build.js';
import type { DockerClient } from '../docker/client.js';
import { goCacheAfterBuild, type GoCacheSession } from '../go-cache/stage.js';
import { RegistryGuards } from '../oci/registry-client.js';
import { pushLayoutStage } from '../oci/registry-push.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import type { StateWriter } from '../state.js';
import type { Collector } from './collector.js';
import type { PipelineDeps } from './deps.js';

/**
 * The build between the Go cache's restore and extract. The extract runs whatever the build
 * did: after a failed (or thrown) build it only ends the helpers holding the cache mounts.
 */
export async function buildWithCache(
  plan: BuildPlan,
  session: GoCacheSession | undefined,
  deps: { reporter: Reporter; state: StateWriter; docker: DockerClient },
): Promise<{ result: BuildResult; seconds: number }> {
  let result: BuildResult | undefined;
  try {
    const started = Date.now();
    result = await deps.reporter.group(`Building ${plan.platforms.join(', ')}`, () =>
      buildImage(deps.docker, plan, (m) => deps.reporter.info(m)),
    );
    // The build's own time: the cache extract below is not part of it.
    const seconds = (Date.now() - started) / 1000;
    if (result.ok)
      deps.reporter.info(
        `Built ${plan.platforms.join(', ')} in ${seconds.toFixed(1)} s${result.metadata.digest ? `: ${result.metadata.digest}` : ''}`,
      );
    return { result, seconds };
  } finally {
    await goCacheAfterBuild(session, result?.ok === true, deps);
  }
}

/**
 * Pure: the build's outputs and its failure (its summary section is written once the tags moved,
 * or did not). A failed build names no image and no digest. When the action pushes the build's
 * OCI layout itself (`actionPushes`), `digest` comes from that push once it succeeded, never
 * before: a push that did not happen sets no digest.
 */
export function buildOutputs(result: BuildResult, actionPushes = false): StageResult {
  const outputs: StageResult['outputs'] = {};
  if (result.ok && result.imageId) outputs.imageid = result.imageId;
  if (result.ok && result.metadata.digest && !actionPushes) outputs.digest = result.metadata.digest;
  outputs.metadata = JSON.stringify(result.metadata.raw);
  return { outputs, failures: result.ok ? [] : [`Build failed: ${result.error}`] };
}

/** Pure: whether the action pushes the build's OCI layout itself (the docker driver), rather than BuildKit. */
export function actionPushes(plan: Pick<BuildPlan, 'push' | 'pushByDigest'>): boolean {
  return plan.push && !!plan.pushByDigest && plan.pushByDigest.via !== 'exporter';
}

/** The image pushed by digest: where it is, for the tags. */
export interface Pushed {
  digest: string;
  mediaType?: string;
}

/** BuildKit pushed already (by digest, or under the tags); from the docker driver's OCI layout, the action does. Undefined: nothing to tag. */
export async function pushIfNeeded(
  plan: BuildPlan,
  build: BuildResult,
  deps: Pick<PipelineDeps, 'reporter' | 'ctx'>,
  out: Collector,
): Promise<Pushed | undefined> {
  if (!plan.push) return undefined;
  if (!plan.pushByDigest || !actionPushes(plan))
    return build.metadata.digest ? { digest: build.metadata.digest, mediaType: build.metadata.mediaType } : undefined;
  const guards = new RegistryGuards(undefined, deps.ctx.deadlineScale);
  const pushed = await pushLayoutStage(plan, plan.pushByDigest.repositories, deps.reporter, guards);
  out.take(pushed.result, 'push');
  return pushed.image;
}

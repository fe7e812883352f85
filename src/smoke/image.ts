/** The image the smoke test runs: the one this run built, for the engine's platform, under a tag of its own. */
import { join } from 'node:path';
import { runBuildx, type BuildResult } from '../buildx/docker.js';
import type { BuildPlan } from '../buildx/plan.js';
import type { DockerClient } from '../docker/client.js';
import { ActionError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { layoutDiffIds } from './layout.js';
import type { SmokeSetup } from './setup.js';
import { plural } from '../util/plural.js';

/** Pure: the tag of the image the smoke test loads itself (removed afterwards). */
export function smokeImageTag(projectName: string): string {
  return `go-container-action-smoke:${projectName}`;
}

export interface ImageUnderTest {
  ref: string;
  /** How it got into the image store. */
  how: 'reused' | 'loaded';
  seconds: number;
  /** For a loaded image: whether its layers are those the build produced (when the build's result is readable). */
  sameAsBuild?: boolean;
}

/** Pure: whether two lists of layer diff IDs are the same filesystem. */
export function sameLayers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * Puts the image this run built, for the engine's platform, into the local image store
 * under a tag of the smoke test's own. A build that loaded its result is reused; a pushed or
 * OCI-layout result is loaded by a second build of the same plan for this platform only,
 * which BuildKit answers from the cache of the first.
 */
export async function prepareImage(
  docker: DockerClient,
  setup: Pick<SmokeSetup, 'projectName' | 'platform'>,
  build: { plan: BuildPlan; result: BuildResult; workDir: string },
  reporter: Reporter,
): Promise<ImageUnderTest> {
  const { plan, workDir } = build;
  const tag = smokeImageTag(setup.projectName);
  const started = Date.now();
  // The docker driver on the classic image store loads its result without being asked (plan.ociLayoutFromEngine).
  if (plan.load || plan.ociLayoutFromEngine) {
    // The containerd image store names an image by its index or manifest digest, the classic
    // store by its config digest (the iidfile); a tag of the build names it in both.
    const candidates = [
      ...new Set([plan.tags[0], build.result.metadata.digest, build.result.imageId].filter((c): c is string => Boolean(c))),
    ];
    let lastError = 'the build named no image';
    for (const candidate of candidates) {
      const tagged = await docker.tagImage(candidate, tag);
      if (tagged.ok) {
        reporter.info(`Reusing the loaded image ${candidate} as ${tag}`);
        return { ref: tag, how: 'reused', seconds: (Date.now() - started) / 1000 };
      }
      lastError = tagged.error;
    }
    reporter.info(`Could not tag the loaded image (${lastError}); loading it with a cached build`);
  }
  const second: BuildPlan = {
    ...plan,
    platforms: [setup.platform],
    tags: [tag],
    push: false,
    load: true,
    ociLayoutDir: undefined,
    pushByDigest: undefined,
    cacheTo: [],
    metadataFile: join(workDir, 'smoke-metadata.json'),
    iidFile: join(workDir, 'smoke-iid.txt'),
  };
  const result = await runBuildx(docker, second);
  if (!result.ok) throw new ActionError(`Could not load the image for ${setup.platform} for the smoke test: ${result.error}`);
  const took = (Date.now() - started) / 1000;
  reporter.info(`Loaded ${setup.platform} as ${tag} with a cached build in ${took.toFixed(1)} s`);
  // The same inputs from the same cache give the same layers (only the config's creation time
  // differs); check it where the build's result is readable (an OCI layout).
  const built = plan.ociLayoutDir ? await layoutDiffIds(plan.ociLayoutDir, setup.platform) : undefined;
  const loaded = await docker.imageLayers(tag);
  if (!built || !loaded) return { ref: tag, how: 'loaded', seconds: took };
  const same = sameLayers(built, loaded);
  if (same) reporter.info(`Same ${plural(loaded.length, 'layer')} as the build's ${setup.platform} image`);
  else
    reporter.warning(
      `The image loaded for the smoke test has other layers than the ${setup.platform} image the build produced: a step of the Dockerfile is not reproducible from the build cache.`,
    );
  return { ref: tag, how: 'loaded', seconds: took, sameAsBuild: same };
}

/** Pure: how the image under test got into the image store, for the summary. */
export function imageNote(image: Pick<ImageUnderTest, 'how' | 'seconds' | 'sameAsBuild'>): string {
  if (image.how === 'reused') return 'the image the build loaded';
  const same =
    image.sameAsBuild === true ? ', the same layers as the build' : image.sameAsBuild === false ? ', ⚠️ other layers than the build' : '';
  return `loaded by a cached build in ${image.seconds.toFixed(1)} s${same}`;
}

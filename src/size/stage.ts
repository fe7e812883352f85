/** The built image measured once, and the platform check of its Go programs. */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { BuildPlan } from '../buildx/plan.js';
import type { BuildResult } from '../buildx/docker.js';
import type { RunContext } from '../context.js';
import type { DockerClient } from '../docker/client.js';
import { errorText } from '../errors.js';
import { RegistryGuards } from '../oci/registry-client.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import { formatBytes } from '../util/bytes.js';
import { isImageReferenceError, parseImageReference, repositoryOf, repositoriesOf } from '../util/reference.js';
import { saveEngineLayout } from './engine-layout.js';
import { goPrograms, type PlatformProgram } from './go-binaries.js';
import { measureImage, type ImageSize } from './measure.js';
import { checkPlatforms, platformCheckFailure, type PlatformCheck, type ProgramFacts } from './platform-check.js';
import { RegistrySource } from './registry.js';
import { OciLayoutSource, type BlobSource } from './source.js';

/** What the measurement needs: the plan and what the build produced. */
export interface MeasureInput {
  plan: BuildPlan;
  build: BuildResult;
  ctx: Pick<RunContext, 'workspace'>;
  /** Saves the layout from the engine's image store where the builder could not write it (plan.ociLayoutFromEngine). */
  docker?: DockerClient;
  /** Read each Go binary's function table too (the vulnerability scan). */
  symbols?: boolean;
}

/**
 * The stable name of the image across runs (tags change with every version): the repository
 * of the first tag, or the Dockerfile it was built from. It keys the baseline and the comment.
 */
export function imageName(plan: Pick<BuildPlan, 'tags' | 'file' | 'target'>, workspace: string): string {
  const first = plan.tags[0];
  if (first) {
    const parsed = parseImageReference(first);
    if (!isImageReferenceError(parsed)) return repositoryOf(parsed);
  }
  return `${relative(workspace, plan.file) || plan.file}${plan.target ? `#${plan.target}` : ''}`;
}

/**
 * Where the built image can be read: the OCI layout the build wrote (not pushed, or pushed by
 * the action from that layout), else the registry it was pushed to, by digest (no tag names
 * it before the checks pass).
 */
export function imageSource(plan: BuildPlan, build: BuildResult, guards = new RegistryGuards()): BlobSource | undefined {
  if (plan.ociLayoutDir && existsSync(plan.ociLayoutDir)) return new OciLayoutSource(plan.ociLayoutDir);
  const digest = build.metadata.digest;
  // The repositories pushed to are those of the tags, by digest or under the tags.
  const repository = repositoriesOf(plan.tags)[0];
  if (plan.push && digest && repository) return new RegistrySource(`${repository}@${digest}`, guards);
  return undefined;
}

/** The built image, measured, with the Go program of each platform. */
export interface Measured {
  measured: ImageSize;
  programs: Record<string, PlatformProgram>;
}

/** The measurement the checks and the report share; `image` is why it failed when it did. */
export interface Measurement {
  name: string;
  /** One set of registry deadlines for the run: the image and its baseline may share a host. */
  guards: RegistryGuards;
  image: Measured | { fault: string };
}

/** Saves the OCI layout from the engine where the plan says so; the fault, if it could not. */
async function layoutFromEngine({ plan, build, docker }: MeasureInput, reporter: Reporter): Promise<string | undefined> {
  if (!plan.ociLayoutFromEngine || !plan.ociLayoutDir || !docker) return undefined;
  if (!build.imageId) return 'The built image cannot be measured: the build named no image ID to save from the engine.';
  try {
    await reporter.group(`Saving ${build.imageId} from the engine's image store`, async () => {
      const started = Date.now();
      await saveEngineLayout(docker, build.imageId!, plan.ociLayoutDir!);
      reporter.info(
        `Saved as an OCI layout, layers compressed with gzip as a push would, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
    return undefined;
  } catch (error) {
    return `The built image cannot be measured: ${errorText(error)}`;
  }
}

/** Measures every platform of the built image and finds its Go programs; a fault is the message why it could not. */
export async function measureBuild(input: MeasureInput, reporter: Reporter, guards = new RegistryGuards()): Promise<Measurement> {
  const name = imageName(input.plan, input.ctx.workspace);
  const saved = await layoutFromEngine(input, reporter);
  if (saved) return { name, guards, image: { fault: saved } };
  const source = imageSource(input.plan, input.build, guards);
  if (!source)
    return { name, guards, image: { fault: 'The built image cannot be measured: it was neither pushed nor written as an OCI layout.' } };
  try {
    const measured = await reporter.group(`Measuring ${name}`, async () => {
      const m = await measureImage(source);
      for (const p of m.platforms)
        reporter.info(
          `${p.platform}: ${formatBytes(p.compressedBytes)} compressed, ${formatBytes(p.uncompressedBytes)} unpacked, ${p.layers.length} layers`,
        );
      return m;
    });
    return { name, guards, image: { measured, programs: await goPrograms(source, measured, reporter, { symbols: input.symbols }) } };
  } catch (error) {
    return { name, guards, image: { fault: `Could not measure the image from ${source.name}: ${errorText(error)}` } };
  }
}

/** Pure: what the platform check is told about each platform's program. */
export function programFacts(image: Measured): ProgramFacts[] {
  return image.measured.platforms.map((p) => {
    const program = image.programs[p.platform] ?? { missing: 'no Go binary found' };
    const b = program.binary;
    return b
      ? { platform: p.platform, path: b.path, settings: b.buildInfo.settings, linking: b.linking, loader: program.loader }
      : { platform: p.platform, missing: program.missing ?? 'no Go binary found' };
  });
}

/** The platform check as a stage: errors fail the step, warnings warn, what could not be judged is said. */
export function platformCheckStage(measurement: Measurement, reporter: Reporter): { check: PlatformCheck; result: StageResult } {
  const check: PlatformCheck =
    'fault' in measurement.image
      ? { status: 'skipped', errors: [], warnings: [], unchecked: [`not checked: ${measurement.image.fault}`] }
      : checkPlatforms(programFacts(measurement.image));
  for (const w of check.warnings) reporter.warning(`Platform check: ${w}`);
  for (const u of check.unchecked) reporter.info(`Platform check: ${u}`);
  if (check.status === 'passed') reporter.info(`Platform check passed: each Go binary checked was built for its platform.`);
  const failure = platformCheckFailure(check);
  return { check, result: { outputs: {}, failures: failure ? [failure] : [] } };
}

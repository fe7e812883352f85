/**
 * The build, run as buildx runs it, or split by node (buildx/split.ts) when the builder's nodes
 * share the platforms of a build that writes an OCI layout: the parts run side by side, each
 * a buildx build of its own (a cancelled step ends them all, as it ends one), and their
 * layouts become one, whose index lists every platform.
 */
import { copyFile, link, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BuilderNode, DockerClient } from '../docker/client.js';
import { ActionError, errorText } from '../errors.js';
import type { Descriptor, ImageIndex } from '../oci/descriptor.js';
import { OciLayout } from '../oci/layout.js';
import { isIndex, OCI_INDEX } from '../oci/media-types.js';
import { isManifestShape } from '../oci/shape.js';
import { runBuildx, type BuildResult } from './docker.js';
import type { BuildMetadata } from './metadata.js';
import type { BuildPlan } from './plan.js';
import { mergedIndex, mergedRoot, needsLocalLayout, splitBuild, type BuildPart, type PartLayout } from './split.js';

/** Runs the plan's build: one buildx build, or one a node merged into the plan's OCI layout. */
export async function buildImage(
  docker: DockerClient,
  plan: BuildPlan,
  log: (message: string) => void = () => undefined,
): Promise<BuildResult> {
  const parts = needsLocalLayout(plan) ? splitBuild(plan, await builderNodes(docker, plan.builder)) : undefined;
  if (!parts) return runBuildx(docker, plan);
  const where = parts.map((p) => `${p.platforms.join(', ')} on ${p.node}`).join('; ');
  log(`buildx writes no OCI layout from several nodes: building ${where}, side by side, and merging their layouts`);
  return runParts(docker, plan, parts, log);
}

async function builderNodes(docker: DockerClient, builder: string | undefined): Promise<BuilderNode[]> {
  const inspected = await docker.inspectBuilder(builder);
  return inspected.ok ? inspected.value.nodes : [];
}

/** Runs every part, then merges their layouts; the first part that failed (in order) fails the build, named by its platforms. */
async function runParts(docker: DockerClient, plan: BuildPlan, parts: BuildPart[], log: (message: string) => void): Promise<BuildResult> {
  for (const part of parts) await mkdir(dirname(part.plan.metadataFile), { recursive: true });
  const started = Date.now();
  const results = await Promise.all(
    parts.map(async (part) => {
      const result = await runBuildx(docker, part.plan);
      log(
        `${result.ok ? 'Built' : 'Failed to build'} ${part.platforms.join(', ')} on ${part.node} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return result;
    }),
  );
  const output = results.map((r) => r.log).join('');
  const failed = results.findIndex((r) => !r.ok);
  const empty: BuildMetadata = { raw: {} };
  if (failed >= 0) {
    const part = parts[failed]!;
    return {
      ok: false,
      error: `the build of ${part.platforms.join(', ')} (node ${part.node}) failed: ${results[failed]!.error}`,
      metadata: empty,
      log: output,
    };
  }
  try {
    const index = await mergeLayouts(parts, plan.platforms, plan.ociLayoutDir!);
    const raw = {
      'containerimage.digest': index.digest,
      'containerimage.descriptor': index,
      parts: parts.map((p, i) => ({ node: p.node, platforms: p.platforms, metadata: results[i]!.metadata.raw })),
    };
    return { ok: true, metadata: { digest: index.digest, mediaType: index.mediaType, raw }, imageId: index.digest, log: output };
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    return { ok: false, error: `merging the OCI layouts of the nodes failed: ${error.message}`, metadata: empty, log: output };
  }
}

/** Merges the parts' layouts into `dir` (blobs hard-linked where they can be); the merged index's descriptor. */
export async function mergeLayouts(parts: BuildPart[], platforms: string[], dir: string): Promise<Descriptor> {
  const merged = new OciLayout(dir);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const layouts: PartLayout[] = [];
  for (const part of parts) {
    const layout = new OciLayout(part.plan.ociLayoutDir!);
    layouts.push(await readPart(layout, part.platforms));
    await linkBlobs(layout, merged);
  }
  const index = await merged.writeJson(OCI_INDEX, mergedIndex(layouts, platforms));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify(mergedRoot(index, layouts)));
  return index;
}

async function readPart(layout: OciLayout, platforms: string[]): Promise<PartLayout> {
  const what = `the OCI layout of ${platforms.join(', ')}`;
  const root = await layout.index().then(
    (i) => i.manifests[0],
    (error: unknown) => {
      throw new ActionError(`${what} cannot be read: ${errorText(error)}`);
    },
  );
  if (!root) throw new ActionError(`${what} holds no image`);
  const body = await layout.json(root.digest).catch((error: unknown) => {
    throw new ActionError(`${what} lacks its image ${root.digest}: ${errorText(error)}`);
  });
  if (!isManifestShape(body)) throw new ActionError(`${what} holds no image manifest at ${root.digest}`);
  return { platforms, root, index: isIndex(root.mediaType, body) ? (body as ImageIndex) : undefined };
}

/** Hard-links (else copies) every blob of a layout into another; a blob both have is the same bytes. */
async function linkBlobs(from: OciLayout, to: OciLayout): Promise<void> {
  const source = join(from.dir, 'blobs', 'sha256');
  for (const name of await readdir(source)) {
    const target = join(to.dir, 'blobs', 'sha256', name);
    try {
      await link(join(source, name), target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EXDEV' && code !== 'EPERM') throw new ActionError(`cannot link the blob ${name} into ${to.dir}: ${errorText(error)}`);
      await copyFile(join(source, name), target);
    }
  }
}

/**
 * A build that writes an OCI layout on a builder of several nodes: buildx cannot export one
 * layout from several nodes ("oci for multi-node builds currently not supported"), so the build
 * runs as one buildx build per node and the action merges their layouts (buildx/split-build.ts).
 * Pure: which builds to run, and the index that lists what they built.
 */
import { dirname, join } from 'node:path';
import type { Descriptor, ImageIndex, Platform } from '../oci/descriptor.js';
import { OCI_INDEX } from '../oci/media-types.js';
import { routePlatforms, type BuilderNode } from './nodes.js';
import type { BuildPlan } from './plan.js';

/** One buildx build of the split: the node it lands on, its platforms, its own plan. */
export interface BuildPart {
  node: string;
  platforms: string[];
  plan: BuildPlan;
}

/**
 * Pure: the build writes its result only as a local OCI layout, with several platforms. A push
 * merges the nodes' results in the registry; a load is left to buildx (one tag cannot name the
 * images of several separate builds); the layout saved from the engine needs no exporter.
 */
export function needsLocalLayout(plan: Pick<BuildPlan, 'push' | 'load' | 'ociLayoutDir' | 'ociLayoutFromEngine' | 'platforms'>): boolean {
  return !plan.push && !plan.load && !!plan.ociLayoutDir && !plan.ociLayoutFromEngine && plan.platforms.length > 1;
}

/** Pure: the distinct values of a route, in the order of the platforms. */
function nodesOf(route: Map<string, string>): string[] {
  return [...new Set(route.values())];
}

/**
 * Pure: the platforms of each node, as buildx routes one build of them all; undefined when one
 * node builds them all. A node's platforms built alone may route elsewhere (buildx prefers the
 * nodes created for the platforms once every platform has one): such a group is built one
 * platform a build, each where buildx sends it.
 */
export function nodeGroups(nodes: BuilderNode[], platforms: string[]): { node: string; platforms: string[] }[] | undefined {
  const route = routePlatforms(nodes, platforms);
  if (nodesOf(route).length <= 1) return undefined;
  const groups: { node: string; platforms: string[] }[] = [];
  for (const node of nodesOf(route)) {
    const group = platforms.filter((p) => route.get(p) === node);
    const alone = routePlatforms(nodes, group);
    if (nodesOf(alone).length === 1) groups.push({ node: alone.get(group[0]!)!, platforms: group });
    else groups.push(...group.map((p) => ({ node: routePlatforms(nodes, [p]).get(p)!, platforms: [p] })));
  }
  return groups;
}

/** Pure: the plan of one part: the same build for its platforms, its results in a directory of its own. */
export function partPlan(plan: BuildPlan, platforms: string[], dir: string): BuildPlan {
  return {
    ...plan,
    platforms,
    metadataFile: join(dir, 'metadata.json'),
    iidFile: join(dir, 'iid.txt'),
    ociLayoutDir: join(dir, 'oci-layout'),
  };
}

/** Pure: the builds to run instead of `plan` on a builder of these nodes; undefined: `plan` as it is. */
export function splitBuild(plan: BuildPlan, nodes: BuilderNode[]): BuildPart[] | undefined {
  if (!needsLocalLayout(plan)) return undefined;
  const groups = nodeGroups(nodes, plan.platforms);
  // The parts' directories sit beside the merged layout, in the run's work directory.
  const workDir = dirname(plan.ociLayoutDir!);
  return groups?.map((g, i) => ({ ...g, plan: partPlan(plan, g.platforms, join(workDir, `part-${i + 1}`)) }));
}

/** Pure: `os/arch[/variant]` as an index's platform. */
export function platformOf(platform: string): Platform {
  const [os = '', architecture = '', variant] = platform.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** What one part's layout holds: its index.json entry, and the index it names (when it names one). */
export interface PartLayout {
  platforms: string[];
  root: Descriptor;
  index?: ImageIndex;
}

/**
 * Pure: the manifests a part contributes: those of its index, or its lone manifest (buildx
 * writes one platform without attestations so), which then takes the part's platform when
 * index.json names none, and leaves the root's annotations (its name, its time) to the root.
 */
export function partManifests(part: PartLayout): Descriptor[] {
  if (part.index) return part.index.manifests;
  const { annotations: _root, ...manifest } = part.root;
  return [{ ...manifest, platform: manifest.platform ?? platformOf(part.platforms[0]!) }];
}

const isAttestation = (d: Descriptor): boolean => d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';

/**
 * Pure: the index of every part's manifests, as one build of all the platforms writes it: the
 * image manifests in the order of `platforms`, then the attestations, in the same order.
 */
export function mergedIndex(parts: PartLayout[], platforms: string[]): { schemaVersion: 2; mediaType: string; manifests: Descriptor[] } {
  const all = parts.flatMap(partManifests);
  const images = all.filter((d) => !isAttestation(d));
  const rank = (d: Descriptor): number => {
    const at = platforms.findIndex((p) => d.platform && platformKey(d.platform) === p);
    return at < 0 ? platforms.length : at;
  };
  const ordered = [...images].sort((a, b) => rank(a) - rank(b));
  const position = (d: Descriptor): number => ordered.findIndex((m) => m.digest === d.annotations?.['vnd.docker.reference.digest']);
  const attestations = all.filter(isAttestation).sort((a, b) => position(a) - position(b));
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...ordered, ...attestations] };
}

function platformKey(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Pure: index.json of the merged layout: the merged index, named as the first part's root was. */
export function mergedRoot(index: Descriptor, parts: PartLayout[]): { schemaVersion: 2; manifests: Descriptor[] } {
  const annotations = parts[0]?.root.annotations;
  return { schemaVersion: 2, manifests: [annotations ? { ...index, annotations } : index] };
}

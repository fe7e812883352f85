/**
 * Which node of a buildx builder builds each platform. Pure: the builder's nodes (as
 * `docker buildx inspect` describes them, docker/builder.ts) in, routes out; the routing
 * follows buildx's own (build/driver.go in buildx): a platform goes to the first node that was created for it (`--platform`, marked `*` by
 * inspect) when every platform of the build has such a node, else to the first node that can
 * build it at all, else to the first node.
 */
import { platformOf, type BuilderNode } from '../docker/builder.js';

export type { BuilderNode } from '../docker/builder.js';

/** Pure: the node (by name) buildx builds each of `platforms` on, for one build of them all. */
export function routePlatforms(nodes: BuilderNode[], platforms: string[]): Map<string, string> {
  const route = new Map<string, string>();
  if (nodes.length === 0) return route;
  const wanted = platforms.map(platformOf);
  const configured = wanted.map((p) => nodes.find((n) => n.configured.includes(p)));
  const perfect = configured.every((n) => n !== undefined);
  wanted.forEach((p, i) => {
    const node = perfect ? configured[i] : (nodes.find((n) => n.configured.includes(p) || n.platforms.includes(p)) ?? nodes[0]);
    route.set(platforms[i]!, node!.name);
  });
  return route;
}

/** Where a helper build goes: a node, and the `--platform` that routes a one-platform build there. */
export interface HelperTarget {
  node: string;
  /** Undefined on a builder of one node: every build goes there anyway. */
  platform?: string;
}

export interface Placement {
  /** The node that builds each platform of the build. */
  nodeOf: Map<string, string>;
  /** One target per node that builds a platform, in node order. */
  targets: HelperTarget[];
  /** Nodes that build a platform but no one-platform build reaches (their builds go without the caches). */
  unreachable: string[];
}

/**
 * Pure: which node builds each platform, and how a helper build reaches each of those nodes:
 * one target a node, never one a platform. A builder of one node (or one inspect does not
 * describe) gets one target without a platform: the helper goes where it always went.
 */
export function placeHelpers(nodes: BuilderNode[], platforms: string[]): Placement {
  if (nodes.length <= 1) {
    const node = nodes[0]?.name ?? '';
    return { nodeOf: new Map(platforms.map((p) => [p, node])), targets: [{ node }], unreachable: [] };
  }
  const nodeOf = routePlatforms(nodes, platforms);
  const targets: HelperTarget[] = [];
  const unreachable: string[] = [];
  for (const node of nodes) {
    const builds = platforms.filter((p) => nodeOf.get(p) === node.name);
    if (builds.length === 0) continue;
    // A one-platform helper build goes where buildx routes that platform alone.
    const candidates = [...builds, ...node.configured, ...node.platforms];
    const platform = candidates.find((p) => routePlatforms(nodes, [p]).get(p) === node.name);
    if (platform) targets.push({ node: node.name, platform });
    else unreachable.push(node.name);
  }
  return { nodeOf, targets, unreachable };
}

/**
 * Pure: whether a node's helper builds can fetch from the runner's servers on the docker bridge:
 * nodes of the engine's own (docker) or of containers on a local engine; a remote BuildKit or a
 * node on another host gets the archives as build context instead.
 */
export function nodeReachesRunner(driver: string, node: Pick<BuilderNode, 'endpoint'> | undefined): boolean {
  if (driver !== 'docker' && driver !== 'docker-container') return false;
  return !/^(tcp|ssh|https?):\/\//.test(node?.endpoint ?? '');
}

/**
 * Pure: a buildx builder as `docker buildx inspect` prints it: its name, driver and nodes, each
 * node with its endpoint, status and platforms (normalized; the ones it was created for apart).
 */
import { normalizePlatform } from '../util/platforms.js';

export interface BuilderNode {
  name: string;
  endpoint: string;
  /** `running`, `inactive`, `stopped`…; empty when inspect does not say. */
  status: string;
  /** Every platform the node can build (the configured ones first, as inspect lists them). */
  platforms: string[];
  /** The platforms the node was created for (`docker buildx create --platform`, marked `*`). */
  configured: string[];
  /** The node's BuildKit as inspect prints it (`v0.13.2`; `v0.0.0+unknown` when the engine does not say); absent until it runs. */
  buildkit?: string;
}

export interface Builder {
  name: string;
  driver: string;
  nodes: BuilderNode[];
}

/** Pure: one platform word of inspect (`linux/amd64*`) in buildx's canonical form. */
export function platformOf(word: string): string {
  const bare = word.replace(/\*$/, '').trim();
  return normalizePlatform(bare) ?? bare.toLowerCase();
}

function setPlatforms(node: BuilderNode, value: string): void {
  const words = value
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  node.platforms = [...new Set(words.map(platformOf))];
  node.configured = [...new Set(words.filter((w) => w.endsWith('*')).map(platformOf))];
}

/** Pure: the nodes of `docker buildx inspect` output (none when it lists none). */
export function parseBuilderNodes(text: string): BuilderNode[] {
  const nodes: BuilderNode[] = [];
  let inNodes = false;
  for (const line of text.split('\n')) {
    if (/^Nodes:\s*$/.test(line)) inNodes = true;
    if (!inNodes) continue;
    const field = /^([A-Za-z][\w ]*?):\s*(.*)$/.exec(line);
    if (!field) continue;
    const [, key, value = ''] = field;
    if (key === 'Name') nodes.push({ name: value.trim(), endpoint: '', status: '', platforms: [], configured: [] });
    const node = nodes.at(-1);
    if (!node) continue;
    if (key === 'Endpoint') node.endpoint = value.trim();
    if (key === 'Status') node.status = value.trim();
    if (key === 'Platforms') setPlatforms(node, value);
    // `BuildKit version:` since buildx 0.12, `Buildkit:` before.
    if ((key === 'BuildKit version' || key === 'Buildkit') && value.trim()) node.buildkit = value.trim();
  }
  return nodes.filter((n) => n.name !== '');
}

/** Pure: the builder of `docker buildx inspect` output; undefined when it names no builder and driver. */
export function parseBuilder(text: string): Builder | undefined {
  const name = /^Name:\s*(\S+)/m.exec(text)?.[1];
  const driver = /^Driver:\s*(\S+)/m.exec(text)?.[1];
  return name && driver ? { name, driver, nodes: parseBuilderNodes(text) } : undefined;
}

/**
 * Pure: whether inspect has told all it will: a node not booted yet lists only the platforms
 * it was created for, and lists them all once a build has started it.
 */
export function isSettled(builder: Builder): boolean {
  return builder.nodes.every((n) => n.status === '' || n.status === 'running');
}

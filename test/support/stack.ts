/** Facts about the real test stack that scripts/stack.sh brought up. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const STACK_DIR = process.env.GCA_STACK_DIR ?? '/var/lib/go-container-action-stack';

function stackEnv(): Record<string, string> {
  try {
    const text = readFileSync(`${STACK_DIR}/env`, 'utf8');
    return Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  } catch {
    throw new Error(`the test stack is not up: run 'npm run stack' (scripts/stack.sh up) first`);
  }
}

export const stack = {
  get registry(): string {
    return stackEnv().GCA_REGISTRY ?? '127.0.0.1:5000';
  },
  get goImage(): string {
    return stackEnv().GCA_GO_IMAGE ?? 'golang:1.24-alpine';
  },
};

/** The builders `scripts/stack.sh up builders` made (scripts/stack/builders.sh); it throws when they are not up. */
export const builders = {
  get vars(): Record<string, string> {
    const env = stackEnv();
    if (!env.GCA_BUILDER_CONTAINER) throw new Error(`the builders are not up: run 'bash scripts/stack.sh up builders' first`);
    return env;
  },
  /** A docker-container builder of one node. */
  get container(): string {
    return this.vars.GCA_BUILDER_CONTAINER!;
  },
  /** A docker-container builder of two nodes: linux/amd64 on one, linux/arm64 on the other. */
  get multiNode(): string {
    return this.vars.GCA_BUILDER_MULTI!;
  },
  /** The Go toolchain image in the registry: docker-container builders pull base images, never ask the engine. */
  get goImage(): string {
    return this.vars.GCA_REGISTRY_GO_IMAGE!;
  },
  /** DOCKER_HOST of the engine with the classic image store. */
  get classicHost(): string {
    return this.vars.GCA_CLASSIC_DOCKER_HOST!;
  },
};

/** Runs docker and returns stdout; throws with stderr on failure. */
export function docker(args: string[], input?: string): string {
  return execFileSync('docker', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** Fetches a manifest from the local registry, with its digest as the registry states it. */
export async function registryManifest(repo: string, reference: string): Promise<{ digest: string; body: Record<string, unknown> }> {
  const res = await fetch(`http://${stack.registry}/v2/${repo}/manifests/${reference}`, {
    headers: {
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  if (!res.ok) throw new Error(`registry answered ${res.status} for ${repo}:${reference}`);
  return { digest: res.headers.get('docker-content-digest') ?? '', body: (await res.json()) as Record<string, unknown> };
}

const testRepositories: string[] = [];

/** A unique, lowercase name for a test's image repository (those under `e2e/` are tidied up, see below). */
export function uniqueName(prefix: string): string {
  const name = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  if (prefix.startsWith('e2e/')) testRepositories.push(name);
  return name;
}

/**
 * Removes from the local image store the tags of the `e2e/` repositories this test file named
 * (pushing with the docker driver also keeps them there); the registry keeps its copies.
 */
export function removeTestImages(): void {
  const repositories = testRepositories.splice(0);
  if (repositories.length === 0) return;
  try {
    const refs = repositories.flatMap((r) =>
      docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${stack.registry}/${r}`])
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    if (refs.length > 0) docker(['image', 'rm', ...refs]);
  } catch {
    // Tidying only: a docker that is gone by now leaves nothing to remove.
  }
}

/** The tags a repository of the local registry lists; status 404 (and no tags) when it does not exist. */
export async function registryTags(repo: string): Promise<{ status: number; tags: string[] }> {
  const res = await fetch(`http://${stack.registry}/v2/${repo}/tags/list`);
  if (res.status === 404) return { status: 404, tags: [] };
  if (!res.ok) throw new Error(`the registry answered ${res.status} for the tags of ${repo}`);
  const body = (await res.json()) as { tags: string[] | null };
  return { status: res.status, tags: [...(body.tags ?? [])].sort() };
}

/** A blob of a repository of the local registry. */
export async function registryBlob(repo: string, digest: string): Promise<Buffer> {
  const res = await fetch(`http://${stack.registry}/v2/${repo}/blobs/${digest}`);
  if (!res.ok) throw new Error(`the registry answered ${res.status} for blob ${digest} of ${repo}`);
  return Buffer.from(await res.arrayBuffer());
}

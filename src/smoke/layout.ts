import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface Descriptor {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

const isIndex = (mediaType: string | undefined): boolean => /image\.index|manifest\.list/.test(mediaType ?? '');

/** Pure: whether a descriptor's platform is `os/arch[/variant]`. */
export function samePlatform(p: Descriptor['platform'], platform: string): boolean {
  if (!p) return false;
  const [os, arch, variant] = platform.split('/');
  return p.os === os && p.architecture === arch && (variant === undefined || p.variant === variant);
}

/**
 * The layer diff IDs (the uncompressed filesystem) of one platform's image in an OCI layout.
 * Undefined when it is not there.
 */
export async function layoutDiffIds(dir: string, platform: string): Promise<string[] | undefined> {
  const digest = await layoutConfigDigest(dir, platform);
  if (!digest) return undefined;
  try {
    const config = JSON.parse(await readFile(join(dir, 'blobs', ...digest.split(':')), 'utf8')) as { rootfs?: { diff_ids?: unknown } };
    const ids = config.rootfs?.diff_ids;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config digest of one platform's image in an OCI layout (index.json, then nested
 * indexes down to the manifest of that platform). Undefined when it is not there.
 */
export async function layoutConfigDigest(dir: string, platform: string): Promise<string | undefined> {
  const blob = async (digest: string): Promise<Record<string, unknown>> =>
    JSON.parse(await readFile(join(dir, 'blobs', ...digest.split(':')), 'utf8')) as Record<string, unknown>;
  const visit = async (doc: Record<string, unknown>, depth: number): Promise<string | undefined> => {
    if (depth > 3) return undefined;
    const manifests = (Array.isArray(doc.manifests) ? doc.manifests : []) as Descriptor[];
    for (const d of manifests) {
      if (!d.digest) continue;
      if (isIndex(d.mediaType)) {
        const found = await visit(await blob(d.digest), depth + 1);
        if (found) return found;
      } else if (samePlatform(d.platform, platform) || (manifests.length === 1 && !d.platform)) {
        const manifest = await blob(d.digest);
        const config = manifest.config as Descriptor | undefined;
        if (config?.digest) return config.digest;
      }
    }
    return undefined;
  };
  try {
    return await visit(JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as Record<string, unknown>, 0);
  } catch {
    return undefined;
  }
}

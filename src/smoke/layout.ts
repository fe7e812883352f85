import { samePlatform, type Descriptor, type ImageConfig } from '../oci/descriptor.js';
import { platformManifests } from '../oci/index-walk.js';
import { OciLayout } from '../oci/layout.js';

/**
 * The layer diff IDs (the uncompressed filesystem) of one platform's image in an OCI layout.
 * Undefined when it is not there.
 */
export async function layoutDiffIds(dir: string, platform: string): Promise<string[] | undefined> {
  const digest = await layoutConfigDigest(dir, platform);
  if (!digest) return undefined;
  try {
    const config = (await new OciLayout(dir).json(digest)) as ImageConfig;
    const ids = config.rootfs?.diff_ids;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config digest of one platform's image in an OCI layout (index.json, then nested
 * indexes down to the manifest of that platform; a lone manifest without a platform is taken).
 * Undefined when it is not there.
 */
export async function layoutConfigDigest(dir: string, platform: string): Promise<string | undefined> {
  const layout = new OciLayout(dir);
  try {
    for await (const { descriptor, manifest, alone } of platformManifests((d) => layout.json(d.digest), await layout.index())) {
      if (!samePlatform(descriptor.platform, platform) && !(alone && !descriptor.platform)) continue;
      // As the file says: a manifest without a config is passed over.
      const config = manifest.config as Descriptor | undefined;
      if (config?.digest) return config.digest;
    }
  } catch {
    // Not a layout, or not a whole one: the caller goes without.
  }
  return undefined;
}

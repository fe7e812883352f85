/** What a media type says about a document or a layer. */

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** The documents a registry serves under `manifests/`: indexes first, as a registry's Accept header lists them. */
export const MANIFEST_TYPES = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);

/**
 * Pure: whether a document is an index (a manifest list): by its media type, else by its body
 * (indexes list `manifests`; some registries and layouts leave the media type out).
 */
export function isIndex(mediaType: string | undefined, body: unknown): boolean {
  if (mediaType && INDEX_TYPES.has(mediaType)) return true;
  return !!body && typeof body === 'object' && Array.isArray((body as { manifests?: unknown }).manifests);
}

const GZIP_TYPES = /(tar\+gzip|tar\.gzip|\.tar\.gzip|rootfs\.diff\.tar\.gzip)$/;
const PLAIN_TAR_TYPES = /(\.tar|layer\.v1\.tar|diff\.tar)$/;

export type Compression = 'gzip' | 'zstd' | 'none' | 'unknown';

/** Pure: how a layer of this media type is compressed (`unknown`: not a layer we can read). */
export function layerCompression(mediaType: string): Compression {
  if (GZIP_TYPES.test(mediaType)) return 'gzip';
  if (/zstd$/.test(mediaType)) return 'zstd';
  if (PLAIN_TAR_TYPES.test(mediaType)) return 'none';
  return 'unknown';
}

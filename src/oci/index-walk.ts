/** Walking an index down to the image manifests of its platforms. */
import type { Descriptor, ImageIndex, ImageManifest } from './descriptor.js';
import { isIndex } from './media-types.js';

/** Pure: the image manifests of an index, without attestation manifests (unknown/unknown). */
export function imageManifests(index: ImageIndex): Descriptor[] {
  return index.manifests.filter(
    (m) =>
      m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' &&
      !(m.platform?.os === 'unknown' && m.platform.architecture === 'unknown'),
  );
}

/** Reads the document a descriptor points to (a manifest or an index), parsed. */
export type ReadDocument = (descriptor: Descriptor) => Promise<unknown>;

export interface PlatformManifest {
  /** The descriptor the index lists it by (its platform, when the index names one). */
  descriptor: Descriptor;
  manifest: ImageManifest;
  /** The index that lists it lists nothing else (attestations included). */
  alone: boolean;
}

/** Indexes inside indexes followed below the first (an OCI layout's index.json holds the image index). */
const MAX_NESTED = 3;

/**
 * The image manifests below an index, in the order it lists them, each read once: nested
 * indexes are followed, attestation manifests and descriptors without a digest left out.
 * Reads lazily: a caller that stops early reads no further.
 */
export async function* platformManifests(read: ReadDocument, index: ImageIndex, depth = 0): AsyncGenerator<PlatformManifest> {
  for (const descriptor of imageManifests(index)) {
    if (!descriptor.digest) continue;
    const body = await read(descriptor);
    if (!isIndex(descriptor.mediaType, body)) {
      yield { descriptor, manifest: body as ImageManifest, alone: index.manifests.length === 1 };
    } else if (depth < MAX_NESTED) {
      yield* platformManifests(read, body as ImageIndex, depth + 1);
    }
  }
}

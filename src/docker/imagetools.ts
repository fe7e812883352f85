/** Pure: the index `docker buildx imagetools create --dry-run` prints. */
import { createHash } from 'node:crypto';
import { ActionError } from '../errors.js';
import { isRecord } from '../util/json.js';

/** The OCI image index media type, what imagetools composes unless the index says otherwise. */
const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface ComposedIndex {
  digest: string;
  mediaType: string;
  body: Buffer;
}

/**
 * Pure: the index imagetools printed (its bytes, then one newline), checked to list exactly
 * the manifests asked for; its digest is that of the bytes, as a registry computes it.
 */
export function composedIndex(stdout: string, digests: readonly string[]): ComposedIndex {
  const text = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActionError('docker buildx imagetools create --dry-run printed no index');
  }
  const listed =
    isRecord(parsed) && Array.isArray(parsed.manifests) ? parsed.manifests.map((m: unknown) => (isRecord(m) ? m.digest : undefined)) : [];
  if (listed.length !== digests.length || !digests.every((d) => listed.includes(d))) {
    throw new ActionError(
      `docker buildx imagetools create --dry-run composed an index of ${listed.join(', ') || 'nothing'}, not of ${digests.join(', ')}`,
    );
  }
  const body = Buffer.from(text, 'utf8');
  const mediaType = isRecord(parsed) && typeof parsed.mediaType === 'string' ? parsed.mediaType : OCI_IMAGE_INDEX;
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, mediaType, body };
}

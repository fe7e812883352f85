/** What buildx's --metadata-file says about a build, in the terms of the action's outputs. */
export interface BuildMetadata {
  /** The digest of the pushed or exported image (an index for several platforms). */
  digest?: string;
  /** The image config digest (one platform) or the index digest. */
  configDigest?: string;
  /** The media type of what `digest` names: an index, or a lone manifest. */
  mediaType?: string;
  raw: Record<string, unknown>;
}

export function parseMetadata(text: string): BuildMetadata {
  let raw: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
  } catch {
    raw = {};
  }
  const s = (k: string): string | undefined => (typeof raw[k] === 'string' && raw[k] !== '' ? raw[k] : undefined);
  const descriptor = raw['containerimage.descriptor'];
  const mediaType = descriptor && typeof descriptor === 'object' ? (descriptor as { mediaType?: unknown }).mediaType : undefined;
  return {
    digest: s('containerimage.digest'),
    mediaType: typeof mediaType === 'string' && mediaType ? mediaType : undefined,
    configDigest: s('containerimage.config.digest'),
    raw,
  };
}

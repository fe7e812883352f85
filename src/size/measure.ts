import { normalizePlatform } from '../util/platforms.js';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from '../oci/descriptor.js';
import { imageManifests, platformManifests } from '../oci/index-walk.js';
import { isIndex, layerCompression } from '../oci/media-types.js';
import type { BlobSource } from './source.js';

export interface LayerSize {
  digest: string;
  /** The digest of the unpacked layer (the config's rootfs.diff_ids), when the config lists it. */
  diffId?: string;
  mediaType: string;
  /** Bytes a pull downloads: the descriptor's size. */
  compressedBytes: number;
  /** Bytes on disk once unpacked, when the compression tells it. */
  uncompressedBytes: number | null;
  /** The Dockerfile instruction that made the layer, from the config's history. */
  instruction: string | null;
}

export interface PlatformSize {
  platform: string;
  manifestDigest: string;
  configDigest: string;
  compressedBytes: number;
  uncompressedBytes: number;
  layers: LayerSize[];
  entrypoint: string[];
  workingDir: string;
}

/** `os/arch[/variant]`; anything but letters, digits and . _ - in a registry's answer becomes _, so the platform is safe in every message and table. */
export function platformString(p: { os: string; architecture: string; variant?: string }): string {
  const text = [p.os, p.architecture, p.variant]
    .filter(Boolean)
    .map((part) => String(part).replace(/[^A-Za-z0-9._-]/g, '_'))
    .join('/');
  // The form the `platforms` input uses: linux/arm64/v8 is linux/arm64, so budgets and baselines match.
  return normalizePlatform(text) ?? text;
}

/**
 * Pure: pairs layers with the history entries that made them. History entries marked
 * `empty_layer` made no layer; the rest match the layers in order.
 */
export function layerInstructions(config: ImageConfig, layerCount: number): (string | null)[] {
  const made = (config.history ?? []).filter((h) => !h.empty_layer);
  const out: (string | null)[] = [];
  // When the history is shorter (images assembled by other tools), align from the top.
  const offset = made.length - layerCount;
  for (let i = 0; i < layerCount; i++) {
    const entry = made[i + offset];
    out.push(entry?.created_by ? cleanInstruction(entry.created_by) : null);
  }
  return out;
}

/** Pure: the diff ID of each layer, when the config lists one digest per layer (else none). */
export function layerDiffIds(config: ImageConfig, layerCount: number): (string | undefined)[] {
  const ids = config.rootfs?.diff_ids;
  const valid =
    Array.isArray(ids) && ids.length === layerCount && ids.every((id) => typeof id === 'string' && /^sha256:[0-9a-f]{64}$/.test(id));
  return valid ? (ids as string[]) : [];
}

/** BuildKit and the classic builder decorate instructions; show what the Dockerfile said. */
export function cleanInstruction(createdBy: string): string {
  return createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/^\/bin\/sh -c /, 'RUN ')
    .replace(/ # buildkit$/, '')
    .trim();
}

/**
 * Pure: the unpacked size of a gzip member from its trailer (ISIZE: the size modulo 2^32).
 * Layers over 4 GiB unpacked are corrected with the compressed size as a floor.
 */
export function gzipUncompressedSize(trailer: Buffer, compressedBytes: number): number | null {
  if (trailer.length < 4) return null;
  let size = trailer.readUInt32LE(trailer.length - 4);
  while (size < compressedBytes / 2 && compressedBytes > 2 ** 31) size += 2 ** 32;
  return size;
}

/** Reads what measuring one platform needs besides its manifest (read already): its config, and a few bytes per layer. */
async function measurePlatform(source: BlobSource, descriptor: Descriptor, manifest: ImageManifest): Promise<PlatformSize> {
  const config = (await source.json(manifest.config)) as ImageConfig;
  const instructions = layerInstructions(config, manifest.layers.length);
  const diffIds = layerDiffIds(config, manifest.layers.length);
  const layers: LayerSize[] = await Promise.all(
    manifest.layers.map(async (layer, i): Promise<LayerSize> => {
      let uncompressedBytes: number | null = null;
      const compression = layerCompression(layer.mediaType);
      if (compression === 'none') uncompressedBytes = layer.size;
      else if (compression === 'gzip' && layer.size >= 18)
        uncompressedBytes = gzipUncompressedSize(await source.tail(layer.digest, layer.size, 4), layer.size);
      const diffId = diffIds[i];
      return {
        digest: layer.digest,
        ...(diffId ? { diffId } : {}),
        mediaType: layer.mediaType,
        compressedBytes: layer.size,
        uncompressedBytes,
        instruction: instructions[i] ?? null,
      };
    }),
  );
  const platform = descriptor.platform
    ? platformString(descriptor.platform)
    : config.os && config.architecture
      ? platformString({ os: config.os, architecture: config.architecture, variant: config.variant })
      : 'unknown';
  return {
    platform,
    manifestDigest: descriptor.digest,
    configDigest: manifest.config.digest,
    compressedBytes: layers.reduce((s, l) => s + l.compressedBytes, 0),
    uncompressedBytes: layers.reduce((s, l) => s + (l.uncompressedBytes ?? l.compressedBytes), 0),
    layers,
    entrypoint: [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])],
    workingDir: config.config?.WorkingDir || '/',
  };
}

export interface ImageSize {
  /** The digest of what was measured (the index, or the single manifest). */
  digest: string;
  platforms: PlatformSize[];
}

/** Measures every platform of the image a source holds; attestation manifests excluded. */
export async function measureImage(source: BlobSource): Promise<ImageSize> {
  const root = await source.root();
  const body = await source.json(root);
  if (!isIndex(root.mediaType, body))
    return { digest: root.digest, platforms: [await measurePlatform(source, root, body as ImageManifest)] };
  const index = body as ImageIndex;
  const platforms: PlatformSize[] = [];
  for await (const { descriptor, manifest } of platformManifests((d) => source.json(d), index)) {
    platforms.push(await measurePlatform(source, descriptor, manifest));
  }
  // An index that only points to the image index (an OCI layout's index.json): that one is the image.
  const listed = imageManifests(index);
  const digest = listed.length === 1 && isIndex(listed[0]!.mediaType, undefined) ? listed[0]!.digest : root.digest;
  return { digest, platforms };
}

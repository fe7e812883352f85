/**
 * The built image as an OCI layout, saved from the engine's image store: for the one builder
 * that can write no layout itself (the docker driver on the classic image store). `docker save`
 * (Docker Engine 25 and later) writes an OCI layout whose layers are plain tars; they are
 * compressed here with gzip, as a push compresses them, so that the size report says what a
 * pull would download.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, writeSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { DockerClient } from '../docker/client.js';
import { ActionError } from '../errors.js';
import type { Descriptor, ImageManifest } from '../oci/descriptor.js';
import { OciLayout } from '../oci/layout.js';
import { layerCompression, OCI_INDEX } from '../oci/media-types.js';
import { TarStreamReader } from '../tar/stream.js';

/** Pure: the media type of a plain-tar layer once gzipped (OCI `+gzip`, Docker's `.gzip`). */
export function gzipMediaType(mediaType: string): string {
  return mediaType.startsWith('application/vnd.oci.') ? `${mediaType}+gzip` : `${mediaType}.gzip`;
}

/** Pure: the entries of a `docker save` archive the layout needs (index.json and the blobs); any other path is passed over. */
export function layoutEntry(name: string): string | undefined {
  const path = name.replace(/^\.\//, '');
  return path === 'index.json' || /^blobs\/sha256\/[0-9a-f]{64}$/.test(path) ? path : undefined;
}

/** Pure: the manifest with each plain layer replaced by its gzipped blob (layers not in `gzipped` stay as they are). */
export function withGzippedLayers(
  manifest: ImageManifest,
  gzipped: ReadonlyMap<string, Pick<Descriptor, 'digest' | 'size'>>,
): ImageManifest {
  const layers = manifest.layers.map((layer) => {
    const blob = gzipped.get(layer.digest);
    return blob ? { ...layer, mediaType: gzipMediaType(layer.mediaType), digest: blob.digest, size: blob.size } : layer;
  });
  return { ...manifest, layers };
}

/** Writes the archive's index.json and blobs into `dir`. */
async function extractLayout(archive: string, dir: string): Promise<void> {
  const tar = new TarStreamReader(createReadStream(archive));
  for (let entry = await tar.next(); entry; entry = await tar.next()) {
    const path = entry.type === '0' ? layoutEntry(entry.name) : undefined;
    if (!path) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    const fd = openSync(join(dir, path), 'w');
    try {
      await tar.data((chunk) => void writeSync(fd, chunk));
    } finally {
      closeSync(fd);
    }
  }
}

/** Gzips one blob of the layout into a blob of its own; the plain one is removed. */
async function gzipBlob(layout: OciLayout, digest: string): Promise<Pick<Descriptor, 'digest' | 'size'>> {
  const partial = join(layout.dir, 'blobs', 'gzip.partial');
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(layout.stream(digest), createGzip(), measure, createWriteStream(partial));
  const gzipped = `sha256:${hash.digest('hex')}`;
  await rename(partial, layout.blobPath(gzipped));
  await rm(layout.blobPath(digest), { force: true });
  return { digest: gzipped, size };
}

/**
 * Saves the engine's image `ref` into `dir` as an OCI layout of one manifest with gzip layers.
 * Throws an ActionError saying why it could not.
 */
export async function saveEngineLayout(docker: DockerClient, ref: string, dir: string): Promise<void> {
  const archive = `${dir}.tar`;
  try {
    const saved = await docker.saveImage(ref, archive);
    if (!saved.ok) throw new ActionError(`docker save ${ref} failed: ${saved.error || `exit code ${saved.exitCode}`}`);
    mkdirSync(dir, { recursive: true });
    await extractLayout(archive, dir);
  } finally {
    await rm(archive, { force: true });
  }
  const layout = new OciLayout(dir);
  const root = (await layout.index().catch(() => ({ manifests: [] as Descriptor[] }))).manifests[0];
  if (!root) throw new ActionError(`docker save ${ref} wrote no OCI layout (Docker Engine 25 or later does)`);
  const manifest = (await layout.json(root.digest)) as ImageManifest;
  if (!Array.isArray(manifest.layers)) throw new ActionError(`docker save ${ref} wrote no image manifest at ${root.digest}`);
  const gzipped = new Map<string, Pick<Descriptor, 'digest' | 'size'>>();
  for (const layer of manifest.layers) {
    if (layerCompression(layer.mediaType) === 'none' && !gzipped.has(layer.digest))
      gzipped.set(layer.digest, await gzipBlob(layout, layer.digest));
  }
  const written = await layout.writeJson(root.mediaType, withGzippedLayers(manifest, gzipped));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [written] }));
  await rm(layout.blobPath(root.digest), { force: true });
}

import { open, readFile } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ActionError } from '../errors.js';
import type { Descriptor } from './measure.js';

/**
 * Where manifests, configs and layers are read from: a registry over HTTP, or an OCI layout
 * on disk. Only what is asked for is read: manifests, configs, a layer's last bytes, and the
 * layer that holds the Go binary, streamed.
 */
export interface BlobSource {
  /** The image in words, for messages. */
  readonly name: string;
  /** The descriptor of the image the source was opened for (an index or a manifest). */
  root(): Promise<Descriptor>;
  /** A manifest or index by digest. */
  json(descriptor: Pick<Descriptor, 'digest' | 'mediaType'>): Promise<unknown>;
  /** The last `count` bytes of a blob of `size` bytes (the gzip trailer holds the unpacked size). */
  tail(digest: string, size: number, count: number): Promise<Buffer>;
  /** A blob as a stream; destroying it stops the download. */
  stream(digest: string): Promise<Readable>;
}

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new ActionError(`unsupported digest '${digest}' (expected sha256)`);
  return m[1]!;
}

/** An OCI image layout directory (index.json + blobs/sha256), as `buildx --output type=oci,tar=false` writes it. */
export class OciLayoutSource implements BlobSource {
  readonly name: string;
  private readonly dir: string;
  constructor(dir: string, name = 'OCI layout') {
    this.dir = dir;
    this.name = name;
  }
  private blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', hexOf(digest));
  }
  async root(): Promise<Descriptor> {
    const index = JSON.parse(await readFile(join(this.dir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
    const first = index.manifests?.[0];
    if (!first) throw new ActionError(`the OCI layout ${this.dir} has no image`);
    return first;
  }
  async json(descriptor: Pick<Descriptor, 'digest'>): Promise<unknown> {
    return JSON.parse(await readFile(this.blobPath(descriptor.digest), 'utf8'));
  }
  async tail(digest: string, size: number, count: number): Promise<Buffer> {
    const file = await open(this.blobPath(digest), 'r');
    try {
      const n = Math.min(count, size);
      const buf = Buffer.alloc(n);
      await file.read(buf, 0, n, size - n);
      return buf;
    } finally {
      await file.close();
    }
  }
  async stream(digest: string): Promise<Readable> {
    const path = this.blobPath(digest);
    if (!existsSync(path)) throw new ActionError(`blob ${digest} is missing from the OCI layout`);
    return createReadStream(path);
  }
}

import { createHash } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ActionError } from '../errors.js';
import type { Descriptor, ImageIndex } from './descriptor.js';

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new ActionError(`unsupported digest '${digest}' (expected sha256)`);
  return m[1]!;
}

/**
 * Pure: a fault reading the layout, in the user's terms (never the layout's path on disk): what
 * the build's OCI layout lacks, or which of its documents could not be read.
 */
export function layoutFault(error: unknown, what: string): ActionError {
  if (error instanceof ActionError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new ActionError(`${what} is missing from the OCI layout the build wrote`);
  if (error instanceof SyntaxError) return new ActionError(`the ${what} of the build's OCI layout is not JSON`);
  return new ActionError(`the ${what} of the build's OCI layout could not be read (${code ?? 'unknown error'})`);
}

/** Runs a read of the layout; its fault in the user's terms (layoutFault). */
async function reading<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw layoutFault(error, what);
  }
}

/**
 * An OCI image layout directory (index.json + blobs/sha256), as `buildx --output
 * type=oci,tar=false` writes it. Reads only what is asked for.
 */
export class OciLayout {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  /** The layout's index.json (`manifests` empty when it lists none). */
  async index(): Promise<ImageIndex> {
    const text = await reading('index.json', () => readFile(join(this.dir, 'index.json'), 'utf8'));
    const doc = (await reading('index.json', () => Promise.resolve(JSON.parse(text)))) as { mediaType?: string; manifests?: unknown };
    return { mediaType: doc.mediaType, manifests: Array.isArray(doc.manifests) ? (doc.manifests as Descriptor[]) : [] };
  }

  /** Where a blob lives; only sha256 digests (a digest never reaches outside blobs/). */
  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', hexOf(digest));
  }

  /** A blob parsed as JSON (a manifest, an index or a config). */
  async json(digest: string): Promise<unknown> {
    const path = this.blobPath(digest);
    return reading(`blob ${digest}`, async () => JSON.parse(await readFile(path, 'utf8')) as unknown);
  }

  /** The last `count` bytes of a blob of `size` bytes. */
  async tail(digest: string, size: number, count: number): Promise<Buffer> {
    const path = this.blobPath(digest);
    const file = await reading(`blob ${digest}`, () => open(path, 'r'));
    try {
      const n = Math.min(count, size);
      const buf = Buffer.alloc(n);
      await file.read(buf, 0, n, size - n);
      return buf;
    } finally {
      await file.close();
    }
  }

  /** Writes a JSON document as a blob (blobs/sha256 must exist); its descriptor. */
  async writeJson(mediaType: string, doc: unknown): Promise<Descriptor> {
    const body = Buffer.from(JSON.stringify(doc));
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    await writeFile(this.blobPath(digest), body);
    return { mediaType, digest, size: body.length };
  }

  /** A blob as a stream. */
  stream(digest: string): Readable {
    const path = this.blobPath(digest);
    if (!existsSync(path)) throw layoutFault(Object.assign(new Error('missing'), { code: 'ENOENT' }), `blob ${digest}`);
    return createReadStream(path);
  }
}

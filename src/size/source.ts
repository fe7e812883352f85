import type { Readable } from 'node:stream';
import { ActionError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { OciLayout } from '../oci/layout.js';

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

/** An OCI image layout directory: the image is the first one its index.json lists. */
export class OciLayoutSource implements BlobSource {
  readonly name: string;
  private readonly layout: OciLayout;
  constructor(dir: string, name = 'OCI layout') {
    this.layout = new OciLayout(dir);
    this.name = name;
  }
  async root(): Promise<Descriptor> {
    const first = (await this.layout.index()).manifests[0];
    if (!first) throw new ActionError(`the OCI layout ${this.layout.dir} has no image`);
    return first;
  }
  async json(descriptor: Pick<Descriptor, 'digest'>): Promise<unknown> {
    return this.layout.json(descriptor.digest);
  }
  async tail(digest: string, size: number, count: number): Promise<Buffer> {
    return this.layout.tail(digest, size, count);
  }
  stream(digest: string): Promise<Readable> {
    return new Promise((resolve) => resolve(this.layout.stream(digest)));
  }
}

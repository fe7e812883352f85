/**
 * An image read from its registry for the size report. Direct HTTP rather than `docker buildx
 * imagetools inspect --raw`, because the Go insight needs ranged and streamed blob reads,
 * which imagetools cannot do.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { ActionError } from '../errors.js';
import { idleLimited } from '../util/http.js';
import { isImageReferenceError, parseImageReference } from '../util/reference.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MANIFEST_TYPES } from '../oci/media-types.js';
import { RegistryClient, RegistryGuards } from '../oci/registry-client.js';
import { checkConfig, checkManifest } from '../oci/shape.js';
import type { BlobSource } from './source.js';

export class RegistrySource implements BlobSource {
  readonly name: string;
  private readonly client: RegistryClient;
  private readonly reference: string;
  /** Manifests and configs already read (the root manifest is read with its digest). */
  private readonly cached = new Map<string, unknown>();

  constructor(imageRef: string, guards: RegistryGuards = new RegistryGuards()) {
    const parsed = parseImageReference(imageRef);
    if (isImageReferenceError(parsed)) throw new ActionError(`'${imageRef}' ${parsed.error}`);
    this.client = new RegistryClient(parsed, guards);
    this.reference = parsed.digest ?? parsed.tag ?? 'latest';
    this.name = imageRef;
  }

  private get host(): string {
    return this.client.host;
  }

  async root(): Promise<Descriptor> {
    const res = await this.client.request(`manifests/${this.reference}`, { headers: { accept: MANIFEST_TYPES.join(', ') } });
    const body = Buffer.from(await res.arrayBuffer());
    const parsed = checkManifest(this.client.parse(body.toString('utf8'), `manifests/${this.reference}`), this.host);
    const digest = res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    this.cached.set(digest, parsed);
    return { mediaType: parsed.mediaType ?? res.headers.get('content-type') ?? '', digest, size: body.length };
  }
  async json(descriptor: Pick<Descriptor, 'digest' | 'mediaType'>): Promise<unknown> {
    const hit = this.cached.get(descriptor.digest);
    if (hit !== undefined) return hit;
    const isManifest = MANIFEST_TYPES.includes(descriptor.mediaType);
    const path = isManifest ? `manifests/${descriptor.digest}` : `blobs/${descriptor.digest}`;
    const res = await this.client.request(path, { headers: isManifest ? { accept: MANIFEST_TYPES.join(', ') } : {} });
    const json = this.client.parse(await res.text(), path);
    const parsed = isManifest ? checkManifest(json, this.host) : checkConfig(json, this.host);
    this.cached.set(descriptor.digest, parsed);
    return parsed;
  }

  async tail(digest: string, size: number, count: number): Promise<Buffer> {
    const n = Math.min(count, size);
    const res = await this.client.request(`blobs/${digest}`, {
      headers: { range: `bytes=${size - n}-${size - 1}` },
      buffer: false,
      accept: [206],
    });
    // The registry may ignore the range: keep only the end while the body streams past.
    let last = Buffer.alloc(0);
    for await (const chunk of this.body(res, digest)) last = Buffer.concat([last, chunk as Buffer]).subarray(-n);
    return last;
  }

  async stream(digest: string): Promise<Readable> {
    return this.body(await this.client.request(`blobs/${digest}`, { buffer: false }), digest);
  }

  /** A blob's body that fails when the registry stalls for a call's deadline. */
  private body(res: Response, digest: string): Readable {
    if (!res.body) throw new ActionError(`${this.host} sent no body for ${digest}`);
    return idleLimited(
      res.body as ReadableStream<Uint8Array>,
      this.client.guard.budget.callMs,
      `the registry ${this.host} (blob ${digest.slice(0, 19)}…)`,
    );
  }
}

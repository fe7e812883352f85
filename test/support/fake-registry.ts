/**
 * A registry on loopback that serves one small image (`team/app:main`: a manifest, its config
 * and one gzip layer with a Go program) and misbehaves on request: answers late, answers 200
 * with something that is not JSON, fails with 503 a number of times, or stalls mid-blob.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { fakeGoBinary, tar, tarEntry } from './size-fixtures.ts';

export interface FakeRegistryFaults {
  /** Every answer waits this long. */
  delayMs?: number;
  /** Manifests answer 200 with this body (default: nothing at all is wrong). */
  manifestBody?: string;
  /** The first this many requests answer 503. */
  failTimes?: number;
  /** Layers send their headers and half the body, then nothing more. */
  stallBlobs?: boolean;
}

export class FakeRegistry {
  readonly requests: string[] = [];
  faults: FakeRegistryFaults = {};
  host = '';
  private server: Server | undefined;
  private readonly blobs = new Map<string, { type: string; body: Buffer }>();
  private readonly manifest: string;

  constructor() {
    const layer = this.put('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(tar(tarEntry('app', fakeGoBinary(20_000)))));
    const config = this.put(
      'application/vnd.oci.image.config.v1+json',
      JSON.stringify({
        os: 'linux',
        architecture: 'amd64',
        config: { Entrypoint: ['/app'] },
        history: [{ created_by: 'COPY app /app # buildkit' }],
      }),
    );
    this.manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] });
  }

  /** The image's reference on this registry. */
  get image(): string {
    return `${this.host}/team/app:main`;
  }

  private put(type: string, body: Buffer | string): { mediaType: string; digest: string; size: number } {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    this.blobs.set(digest, { type, body: buf });
    return { mediaType: type, digest, size: buf.length };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', `http://${this.host}`);
        this.requests.push(`${req.method} ${url.pathname}`);
        const { delayMs, manifestBody, failTimes, stallBlobs } = this.faults;
        if (delayMs) await sleep(delayMs);
        if (failTimes && this.requests.length <= failTimes) return void res.writeHead(503).end();
        const manifest = /^\/v2\/team\/app\/manifests\/(.+)$/.exec(url.pathname);
        if (manifest) {
          res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
          return void res.end(manifestBody ?? this.manifest);
        }
        const blob = this.blobs.get(/^\/v2\/team\/app\/blobs\/(.+)$/.exec(url.pathname)?.[1] ?? '');
        if (!blob) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': blob.type, 'content-length': String(blob.body.length) });
        if (stallBlobs && blob.type.includes('layer')) return void res.write(blob.body.subarray(0, blob.body.length >> 1));
        res.end(blob.body);
      })();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.host;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

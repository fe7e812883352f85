import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiHost,
  inlineCredentials,
  parseChallenge,
  RegistryGuards,
  RegistryNotFoundError,
  registryScheme,
} from '../../src/oci/registry-client.js';
import { RegistrySource } from '../../src/size/registry.js';
import { measureImage } from '../../src/size/measure.js';
import { findGoBinary } from '../../src/size/goinfo.js';
import { fakeGoBinary, tar, tarEntry } from '../support/size-fixtures.js';
import { tempDir } from '../support/temp.js';
import { FakeRegistry, type FakeRegistryFaults } from '../support/fake-registry.js';

describe('registry helpers', () => {
  it.each([
    ['127.0.0.1:5000', 'http'],
    ['localhost:5000', 'http'],
    ['[::1]:5000', 'http'],
    ['ghcr.io', 'https'],
    ['registry.example.com:443', 'https'],
  ])('registryScheme(%s) = %s', (host, scheme) => expect(registryScheme(host)).toBe(scheme));

  it.each([
    [undefined, 'registry-1.docker.io'],
    ['docker.io', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
  ])('apiHost(%s) = %s', (registry, host) => expect(apiHost(registry)).toBe(host));

  it('parses a bearer challenge', () => {
    expect(parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:org/app:pull' },
    });
    expect(parseChallenge('Basic realm="Registry"').scheme).toBe('basic');
  });

  it.each([
    [{ auths: { 'ghcr.io': { auth: Buffer.from('me:secret').toString('base64') } } }, 'ghcr.io', { username: 'me', password: 'secret' }],
    [
      { auths: { 'https://ghcr.io': { auth: Buffer.from('me:pa:ss').toString('base64') } } },
      'ghcr.io',
      { username: 'me', password: 'pa:ss' },
    ],
    [
      { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:tok').toString('base64') } } },
      'registry-1.docker.io',
      { username: 'hub', password: 'tok' },
    ],
    [{ auths: { 'acr.example.io': { identitytoken: 'refresh' } } }, 'acr.example.io', { identityToken: 'refresh', username: undefined }],
    [{ auths: { 'other.io': { auth: 'eDp5' } } }, 'ghcr.io', undefined],
    [{}, 'ghcr.io', undefined],
  ])('inlineCredentials(%j, %s)', (config, registry, creds) => expect(inlineCredentials(config, registry)).toEqual(creds));
});

/** A registry that wants a bearer token from its own token endpoint, which wants docker's basic credentials. */
describe('RegistrySource against a token-authenticated registry on loopback', () => {
  const blobs = new Map<string, { type: string; body: Buffer }>();
  const put = (type: string, body: Buffer | string): { mediaType: string; digest: string; size: number } => {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    blobs.set(digest, { type, body: buf });
    return { mediaType: type, digest, size: buf.length };
  };
  const layerTar = tar(tarEntry('app', fakeGoBinary(50_000)));
  const layer = put('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(layerTar));
  const config = put(
    'application/vnd.oci.image.config.v1+json',
    JSON.stringify({
      os: 'linux',
      architecture: 'amd64',
      config: { Entrypoint: ['/app'] },
      history: [{ created_by: 'COPY app /app # buildkit' }],
    }),
  );
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] });
  const seen: string[] = [];
  let server: Server;
  let host = '';
  let honourRange = true;
  const configDir = tempDir('docker-config');
  const saved = process.env.DOCKER_CONFIG;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${host}`);
      seen.push(`${req.method} ${url.pathname}${req.headers.range ? ` ${req.headers.range}` : ''}`);
      if (url.pathname === '/token') {
        if (req.headers.authorization !== `Basic ${Buffer.from('robot:s3cret').toString('base64')}`) return void res.writeHead(401).end();
        if (url.searchParams.get('scope') !== 'repository:team/app:pull' || url.searchParams.get('service') !== 'fake')
          return void res.writeHead(400).end();
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ token: 'pull-token' }));
      }
      if (req.headers.authorization !== 'Bearer pull-token') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:team/app:pull"` });
        return void res.end();
      }
      if (url.pathname === '/v2/team/app/manifests/v1') {
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
        });
        return void res.end(manifest);
      }
      const m = /^\/v2\/team\/app\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
      const blob = m ? blobs.get(m[1]!) : undefined;
      if (!blob) return void res.writeHead(404).end();
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (range && honourRange) {
        res.writeHead(206, { 'content-range': `bytes ${range[1]}-${range[2]}/${blob.body.length}` });
        return void res.end(blob.body.subarray(Number(range[1]), Number(range[2]) + 1));
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(blob.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify({ auths: { [host]: { auth: Buffer.from('robot:s3cret').toString('base64') } } }),
    );
    process.env.DOCKER_CONFIG = configDir;
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    rmSync(configDir, { recursive: true, force: true });
    await new Promise<void>((r) => server.close(() => r()));
  });

  it.each([true, false])(
    "logs in with docker's credentials and measures from manifests and 4-byte tails (range honoured: %s)",
    async (range) => {
      honourRange = range;
      seen.length = 0;
      const source = new RegistrySource(`${host}/team/app:v1`);
      const measured = await measureImage(source);
      expect(measured.platforms).toHaveLength(1);
      const p = measured.platforms[0]!;
      expect(p.platform).toBe('linux/amd64');
      expect(p.compressedBytes).toBe(layer.size);
      expect(p.uncompressedBytes).toBe(layerTar.length);
      expect(p.layers[0]!.instruction).toBe('COPY app /app');
      expect(seen).toContain(`GET /v2/team/app/blobs/${layer.digest} bytes=${layer.size - 4}-${layer.size - 1}`);
      const go = await findGoBinary(source, p.layers, p.entrypoint, p.workingDir);
      expect(go?.path).toBe('/app');
      expect(go?.buildInfo.goVersion).toBe('go1.24.4');
      expect(seen.filter((s) => s === 'GET /token')).toHaveLength(1);
    },
  );

  it('an unreachable registry is a clear error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(measureImage(new RegistrySource(`127.0.0.1:${port}/team/app:v1`))).rejects.toThrow(
      new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
    );
  });

  it('a missing tag is a RegistryNotFoundError naming the status', async () => {
    const error = await measureImage(new RegistrySource(`${host}/team/app:nope`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryNotFoundError);
    expect((error as Error).message).toMatch(/answered HTTP 404 for team\/app\/manifests\/nope/);
  });
});

describe('RegistrySource under deadlines, against a misbehaving registry on loopback', () => {
  const registry = new FakeRegistry();
  // A short deadline only where the registry never answers in time (the deadline is then the
  // event waited for); where it answers, one far beyond what the answer takes on a loaded machine.
  const short = (callMs = 300): RegistryGuards => new RegistryGuards({ callMs, totalMs: 10 * callMs });
  const ample = (): RegistryGuards => short(10_000);
  beforeAll(async () => {
    await registry.start();
  });
  afterAll(async () => {
    await registry.stop();
  });
  const measure = async (faults: FakeRegistryFaults, guards = ample()): Promise<unknown> => {
    registry.faults = faults;
    registry.requests.length = 0;
    const source = new RegistrySource(registry.image, guards);
    const measured = await measureImage(source);
    const p = measured.platforms[0]!;
    return findGoBinary(source, p.layers, p.entrypoint, p.workingDir);
  };

  it('measures it when nothing is wrong', async () => {
    await expect(measure({})).resolves.toMatchObject({ path: '/app' });
  });

  it('a registry that answers too late: gives up at the deadline, naming the registry and the time, then asks no more', async () => {
    const guards = short();
    await expect(measure({ delayMs: 5000 }, guards)).rejects.toThrow(
      `the registry ${registry.host} (GET manifests/main) did not answer in 300 ms`,
    );
    await expect(measure({}, guards)).rejects.toThrow(`the registry ${registry.host} (GET manifests/main) did not answer in 300 ms`);
    expect(registry.requests).toEqual([]);
  });

  it.each([
    ['not JSON', '<html>502 Bad Gateway</html>', 'answered manifests/main with something that is not JSON'],
    ['JSON of another kind', '{"errors":[]}', 'answered with something that is not an image manifest'],
    [
      'layers without sizes',
      '{"config":{"digest":"sha256:1","mediaType":"x","size":1},"layers":[{"digest":"sha256:2"}]}',
      'not an image manifest',
    ],
    ['a list', '[1,2]', 'not an image manifest'],
  ])('a 200 with %s is a clear error, never a TypeError', async (_what, manifestBody, message) => {
    const error = await measure({ manifestBody }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).not.toBe('TypeError');
    expect((error as Error).message).toContain(message);
  });

  it('retries a 503 twice, then reads', async () => {
    // Each retry waits 0.5 s, then 1 s, within its call's deadline.
    await expect(measure({ failTimes: 2 })).resolves.toMatchObject({ path: '/app' });
    expect(registry.requests.slice(0, 3)).toEqual([
      'GET /v2/team/app/manifests/main',
      'GET /v2/team/app/manifests/main',
      'GET /v2/team/app/manifests/main',
    ]);
  });

  it('a 503 after two retries is an error naming the status, and the registry is not asked again', async () => {
    const guards = ample();
    await expect(measure({ failTimes: 3 }, guards)).rejects.toThrow(`${registry.host} answered HTTP 503`);
    expect(registry.requests).toHaveLength(3);
    await expect(measure({}, guards)).rejects.toThrow(`the registry ${registry.host} answered HTTP 503 (GET manifests/main) 3 times`);
  });

  it('a blob that stalls mid-stream fails after the deadline without a byte', async () => {
    // The manifest and the config must come first, within the same deadline: 2 s, not 300 ms.
    await expect(measure({ stallBlobs: true }, short(2000))).rejects.toThrow(
      /the registry 127\.0\.0\.1:\d+ \(blob sha256:[0-9a-f]{12}…\) sent nothing for 2 s/,
    );
  });
});

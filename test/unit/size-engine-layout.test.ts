import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ImageManifest } from '../../src/oci/descriptor.js';
import { gzipMediaType, layoutEntry, saveEngineLayout, withGzippedLayers } from '../../src/size/engine-layout.js';
import { measureImage } from '../../src/size/measure.js';
import { OciLayoutSource } from '../../src/size/source.js';
import { FakeDocker, failed, ok, type DockerScript } from '../support/fake-docker.js';
import { fakeGoBinary, tar, tarEntry } from '../support/size-fixtures.js';
import { tempDir } from '../support/temp.js';

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const D = (c: string): string => `sha256:${c.repeat(64)}`;

describe('gzipMediaType', () => {
  it.each([
    ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar', 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
  ])('%s -> %s', (plain, gzipped) => expect(gzipMediaType(plain)).toBe(gzipped));
});

describe('layoutEntry', () => {
  it.each<[string, string | undefined]>([
    ['index.json', 'index.json'],
    ['./index.json', 'index.json'],
    [`blobs/sha256/${'a'.repeat(64)}`, `blobs/sha256/${'a'.repeat(64)}`],
    ['manifest.json', undefined],
    ['repositories', undefined],
    ['oci-layout', undefined],
    [`blobs/sha256/${'a'.repeat(63)}`, undefined],
    [`blobs/sha256/../../${'a'.repeat(64)}`, undefined],
    [`/blobs/sha256/${'a'.repeat(64)}`, undefined],
  ])('%s -> %s', (name, expected) => expect(layoutEntry(name)).toBe(expected));
});

describe('withGzippedLayers', () => {
  const manifest: ImageManifest = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D('c'), size: 10 },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: D('1'), size: 1000 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D('2'), size: 300 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: D('1'), size: 1000 },
    ],
  };
  it('replaces each plain layer by its gzipped blob, keeps the others and the config', () => {
    const out = withGzippedLayers(manifest, new Map([[D('1'), { digest: D('9'), size: 400 }]]));
    expect(out.config).toEqual(manifest.config);
    expect(out.layers).toEqual([
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D('9'), size: 400 },
      manifest.layers[1],
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D('9'), size: 400 },
    ]);
  });
  it('changes nothing when nothing was gzipped', () => expect(withGzippedLayers(manifest, new Map())).toEqual(manifest));
});

/** What `docker save` of Docker Engine 25+ writes for a classic-store image: an OCI layout with a plain-tar layer, and the legacy files. */
function savedArchive(): { archive: Buffer; layer: Buffer; diffId: string } {
  const layer = tar(tarEntry('hello', fakeGoBinary(40_000)));
  const diffId = `sha256:${sha(layer)}`;
  const config = Buffer.from(
    JSON.stringify({
      os: 'linux',
      architecture: 'amd64',
      config: { Entrypoint: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created_by: 'COPY /out/hello /hello # buildkit' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: layer.length }],
    }),
  );
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length }],
  });
  const blob = (data: Buffer): Buffer => tarEntry(`blobs/sha256/${sha(data)}`, data, '0', 0o644);
  const archive = tar(
    blob(layer),
    blob(config),
    blob(manifest),
    tarEntry('index.json', Buffer.from(index), '0', 0o644),
    tarEntry('manifest.json', Buffer.from('[]'), '0', 0o644),
    tarEntry('blobs/sha256', Buffer.alloc(0), '5'),
  );
  return { archive, layer, diffId };
}

describe('saveEngineLayout', () => {
  it('saves the image, gzips its plain layers, and the measurement reads the gzipped sizes with the same diff IDs', async () => {
    const { archive, layer, diffId } = savedArchive();
    const docker = new FakeDocker({ saveImage: async (_ref, file) => (writeFileSync(file, archive), ok()) });
    const dir = join(tempDir('engine-layout'), 'oci-layout');
    await saveEngineLayout(docker, 'sha256:abc', dir);
    expect(docker.callsOf('saveImage')).toEqual([['sha256:abc', `${dir}.tar`]]);
    expect(existsSync(`${dir}.tar`)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['blobs', 'index.json']);
    const measured = await measureImage(new OciLayoutSource(dir));
    const [amd] = measured.platforms;
    expect(amd!.platform).toBe('linux/amd64');
    expect(amd!.layers).toHaveLength(1);
    const gz = amd!.layers[0]!;
    expect(gz.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(gz.diffId).toBe(diffId);
    expect(gz.uncompressedBytes).toBe(layer.length);
    expect(gz.compressedBytes).toBeLessThan(layer.length);
    const stored = readdirSync(join(dir, 'blobs', 'sha256'));
    expect(stored).toContain(gz.digest.slice(7));
    expect(stored).not.toContain(diffId.slice(7));
    expect(gunzipSync(readFileSync(join(dir, 'blobs', 'sha256', gz.digest.slice(7))))).toEqual(layer);
  });

  it.each<[string, DockerScript, RegExp]>([
    [
      'docker save fails',
      { saveImage: async () => failed('Error response from daemon: reference does not exist') },
      /^docker save sha256:abc failed: Error response from daemon: reference does not exist$/,
    ],
    [
      'an archive without index.json (an engine older than 25)',
      { saveImage: async (_r, file) => (writeFileSync(file, tar(tarEntry('manifest.json', Buffer.from('[]'), '0', 0o644))), ok()) },
      /wrote no OCI layout \(Docker Engine 25 or later does\)$/,
    ],
  ])('%s: a clear error', async (_, script, message) => {
    const dir = join(tempDir('engine-layout'), 'oci-layout');
    await expect(saveEngineLayout(new FakeDocker(script), 'sha256:abc', dir)).rejects.toThrow(message);
    expect(existsSync(`${dir}.tar`)).toBe(false);
  });
});

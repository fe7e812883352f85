import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samePlatform, type Descriptor, type ImageIndex } from '../../src/oci/descriptor.js';
import { imageManifests, platformManifests } from '../../src/oci/index-walk.js';
import { OciLayout } from '../../src/oci/layout.js';
import { isIndex, layerCompression, MANIFEST_TYPES, OCI_INDEX } from '../../src/oci/media-types.js';
import { checkConfig, checkManifest, isConfigShape, isManifestShape } from '../../src/oci/shape.js';
import { tempDir } from '../support/temp.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const ATTESTATION = { os: 'unknown', architecture: 'unknown' };

function manifestOf(digest: string, platform?: Descriptor['platform'], annotations?: Record<string, string>): Descriptor {
  return { mediaType: MANIFEST, digest, size: 1, platform, annotations };
}

/** Documents by digest, and the digests read in order. */
function documents(docs: Record<string, unknown>): { read: (d: Descriptor) => Promise<unknown>; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read: async (d) => {
      reads.push(d.digest);
      if (!(d.digest in docs)) throw new Error(`no document ${d.digest}`);
      return docs[d.digest];
    },
  };
}

async function walk(index: ImageIndex, docs: Record<string, unknown>): Promise<{ found: string[]; reads: string[] }> {
  const { read, reads } = documents(docs);
  const found: string[] = [];
  for await (const p of platformManifests(read, index)) found.push(`${p.descriptor.digest}${p.alone ? ' alone' : ''}`);
  return { found, reads };
}

const config = (name: string): unknown => ({ config: { digest: `sha256:config-${name}` }, layers: [] });

describe('descriptors and media types', () => {
  it('imageManifests drops attestation manifests', () => {
    const ms: Descriptor[] = [
      { mediaType: 'm', digest: 'sha256:a', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      {
        mediaType: 'm',
        digest: 'sha256:b',
        size: 1,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      },
      { mediaType: 'm', digest: 'sha256:c', size: 1, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
    ];
    expect(imageManifests({ manifests: ms }).map((m) => m.digest)).toEqual(['sha256:a']);
  });

  it.each([
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip'],
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd'],
    ['application/vnd.oci.image.layer.v1.tar', 'none'],
    ['application/vnd.in-toto+json', 'unknown'],
  ])('layerCompression(%s) = %s', (type, c) => expect(layerCompression(type)).toBe(c));

  it.each([
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7', true],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v7', false],
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64', true],
    [undefined, 'linux/amd64', false],
  ])('samePlatform(%j, %s) is %s', (p, platform, same) => {
    expect(samePlatform(p, platform)).toBe(same);
  });

  it.each([
    [OCI_INDEX, undefined, true],
    ['application/vnd.docker.distribution.manifest.list.v2+json', undefined, true],
    [undefined, { manifests: [] }, true],
    [MANIFEST, { config: {}, layers: [] }, false],
    [undefined, { manifests: 'no' }, false],
    [undefined, undefined, false],
  ])('isIndex(%s, %j) is %s', (mediaType, body, expected) => expect(isIndex(mediaType, body)).toBe(expected));
});

describe('platformManifests', () => {
  it('yields the platform manifests in index order, attestations left out and not read', async () => {
    const index = { manifests: [manifestOf('sha256:amd'), manifestOf('sha256:att', ATTESTATION), manifestOf('sha256:arm')] };
    const { found, reads } = await walk(index, { 'sha256:amd': config('amd'), 'sha256:arm': config('arm') });
    expect(found).toEqual(['sha256:amd', 'sha256:arm']);
    expect(reads).toEqual(['sha256:amd', 'sha256:arm']);
  });

  it('follows an index inside an index (as an OCI layout index.json holds the image index)', async () => {
    const inner = { mediaType: OCI_INDEX, manifests: [manifestOf('sha256:amd'), manifestOf('sha256:att', ATTESTATION)] };
    const top = { manifests: [{ mediaType: OCI_INDEX, digest: 'sha256:inner', size: 1 }] };
    expect((await walk(top, { 'sha256:inner': inner, 'sha256:amd': config('amd') })).found).toEqual(['sha256:amd']);
  });

  it('tells a lone manifest from one beside an attestation', async () => {
    expect((await walk({ manifests: [manifestOf('sha256:one')] }, { 'sha256:one': config('one') })).found).toEqual(['sha256:one alone']);
    const withAttestation = { manifests: [manifestOf('sha256:one'), manifestOf('sha256:att', ATTESTATION)] };
    expect((await walk(withAttestation, { 'sha256:one': config('one') })).found).toEqual(['sha256:one']);
  });

  it('stops following indexes three levels below the first', async () => {
    const docs: Record<string, unknown> = { 'sha256:leaf': config('leaf') };
    let top: ImageIndex = { manifests: [manifestOf('sha256:leaf')] };
    for (let level = 1; level <= 4; level++) {
      docs[`sha256:level${level}`] = top;
      top = { manifests: [{ mediaType: OCI_INDEX, digest: `sha256:level${level}`, size: 1 }] };
      const { found } = await walk(top, docs);
      expect([level, found]).toEqual([level, level <= 3 ? ['sha256:leaf alone'] : []]);
    }
  });

  it('reads no further than the caller goes', async () => {
    const { read, reads } = documents({ 'sha256:a': config('a'), 'sha256:b': config('b') });
    for await (const p of platformManifests(read, { manifests: [manifestOf('sha256:a'), manifestOf('sha256:b')] })) {
      expect(p.descriptor.digest).toBe('sha256:a');
      break;
    }
    expect(reads).toEqual(['sha256:a']);
  });
});

describe('OciLayout', () => {
  function layout(index: unknown, blobs: string[]): { dir: string; digests: string[] } {
    const dir = tempDir('oci');
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    const digests = blobs.map((text) => {
      const hex = createHash('sha256').update(text).digest('hex');
      writeFileSync(join(dir, 'blobs', 'sha256', hex), text);
      return `sha256:${hex}`;
    });
    return { dir, digests };
  }

  it("reads index.json, a blob as JSON, a blob's last bytes and a blob as a stream", async () => {
    const { dir, digests } = layout({ schemaVersion: 2, manifests: [manifestOf('sha256:x')] }, ['{"a":1}', 'abcdef']);
    const oci = new OciLayout(dir);
    expect((await oci.index()).manifests.map((m) => m.digest)).toEqual(['sha256:x']);
    expect(await oci.json(digests[0]!)).toEqual({ a: 1 });
    expect((await oci.tail(digests[1]!, 6, 4)).toString()).toBe('cdef');
    expect((await oci.tail(digests[1]!, 6, 10)).toString()).toBe('abcdef');
    const chunks: Buffer[] = [];
    for await (const c of oci.stream(digests[1]!)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abcdef');
  });

  it('an index.json without manifests lists none', async () => {
    expect((await new OciLayout(layout({ schemaVersion: 2 }, []).dir).index()).manifests).toEqual([]);
  });

  it.each([['sha512:' + 'a'.repeat(128)], ['sha256:../../index.json'], ['sha256:ABC']])(
    'refuses the digest %s (a digest never leaves blobs/sha256)',
    (digest) => {
      expect(() => new OciLayout('/nowhere').blobPath(digest)).toThrow(/unsupported digest .* \(expected sha256\)/);
    },
  );

  it('says which blob is missing', () => {
    const { dir } = layout({ manifests: [] }, []);
    expect(() => new OciLayout(dir).stream(`sha256:${'0'.repeat(64)}`)).toThrow(/blob sha256:0+ is missing from the OCI layout/);
  });
});

describe('shapes of what a registry answers', () => {
  const d = { mediaType: OCI_INDEX, digest: 'sha256:aa', size: 3 };
  it.each([
    [{ manifests: [] }, true],
    [{ manifests: [d] }, true],
    [{ manifests: [{ ...d, size: -1 }] }, false],
    [{ manifests: [{ ...d, size: 1.5 }] }, false],
    [{ manifests: [{ digest: 'sha256:aa', size: 3 }] }, false],
    [{ manifests: {} }, false],
    [{ config: d, layers: [d, d] }, true],
    [{ config: d }, false],
    [{ config: null, layers: [] }, false],
    [[d], false],
    ['text', false],
    [null, false],
  ])('isManifestShape(%j) = %s', (json, ok) => expect(isManifestShape(json)).toBe(ok));

  it.each([
    [{}, true],
    [{ history: [{ created_by: 'RUN x' }], config: null }, true],
    [{ history: ['RUN x'] }, false],
    [{ history: {} }, false],
    [{ config: [] }, false],
    [[], false],
  ])('isConfigShape(%j) = %s', (json, ok) => expect(isConfigShape(json)).toBe(ok));

  it('the manifest types lead with the indexes, and MANIFEST_TYPES tells a manifest from a blob', () => {
    expect(MANIFEST_TYPES.slice(0, 2).every((t) => isIndex(t, undefined))).toBe(true);
    expect(MANIFEST_TYPES.slice(2).some((t) => isIndex(t, undefined))).toBe(false);
    expect(() => checkManifest({ layers: [] }, 'r.example')).toThrow(
      'the registry r.example answered with something that is not an image manifest',
    );
    expect(() => checkConfig({ history: 1 }, 'r.example')).toThrow(
      'the registry r.example answered with something that is not an image config',
    );
  });
});

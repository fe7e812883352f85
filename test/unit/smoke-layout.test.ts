import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutConfigDigest, layoutDiffIds } from '../../src/smoke/layout.js';
import { imageNote, sameLayers } from '../../src/smoke/image.js';
import { tempDir } from '../support/temp.js';

/** Writes a blob into an OCI layout and returns its digest. */
function blob(dir: string, doc: unknown): string {
  const text = JSON.stringify(doc);
  const hex = createHash('sha256').update(text).digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', hex), text);
  return `sha256:${hex}`;
}

function layout(platforms: string[], nested: boolean): string {
  const dir = tempDir('layout');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const manifests = platforms.map((p) => {
    const [os, architecture] = p.split('/');
    const config = blob(dir, { architecture, os, rootfs: { type: 'layers', diff_ids: [`sha256:layer-of-${architecture}`] } });
    const digest = blob(dir, { schemaVersion: 2, config: { digest: config }, layers: [] });
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, platform: { os, architecture } };
  });
  // buildx adds attestation manifests with platform unknown/unknown.
  manifests.push({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: blob(dir, { config: { digest: 'sha256:attestation' } }),
    platform: { os: 'unknown', architecture: 'unknown' },
  });
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  const top = nested
    ? { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: blob(dir, index) }] }
    : index;
  writeFileSync(join(dir, 'index.json'), JSON.stringify(top));
  return dir;
}

describe('layoutConfigDigest', () => {
  it.each([
    [
      'a two-platform index inside index.json (as buildx writes it)',
      ['linux/amd64', 'linux/arm64'],
      true,
      'linux/arm64',
      ['sha256:layer-of-arm64'],
    ],
    ['a two-platform index.json', ['linux/amd64', 'linux/arm64'], false, 'linux/amd64', ['sha256:layer-of-amd64']],
    ['a platform that was not built', ['linux/arm64'], true, 'linux/amd64', undefined],
  ])('%s', async (_name, platforms, nested, wanted, expected) => {
    const dir = layout(platforms, nested);
    expect(await layoutDiffIds(dir, wanted)).toEqual(expected);
    expect((await layoutConfigDigest(dir, wanted)) !== undefined).toBe(expected !== undefined);
  });

  it.each([
    [['sha256:a', 'sha256:b'], ['sha256:a', 'sha256:b'], true],
    [['sha256:a'], ['sha256:a', 'sha256:b'], false],
    [['sha256:a', 'sha256:b'], ['sha256:b', 'sha256:a'], false],
  ])('sameLayers(%j, %j) is %s', (a, b, same) => {
    expect(sameLayers(a, b)).toBe(same);
  });

  it.each([
    [{ how: 'reused', seconds: 0.1 }, 'the image the build loaded'],
    [{ how: 'loaded', seconds: 2.04, sameAsBuild: true }, 'loaded by a cached build in 2.0 s, the same layers as the build'],
    [{ how: 'loaded', seconds: 2, sameAsBuild: false }, 'loaded by a cached build in 2.0 s, ⚠️ other layers than the build'],
    [{ how: 'loaded', seconds: 2 }, 'loaded by a cached build in 2.0 s'],
  ] as const)('imageNote(%j)', (image, note) => {
    expect(imageNote(image)).toBe(note);
  });

  it.each([
    ['alone in index.json, it is the image for any platform', false, 'sha256:lone-layer'],
    ["beside an attestation, it is no platform's image", true, undefined],
  ])('a manifest without a platform: %s', async (_name, withAttestation, expected) => {
    const dir = tempDir('layout');
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    const config = blob(dir, { rootfs: { type: 'layers', diff_ids: ['sha256:lone-layer'] } });
    const manifests: unknown[] = [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: blob(dir, { schemaVersion: 2, config: { digest: config }, layers: [] }),
      },
    ];
    if (withAttestation)
      manifests.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: blob(dir, { config: { digest: config } }),
        platform: { os: 'unknown', architecture: 'unknown' },
      });
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
    expect(await layoutDiffIds(dir, 'linux/arm64')).toEqual(expected === undefined ? undefined : [expected]);
  });

  it('is undefined for a directory that is not a layout', async () => {
    expect(await layoutConfigDigest(tempDir('layout'), 'linux/amd64')).toBeUndefined();
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Descriptor, ImageConfig } from '../../src/oci/descriptor.js';
import {
  cleanInstruction,
  gzipUncompressedSize,
  layerDiffIds,
  layerInstructions,
  measureImage,
  platformString,
} from '../../src/size/measure.js';
import type { BlobSource } from '../../src/size/source.js';
import { baselineKey, baselineKeyPrefix, planCache } from '../../src/size/baseline.js';
import { ROOT } from '../support/runner.js';

const FIXTURE = join(ROOT, 'test/fixtures/size/hello');

/** Manifests and configs as buildx wrote them for examples/hello (amd64 + arm64 + attestations), layers absent. */
function fixtureSource(trailers: Record<string, number>): { source: BlobSource; tails: string[] } {
  const blobs = new Map<string, unknown>();
  for (const f of readdirSync(FIXTURE)) {
    const m = /^sha256-([0-9a-f]{64})\.json$/.exec(f);
    if (m) blobs.set(`sha256:${m[1]}`, JSON.parse(readFileSync(join(FIXTURE, f), 'utf8')));
  }
  const index = JSON.parse(readFileSync(join(FIXTURE, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const tails: string[] = [];
  const source: BlobSource = {
    name: 'fixture',
    root: async () => index.manifests[0]!,
    json: async (d) => {
      const b = blobs.get(d.digest);
      if (!b) throw new Error(`no blob ${d.digest}`);
      return b;
    },
    tail: async (digest, _size, count) => {
      tails.push(digest);
      const buf = Buffer.alloc(count);
      buf.writeUInt32LE(trailers[digest] ?? 0, count - 4);
      return buf;
    },
    stream: async () => Readable.from([]),
  };
  return { source, tails };
}

describe('measureImage from manifest and config fixtures', () => {
  it("measures both platforms, leaves attestations out, reads only each layer's trailer", async () => {
    const { source, tails } = fixtureSource({
      'sha256:0498737c5eaa98b922b4b69ae3ce43342416fece78666ac3e8950b9d68e90503': 6_047_744,
      'sha256:ae5c49d1d5f547f9ce46cd485d039983a9c093fdc5a39aaf9569cf4ee8df3668': 5_703_680,
    });
    const measured = await measureImage(source);
    expect(measured.digest).toBe('sha256:bff7ade605b66d6349d66c5ed32adbca84a7f95fa77c70a9a862bf4bc687f6e6');
    expect(measured.platforms.map((p) => [p.platform, p.compressedBytes, p.uncompressedBytes])).toEqual([
      ['linux/amd64', 2_588_159, 6_047_744],
      ['linux/arm64', 2_382_280, 5_703_680],
    ]);
    expect(measured.platforms[0]!.layers).toEqual([
      {
        digest: 'sha256:0498737c5eaa98b922b4b69ae3ce43342416fece78666ac3e8950b9d68e90503',
        diffId: 'sha256:57f7c3fe2377aeb4510f76320e1e0914bab8ba5d619320a0dcb8085c246c82b9',
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        compressedBytes: 2_588_159,
        uncompressedBytes: 6_047_744,
        instruction: 'COPY /out/hello /hello',
      },
    ]);
    expect(measured.platforms[0]!.entrypoint).toEqual(['/hello']);
    expect(tails).toHaveLength(2);
  });

  it('measures a single-platform manifest (no index) with docker v2 media types', async () => {
    const manifest = {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: 'sha256:c', size: 10 },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: 'sha256:l1', size: 1000 },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:l2', size: 2048 },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: 'sha256:l3', size: 500 },
      ],
    };
    const config: ImageConfig = {
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
      history: [
        { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'RUN /bin/sh -c apk add curl # buildkit' },
        { created_by: 'COPY app /app # buildkit' },
      ],
    };
    const blobs: Record<string, unknown> = { 'sha256:m': manifest, 'sha256:c': config };
    const source: BlobSource = {
      name: 'mem',
      root: async () => ({ mediaType: manifest.mediaType, digest: 'sha256:m', size: 1 }),
      json: async (d) => blobs[d.digest],
      tail: async () => Buffer.from([0x10, 0x27, 0, 0]),
      stream: async () => Readable.from([]),
    };
    const measured = await measureImage(source);
    expect(measured.platforms).toHaveLength(1);
    const p = measured.platforms[0]!;
    expect(p.platform).toBe('linux/arm/v7');
    expect(p.compressedBytes).toBe(3548);
    // gzip: 10,000 from the trailer; plain tar: its size; zstd: unknown, counted as compressed.
    expect(p.layers.map((l) => l.uncompressedBytes)).toEqual([10_000, 2048, null]);
    expect(p.uncompressedBytes).toBe(10_000 + 2048 + 500);
    expect(p.layers.map((l) => l.instruction)).toEqual(['ADD file:abc in /', 'RUN /bin/sh -c apk add curl', 'COPY app /app']);
  });
});

describe('pure helpers', () => {
  it.each([
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64'],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'am|d<64>' }, 'linux/am_d_64_'],
  ])('platformString(%j) = %s', (p, text) => expect(platformString(p)).toBe(text));

  it('layerInstructions skips empty layers and aligns short histories from the top', () => {
    expect(layerInstructions({ history: [{ created_by: 'A' }, { created_by: 'B', empty_layer: true }, { created_by: 'C' }] }, 2)).toEqual([
      'A',
      'C',
    ]);
    expect(layerInstructions({ history: [{ created_by: 'C' }] }, 2)).toEqual([null, 'C']);
    expect(layerInstructions({}, 1)).toEqual([null]);
  });

  const ID = `sha256:${'c'.repeat(64)}`;
  it.each([
    ['one per layer', { rootfs: { diff_ids: [ID, ID] } }, 2, [ID, ID]],
    ['fewer than the layers', { rootfs: { diff_ids: [ID] } }, 2, []],
    ['not digests', { rootfs: { diff_ids: ['nope'] } }, 1, []],
    ['not a list', { rootfs: { diff_ids: 'sha256:x' } }, 1, []],
    ['no rootfs', {}, 1, []],
  ])('layerDiffIds: %s', (_name, config, layers, ids) => expect(layerDiffIds(config, layers)).toEqual(ids));

  it.each([
    ['COPY /out/hello /hello # buildkit', 'COPY /out/hello /hello'],
    ['/bin/sh -c #(nop)  CMD ["/app"]', 'CMD ["/app"]'],
    ['/bin/sh -c apk add --no-cache ca-certificates', 'RUN apk add --no-cache ca-certificates'],
  ])('cleanInstruction(%j)', (raw, clean) => expect(cleanInstruction(raw)).toBe(clean));

  it('gzipUncompressedSize reads ISIZE', () => {
    expect(gzipUncompressedSize(Buffer.from([0x00, 0x48, 0x5c, 0x00]), 2_588_159)).toBe(6_047_744);
    expect(gzipUncompressedSize(Buffer.from([1, 2]), 10)).toBeNull();
  });
});

describe('baseline keys', () => {
  it('a branch prefix cannot match a longer branch name', () => {
    const main = baselineKeyPrefix('ghcr.io/org/app', 'branch', 'main');
    expect(baselineKey('ghcr.io/org/app', 'branch', 'main-2', 'abc').startsWith(main)).toBe(false);
    expect(baselineKey('ghcr.io/org/app', 'branch', 'main', 'abc').startsWith(main)).toBe(true);
    expect(baselineKey('ghcr.io/org/other', 'branch', 'main', 'abc').startsWith(main)).toBe(false);
    expect(baselineKey('x', 'branch', 'feature/a,b', 'abc')).not.toContain(',');
  });

  const sha = 'f'.repeat(40);
  const pr = { number: 7, headRef: 'feat', headSha: sha, baseRef: 'develop', fromFork: false };
  it.each([
    [
      'push to the default branch: restore its newest, save',
      { eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main' },
      'main',
      true,
    ],
    ['push to master without a payload default', { eventName: 'push', ref: 'refs/heads/master' }, 'main', true],
    [
      'push to another branch: compare with the default, no save',
      { eventName: 'push', ref: 'refs/heads/feat', defaultBranch: 'main' },
      'main',
      false,
    ],
    ['a tag: compare with the default, save', { eventName: 'push', ref: 'refs/tags/v1.2.3', defaultBranch: 'trunk' }, 'trunk', true],
    [
      'a pull request: restore its base branch, no save',
      { eventName: 'pull_request', ref: 'refs/pull/7/merge', defaultBranch: 'main', pullRequest: pr },
      'develop',
      false,
    ],
  ])('%s', (_n, ctx, restoreLabel, saves) => {
    const plan = planCache('img', { sha, ...ctx });
    expect(plan.restoreLabel).toBe(restoreLabel);
    expect(plan.restorePrefix).toBe(baselineKeyPrefix('img', 'branch', restoreLabel));
    expect(plan.saveKey !== undefined).toBe(saves);
    if (saves) expect(plan.saveKey).toContain(sha);
  });
  it('other events neither restore nor save', () => {
    expect(planCache('img', { eventName: 'workflow_dispatch', ref: '', sha })).toEqual({});
  });
});

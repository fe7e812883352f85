/**
 * A build that writes an OCI layout on a builder of several nodes: one buildx build a node,
 * their layouts merged into one whose index lists every platform.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuilderNode } from '../../src/docker/builder.js';
import { buildxArgv, type BuildPlan } from '../../src/buildx/plan.js';
import { mergedIndex, mergedRoot, splitBuild, type PartLayout } from '../../src/buildx/split.js';
import { buildImage } from '../../src/buildx/split-build.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../src/oci/media-types.js';
import type { BuildOutput } from '../../src/docker/client.js';
import { builderOf, FakeDocker, failed, ok } from '../support/fake-docker.js';
import { testPlan } from '../support/samples.js';
import { tempDir } from '../support/temp.js';

const ALL = ['linux/amd64', 'linux/arm64', 'linux/riscv64', 'linux/s390x'];
const n = (name: string, configured: string[], platforms: string[] = ALL): BuilderNode => ({
  name,
  endpoint: '',
  status: 'running',
  configured,
  platforms: [...new Set([...configured, ...platforms])],
});
const twoNodes = [n('amd', ['linux/amd64']), n('arm', ['linux/arm64'])];
const BOTH = ['linux/amd64', 'linux/arm64'];
const layoutPlan = (over: Partial<BuildPlan> = {}): BuildPlan => ({
  ...testPlan(),
  platforms: BOTH,
  ociLayoutDir: '/tmp/w/oci-layout',
  ...over,
});

describe('which builds to run', () => {
  it.each<[string, BuilderNode[], Partial<BuildPlan>, { node: string; platforms: string[] }[] | undefined]>([
    [
      'two nodes, a platform each: one build a node',
      twoNodes,
      {},
      [
        { node: 'amd', platforms: ['linux/amd64'] },
        { node: 'arm', platforms: ['linux/arm64'] },
      ],
    ],
    [
      'the order of the platforms is kept',
      twoNodes,
      { platforms: ['linux/arm64', 'linux/amd64'] },
      [
        { node: 'arm', platforms: ['linux/arm64'] },
        { node: 'amd', platforms: ['linux/amd64'] },
      ],
    ],
    ['pushed: buildx merges in the registry', twoNodes, { push: true, ociLayoutDir: undefined }, undefined],
    [
      'pushed from a layout (docker driver): one build',
      twoNodes,
      { push: true, pushByDigest: { repositories: ['r/a'], via: 'layout' } },
      undefined,
    ],
    ['loaded: left to buildx', twoNodes, { load: true }, undefined],
    ['the layout saved from the engine', twoNodes, { ociLayoutFromEngine: true }, undefined],
    ['one platform', twoNodes, { platforms: ['linux/arm64'] }, undefined],
    ['one node', [n('only', [])], {}, undefined],
    ['no nodes known (inspect failed)', [], {}, undefined],
    [
      'a platform no node was created for: buildx sends them all to the first node',
      twoNodes,
      { platforms: ['linux/arm64', 'linux/riscv64'] },
      undefined,
    ],
    [
      'a node whose platforms, built alone, route to two nodes: one build a platform',
      [n('a', ['linux/amd64'], ['linux/arm64']), n('b', ['linux/arm64'], ['linux/s390x'])],
      { platforms: ['linux/amd64', 'linux/arm64', 'linux/s390x'] },
      [
        { node: 'a', platforms: ['linux/amd64'] },
        { node: 'b', platforms: ['linux/arm64'] },
        { node: 'b', platforms: ['linux/s390x'] },
      ],
    ],
    [
      'three platforms on two nodes',
      [n('amd', ['linux/amd64', 'linux/s390x']), n('arm', ['linux/arm64'])],
      { platforms: ['linux/amd64', 'linux/arm64', 'linux/s390x'] },
      [
        { node: 'amd', platforms: ['linux/amd64', 'linux/s390x'] },
        { node: 'arm', platforms: ['linux/arm64'] },
      ],
    ],
  ])('%s', (_name, nodes, over, expected) => {
    const parts = splitBuild(layoutPlan(over), nodes);
    expect(parts?.map(({ node, platforms }) => ({ node, platforms }))).toEqual(expected);
  });

  it('each part is the same buildx build for its platforms, its metadata, iidfile and layout in a directory of its own', () => {
    const plan = layoutPlan({ tags: ['r/a:pr-3'], builder: 'gca-multi', cacheFrom: ['type=gha'] });
    const whole = buildxArgv(plan);
    const parts = splitBuild(plan, twoNodes)!;
    expect(parts.map((p) => buildxArgv(p.plan))).toEqual(
      [1, 2].map((i) =>
        whole.map((arg) =>
          arg === BOTH.join(',')
            ? BOTH[i - 1]!
            : arg
                .replace('/tmp/w/oci-layout', `/tmp/w/part-${i}/oci-layout`)
                .replace('/tmp/w/metadata.json', `/tmp/w/part-${i}/metadata.json`)
                .replace('/tmp/w/iid.txt', `/tmp/w/part-${i}/iid.txt`),
        ),
      ),
    );
    expect(whole).toContain('type=oci,dest=/tmp/w/oci-layout,tar=false');
  });
});

const d = (digest: string, platform?: string, annotations?: Record<string, string>): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${digest.repeat(64)}`,
  size: 100,
  ...(platform
    ? {
        platform: {
          os: platform.split('/')[0]!,
          architecture: platform.split('/')[1]!,
          ...(platform.split('/')[2] ? { variant: platform.split('/')[2]! } : {}),
        },
      }
    : {}),
  ...(annotations ? { annotations } : {}),
});
/** The attestation of the manifest `of` (its digest another hex digit). */
const attestation = (of: string): Descriptor =>
  d(String.fromCharCode(of.charCodeAt(0) + 3), 'unknown/unknown', {
    'vnd.docker.reference.type': 'attestation-manifest',
    'vnd.docker.reference.digest': `sha256:${of.repeat(64)}`,
  });
const named = { 'org.opencontainers.image.created': '2026-12-06T14:12:07Z', 'org.opencontainers.image.ref.name': 'r/a:1' };
const indexRoot: Descriptor = { mediaType: OCI_INDEX, digest: `sha256:${'9'.repeat(64)}`, size: 500, annotations: named };

describe('the merged index', () => {
  it.each<[string, PartLayout[], string[], Descriptor[]]>([
    [
      "lone manifests (one platform, no attestation): listed with their platform, without the root's name and time",
      [
        { platforms: ['linux/amd64'], root: { ...d('a', 'linux/amd64'), annotations: named } },
        { platforms: ['linux/arm64'], root: { ...d('b', 'linux/arm64'), annotations: named } },
      ],
      BOTH,
      [d('a', 'linux/amd64'), d('b', 'linux/arm64')],
    ],
    [
      "a lone manifest index.json lists without a platform takes its part's",
      [
        { platforms: ['linux/arm/v7'], root: d('a') },
        { platforms: ['linux/arm64'], root: d('b', 'linux/arm64') },
      ],
      ['linux/arm/v7', 'linux/arm64'],
      [d('a', 'linux/arm/v7'), d('b', 'linux/arm64')],
    ],
    [
      'indexes with attestations: the images in the order of the platforms, then the attestations in the same order',
      [
        { platforms: ['linux/arm64'], root: indexRoot, index: { manifests: [d('b', 'linux/arm64'), attestation('b')] } },
        {
          platforms: ['linux/amd64', 'linux/s390x'],
          root: indexRoot,
          index: { manifests: [d('a', 'linux/amd64'), d('c', 'linux/s390x'), attestation('a'), attestation('c')] },
        },
      ],
      ['linux/amd64', 'linux/arm64', 'linux/s390x'],
      [d('a', 'linux/amd64'), d('b', 'linux/arm64'), d('c', 'linux/s390x'), attestation('a'), attestation('b'), attestation('c')],
    ],
  ])('%s', (_name, parts, platforms, manifests) => {
    expect(mergedIndex(parts, platforms)).toEqual({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });
  });

  it("index.json names the merged index as the first part's root was named", () => {
    const index: Descriptor = { mediaType: OCI_INDEX, digest: `sha256:${'1'.repeat(64)}`, size: 10 };
    expect(mergedRoot(index, [{ platforms: ['linux/amd64'], root: { ...d('a'), annotations: named } }])).toEqual({
      schemaVersion: 2,
      manifests: [{ ...index, annotations: named }],
    });
    expect(mergedRoot(index, [{ platforms: ['linux/amd64'], root: d('a') }])).toEqual({ schemaVersion: 2, manifests: [index] });
  });
});

/** What a fake buildx writes: for each platform of its --platform, a manifest and a config, in a layout at its dest. */
function fakeBuildx(fail?: string): (argv: readonly string[]) => Promise<BuildOutput> {
  return async (argv) => {
    const platforms = argv[argv.indexOf('--platform') + 1]!.split(',');
    if (fail && platforms.includes(fail))
      return failed(`#9 ERROR: process "go build" did not complete successfully\nERROR: failed to solve: ${fail} broke`);
    const dest = /dest=([^,]+)/.exec(argv.find((a) => a.startsWith('type=oci,'))!)![1]!;
    mkdirSync(join(dest, 'blobs', 'sha256'), { recursive: true });
    const blob = (body: string): Descriptor => {
      const hex = createHash('sha256').update(body).digest('hex');
      writeFileSync(join(dest, 'blobs', 'sha256', hex), body);
      return { mediaType: OCI_MANIFEST, digest: `sha256:${hex}`, size: body.length };
    };
    const manifests = platforms.map((p) => ({
      ...blob(JSON.stringify({ config: blob(`{"architecture":"${p}"}`), layers: [] })),
      platform: { os: 'linux', architecture: p.split('/')[1]! },
    }));
    const root =
      manifests.length === 1 ? manifests[0]! : { ...blob(JSON.stringify({ mediaType: OCI_INDEX, manifests })), mediaType: OCI_INDEX };
    writeFileSync(join(dest, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [root] }));
    writeFileSync(argv[argv.indexOf('--metadata-file') + 1]!, JSON.stringify({ 'containerimage.digest': root.digest }));
    return ok();
  };
}

const TWO_NODES_INSPECT =
  'Name: gca-multi\nDriver: docker-container\n\nNodes:\nName: amd\nEndpoint: unix:///var/run/docker.sock\nPlatforms: linux/amd64*, linux/arm64\n\nName: arm\nEndpoint: gca-n2\nPlatforms: linux/arm64*, linux/amd64\n';

describe('the split build', () => {
  it('runs one build a node and merges their layouts: the index lists both platforms and names the result', async () => {
    const dir = tempDir('split');
    const docker = new FakeDocker({ inspectBuilder: async () => builderOf(TWO_NODES_INSPECT), build: fakeBuildx() });
    const plan = layoutPlan({ builder: 'gca-multi', ociLayoutDir: join(dir, 'oci-layout') });
    const lines: string[] = [];
    const result = await buildImage(docker, plan, (m) => lines.push(m));
    expect(result.error).toBeUndefined();
    expect(docker.callsOf('build').map(([argv]) => (argv as string[])[(argv as string[]).indexOf('--platform') + 1])).toEqual(BOTH);
    expect(lines[0]).toBe(
      'buildx writes no OCI layout from several nodes: building linux/amd64 on amd; linux/arm64 on arm, side by side, and merging their layouts',
    );
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(/^Built linux\/amd64 on amd in \d+\.\d s$/),
      expect.stringMatching(/^Built linux\/arm64 on arm in \d+\.\d s$/),
    ]);
    const root = (JSON.parse(readFileSync(join(dir, 'oci-layout', 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests[0]!;
    const body = readFileSync(join(dir, 'oci-layout', 'blobs', 'sha256', root.digest.slice(7)));
    expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(root.digest);
    const listed = (JSON.parse(body.toString()) as { manifests: Descriptor[] }).manifests;
    expect(listed.map((m) => `${m.platform!.os}/${m.platform!.architecture}`)).toEqual(BOTH);
    for (const m of listed) expect(readFileSync(join(dir, 'oci-layout', 'blobs', 'sha256', m.digest.slice(7))).length).toBe(m.size);
    expect(result).toMatchObject({ ok: true, imageId: root.digest, metadata: { digest: root.digest, mediaType: OCI_INDEX } });
    expect(result.metadata.raw.parts).toEqual([
      { node: 'amd', platforms: ['linux/amd64'], metadata: { 'containerimage.digest': listed[0]!.digest } },
      { node: 'arm', platforms: ['linux/arm64'], metadata: { 'containerimage.digest': listed[1]!.digest } },
    ]);
  });

  it('a failed part fails the build with its error, naming its platforms and node', async () => {
    const dir = tempDir('split-fail');
    const docker = new FakeDocker({ inspectBuilder: async () => builderOf(TWO_NODES_INSPECT), build: fakeBuildx('linux/arm64') });
    const result = await buildImage(docker, layoutPlan({ ociLayoutDir: join(dir, 'oci-layout') }));
    expect(result.ok).toBe(false);
    expect(result.error).toBe('the build of linux/arm64 (node arm) failed: ERROR: failed to solve: linux/arm64 broke');
    expect(docker.callsOf('build')).toHaveLength(2);
  });

  it('any other build is the one buildx build, as it was', async () => {
    const docker = new FakeDocker({ inspectBuilder: async () => builderOf(TWO_NODES_INSPECT) });
    const plan = layoutPlan({ push: true, ociLayoutDir: undefined });
    await buildImage(docker, plan);
    expect(docker.methods()).toEqual(['build']);
    expect(docker.callsOf('build')[0]![0]).toEqual(buildxArgv(plan));
  });
});

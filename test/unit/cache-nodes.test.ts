/**
 * The Go cache on builders of several nodes: which node builds each platform (parsed from
 * `docker buildx inspect`, routed as buildx routes), one helper group per node and image, and
 * one saved archive holding what every node changed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeReachesRunner, placeHelpers, routePlatforms } from '../../src/buildx/nodes.js';
import { parseBuilderNodes, type BuilderNode } from '../../src/docker/builder.js';
import { restoreGoCaches } from '../../src/go-cache/restore.js';
import type { CacheService } from '../../src/actions-cache/service.js';
import { helperGroups, type SlotState } from '../../src/go-cache/session.js';
import { goCacheAfterBuild } from '../../src/go-cache/stage.js';
import { indexTar, TarWriter } from '../../src/go-cache/tar.js';
import { joinNodeParts, unionLists } from '../../src/go-cache/trim.js';
import { StateWriter } from '../../src/state.js';
import { builderOf, FakeDocker } from '../support/fake-docker.js';
import { fakeHelper, type HelperRun } from '../support/fake-helper.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('cache-nodes');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (name: string, lines: string): string =>
  `Name:                  ${name}\nEndpoint:              ${name === 'n2' ? 'gca-n2' : 'unix:///var/run/docker.sock'}\nStatus:                running\n${lines}\nLabels:\n org.mobyproject.buildkit.worker.executor:         oci\nGC Policy rule#0:\n All:           false\n`;
const EMULATED = 'linux/riscv64, linux/ppc64, linux/386, linux/arm/v7';
const TWO_NODES = `Name:          gca-multi\nDriver:        docker-container\nLast Activity: 2026-12-06 13:02:30 +0000 UTC\n\nNodes:\n${node('amd', `Platforms:             linux/amd64*, linux/amd64/v2, linux/arm64, ${EMULATED}`)}\n${node('n2', `Platforms:             linux/arm64*, linux/amd64, linux/amd64/v2, ${EMULATED}`)}`;
const DOCKER =
  'Name:          default\nDriver:        docker\nLast Activity: 2026-12-06\n\nNodes:\nName:             default\nEndpoint:         default\nStatus:           running\nBuildKit version: v0.0.0+unknown\nPlatforms:        linux/amd64, linux/amd64/v2, linux/arm64\nLabels:\n org.mobyproject.buildkit.worker.moby.host-gateway-ip: 172.17.0.1\n';

const n = (name: string, configured: string[], platforms: string[], endpoint = 'unix:///var/run/docker.sock'): BuilderNode => ({
  name,
  endpoint,
  status: 'running',
  configured,
  platforms: [...new Set([...configured, ...platforms])],
});
const ALL = ['linux/amd64', 'linux/arm64', 'linux/riscv64'];

describe('the nodes of a builder', () => {
  it.each([
    [
      'two nodes, one per platform',
      TWO_NODES,
      [
        ['amd', 'unix:///var/run/docker.sock', ['linux/amd64'], 'linux/arm64'],
        ['n2', 'gca-n2', ['linux/arm64'], 'linux/amd64'],
      ],
    ],
    ['the docker driver', DOCKER, [['default', 'default', [], 'linux/arm64']]],
    [
      'a node not started yet (no platforms listed)',
      'Name: b\nDriver: docker-container\n\nNodes:\nName:      b0\nEndpoint:  unix:///var/run/docker.sock\nStatus:    inactive\n',
      [['b0', 'unix:///var/run/docker.sock', [], undefined]],
    ],
    [
      'a variant and an arm64/v8 spelling',
      'Nodes:\nName: x\nPlatforms: linux/arm64/v8*, linux/arm/v7\n',
      [['x', '', ['linux/arm64'], 'linux/arm/v7']],
    ],
    ['no Nodes section', 'Name:   default\nDriver: docker\n', []],
    ['garbage', 'garbage', []],
  ])('parses %s', (_name, text, expected) => {
    const nodes = parseBuilderNodes(text);
    expect(nodes.map((x) => x.name)).toEqual(expected.map((e) => e[0]));
    nodes.forEach((x, i) => {
      const [, endpoint, configured, also] = expected[i]!;
      expect(x.endpoint).toBe(endpoint);
      expect(x.configured).toEqual(configured);
      if (also) expect(x.platforms).toContain(also);
      expect(x.platforms).toEqual(expect.arrayContaining(x.configured));
    });
  });

  const twoNodes = [n('amd', ['linux/amd64'], ALL), n('arm', ['linux/arm64'], ALL)];
  it.each([
    ['each platform to the node created for it', twoNodes, ['linux/amd64', 'linux/arm64'], ['amd', 'arm']],
    ['the order of the platforms does not matter', twoNodes, ['linux/arm64', 'linux/amd64'], ['arm', 'amd']],
    [
      'a platform no node was created for: every platform to the first node able (as buildx does)',
      twoNodes,
      ['linux/arm64', 'linux/riscv64'],
      ['amd', 'amd'],
    ],
    [
      'nodes created for no platform: the first node that lists it',
      [n('a', [], ['linux/amd64']), n('b', [], ['linux/arm64'])],
      ['linux/amd64', 'linux/arm64'],
      ['a', 'b'],
    ],
    ['a platform no node lists: the first node', [n('a', [], ['linux/amd64']), n('b', [], ['linux/arm64'])], ['linux/s390x'], ['a']],
    ['one node', [n('only', [], ALL)], ['linux/amd64', 'linux/arm64'], ['only', 'only']],
  ])('routes %s', (_name, nodes, platforms, expected) => {
    expect(platforms.map((p) => routePlatforms(nodes, platforms).get(p))).toEqual(expected);
  });

  it.each([
    [
      'two nodes: one helper each, routed by its own platform',
      twoNodes,
      ['linux/amd64', 'linux/arm64'],
      [
        { node: 'amd', platform: 'linux/amd64' },
        { node: 'arm', platform: 'linux/arm64' },
      ],
      [],
    ],
    [
      'two platforms on one node of two: one helper, not one a platform',
      twoNodes,
      ['linux/arm64', 'linux/riscv64'],
      [{ node: 'amd', platform: 'linux/riscv64' }],
      [],
    ],
    ['one platform of two nodes: the other node gets no helper', twoNodes, ['linux/arm64'], [{ node: 'arm', platform: 'linux/arm64' }], []],
    [
      'a single node: one helper without a platform (as before)',
      [n('only', [], ALL)],
      ['linux/amd64', 'linux/arm64'],
      [{ node: 'only' }],
      [],
    ],
    ['an inspect without nodes: one helper without a platform', [], ['linux/amd64', 'linux/arm64'], [{ node: '' }], []],
    [
      'a node building a platform only as the fallback of the whole build: none reaches it alone',
      [n('a', [], ['linux/arm64']), n('c', ['linux/arm64'], ['linux/s390x'])],
      ['linux/arm64', 'linux/s390x'],
      [{ node: 'c', platform: 'linux/s390x' }],
      ['a'],
    ],
  ])('places helpers: %s', (_name, nodes, platforms, targets, unreachable) => {
    const placement = placeHelpers(nodes, platforms);
    expect(placement.targets).toEqual(targets);
    expect(placement.unreachable).toEqual(unreachable);
    // A target's platform, built alone, goes to its node.
    for (const t of placement.targets) if (t.platform) expect(routePlatforms(nodes, [t.platform]).get(t.platform)).toBe(t.node);
  });

  it.each([
    ['docker', 'default', true],
    ['docker-container', 'unix:///var/run/docker.sock', true],
    ['docker-container', 'gca-n2', true],
    ['docker-container', 'tcp://10.0.0.2:2376', false],
    ['docker-container', 'ssh://builder@arm-host', false],
    ['remote', 'tcp://buildkitd:1234', false],
    ['kubernetes', 'kubernetes:///buildkit?deployment=x', false],
  ])("a %s node at %s reaches the runner's servers: %s", (driver, endpoint, reaches) => {
    expect(nodeReachesRunner(driver, { endpoint })).toBe(reaches);
  });
});

/** A slot state for grouping (nothing restored). */
const slotState = (mountName: string, id: string, platforms: string[], image = 'golang:1.24'): SlotState =>
  ({
    slot: { id, kind: 'go-build', target: '/root/.cache/go-build', sharing: 'shared', platforms, image, lines: [1] },
    mountName,
    exact: false,
    restoredBytes: 0,
    restoredFiles: 0,
    restoredList: [],
  }) as unknown as SlotState;

describe('helper groups', () => {
  const placement = placeHelpers([n('amd', ['linux/amd64'], ALL), n('arm', ['linux/arm64'], ALL)], ['linux/amd64', 'linux/arm64']);
  const shared = slotState('s0', 'gobuild', ['linux/amd64', 'linux/arm64']);
  const amd = slotState('s1', 'gobuild-amd64', ['linux/amd64']);
  const arm = slotState('s2', 'gobuild-arm64', ['linux/arm64']);
  const other = slotState('s3', 'tools', ['linux/arm64'], 'alpine:3');
  it.each([
    [
      'a cache both platforms share goes to both nodes',
      [shared],
      [
        ['amd golang:1.24', ['s0']],
        ['arm golang:1.24', ['s0']],
      ],
    ],
    [
      'a cache per platform ($TARGETARCH) goes to its own node only',
      [amd, arm],
      [
        ['amd golang:1.24', ['s1']],
        ['arm golang:1.24', ['s2']],
      ],
    ],
    [
      'both kinds',
      [shared, amd, arm],
      [
        ['amd golang:1.24', ['s0', 's1']],
        ['arm golang:1.24', ['s0', 's2']],
      ],
    ],
    [
      'another image: another helper on that node',
      [shared, other],
      [
        ['amd golang:1.24', ['s0']],
        ['arm golang:1.24', ['s0']],
        ['arm alpine:3', ['s3']],
      ],
    ],
  ])('%s', (_name, slots, expected) => {
    const groups = helperGroups(slots, placement, (node) => node === 'amd');
    expect(groups.map((g) => [g.key, g.slots.map((s) => s.mountName)])).toEqual(expected);
    expect(groups.map((g) => g.reachesRunner)).toEqual(expected.map(([key]) => (key as string).startsWith('amd ')));
    expect(groups.every((g) => g.target.platform === (g.target.node === 'amd' ? 'linux/amd64' : 'linux/arm64'))).toBe(true);
  });

  it('one node: one group per image, whatever the platforms', () => {
    const single = placeHelpers([], ['linux/amd64', 'linux/arm64']);
    expect(helperGroups([shared, amd, arm, other], single, () => true).map((g) => [g.key, g.slots.length, g.target])).toEqual([
      [' golang:1.24', 3, { node: '' }],
      [' alpine:3', 1, { node: '' }],
    ]);
  });
});

describe('one archive from several nodes', () => {
  it.each([
    ['disjoint', [new Map([['s0.export', ['a']]]), new Map([['s0.export', ['b']]])], { 's0.export': ['a', 'b'] }],
    [
      'the same entry on both nodes once',
      [new Map([['s0.used', ['x', 'y']]]), new Map([['s0.used', ['y', 'z']]])],
      { 's0.used': ['x', 'y', 'z'] },
    ],
    [
      'a list only one node has',
      [new Map([['s0.changed', ['x']]]), new Map([['s1.changed', ['q']]])],
      { 's0.changed': ['x'], 's1.changed': ['q'] },
    ],
    ['one node', [new Map([['s0.export', ['a']]])], { 's0.export': ['a'] }],
  ])('unions the lists: %s', (_name, lists, expected) => {
    expect(Object.fromEntries(unionLists(lists))).toEqual(expected);
  });

  /** A tar of `names` (each 600 bytes, content `fill`). */
  const tar = (path: string, names: string[], fill = 1): string => {
    const w = new TarWriter(path);
    for (const name of names)
      w.add({ name, type: '0', mode: 0o644, uid: 0, gid: 0, size: 600, mtime: 1_700_000_000, linkname: '' }, Buffer.alloc(1024, fill));
    w.close();
    return path;
  };

  it('saves what each node used and added, each entry once, from the restored archive and both nodes', async () => {
    const slotDir = join(dir, 'union');
    mkdirSync(slotDir, { recursive: true });
    const restored = ['00/a-d', '01/b-d', '02/c-d', '03/d-d'];
    const index = indexTar(tar(join(slotDir, 'cache.tar'), restored));
    const s = {
      ...slotState('s0', 'gobuild', ['linux/amd64', 'linux/arm64']),
      keys: { primary: 'k-next', restore: ['k-'], path: slotDir },
      dir: slotDir,
      restoredKey: 'k-prev',
      restoredList: index.files,
      restoredIndex: index,
      restoredFiles: 4,
    } as SlotState;
    // amd64 used a, b and added n1 and the shared n2; arm64 used c, d and added n2 and n3. The
    // extract tars also carry another mount's files, which stay out.
    const amd = tar(join(dir, 'amd.tar'), ['s0/ff/n1-d', 's0/ff/n2-d', 's1/zz/other-d']);
    const arm = tar(join(dir, 'arm.tar'), ['s0/ff/n2-d', 's0/ff/n3-d']);
    const lists = (used: string[], added: string[]): Map<string, string[]> =>
      new Map([
        ['s0.changed', [...used, ...added]],
        ['s0.export', added],
        ['s0.used', used],
      ]);
    const reporter = new RecordingReporter();
    const save = await joinNodeParts(
      s,
      [
        { tar: amd, lists: lists(['00/a-d', '01/b-d'], ['ff/n1-d', 'ff/n2-d']) },
        { tar: arm, lists: lists(['02/c-d', '03/d-d'], ['ff/n2-d', 'ff/n3-d']) },
      ],
      reporter,
    );
    expect(save).toMatchObject({ key: 'k-next', id: 'gobuild' });
    expect(indexTar(join(slotDir, 'cache.tar')).files.sort()).toEqual([...restored, 'ff/n1-d', 'ff/n2-d', 'ff/n3-d']);
    expect(reporter.lines.join('\n')).toMatch(/3 new files appended, 4 reused, 0 unused kept/);
    // The joined tar was a temporary file next to the node tars, not in the saved directory.
    expect(indexTar(amd).files).toHaveLength(3);
  });
});

/** A cache service holding one small archive for every key asked. */
function serviceWithArchives(): CacheService {
  const write = (path: string): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    const w = new TarWriter(path);
    w.add(
      { name: '00/entry-d', type: '0', mode: 0o644, uid: 0, gid: 0, size: 10, mtime: 1_700_000_000, linkname: '' },
      Buffer.alloc(512, 1),
    );
    w.close();
  };
  const inner: CacheService = { available: () => true, restore: async () => undefined, save: async () => undefined };
  return {
    ...inner,
    within: (env) => ({ ...inner, restore: async (paths, primary) => (write(join(env.workspace, paths[0]!, 'cache.tar')), primary) }),
  };
}

/** Restores for a 2-platform build of `dockerfile` on a builder `inspect` describes, helpers played by the fake. */
async function restoreOnNodes(name: string, dockerfile: string, inspect: string) {
  const work = join(dir, name);
  mkdirSync(work, { recursive: true });
  const file = join(work, 'Dockerfile');
  writeFileSync(file, dockerfile);
  const runs: HelperRun[] = [];
  const docker = new FakeDocker({
    inspectBuilder: async () => builderOf(inspect),
    bridgeGateway: async () => '127.0.0.1',
    helperBuild: fakeHelper(runs),
  });
  const reporter = new RecordingReporter();
  const opts = {
    enabled: true,
    stream: true,
    file,
    context: work,
    platforms: ['linux/amd64', 'linux/arm64'],
    buildArgs: [],
    builder: 'gca-multi',
    buildPlatform: 'linux/amd64',
    workDir: work,
    unique: name,
    maxBytes: Number.POSITIVE_INFINITY,
    savePlan: { save: true, supersede: true },
  };
  const { session, summary } = await restoreGoCaches(opts, serviceWithArchives(), { docker, reporter });
  const release = (): Promise<void> => goCacheAfterBuild(session, false, { docker, reporter, state: new StateWriter(() => undefined) });
  /** Each helper by the platform that routed it. */
  const byPlatform = <T>(what: (run: HelperRun) => T): Record<string, T> =>
    Object.fromEntries(runs.map((r) => [r.argv[r.argv.indexOf('--platform') + 1]!, what(r)]));
  return { runs, session: session!, summary, log: reporter.lines.join('\n'), release, byPlatform };
}

describe('restoring into a builder of two nodes', () => {
  it('holds the shared cache on both nodes and a per-platform cache on its own, each helper routed by platform', async () => {
    const dockerfile =
      'FROM --platform=$BUILDPLATFORM golang:1.24 AS build\nARG TARGETARCH\nRUN --mount=type=cache,id=mod,target=/go/pkg/mod --mount=type=cache,id=build-$TARGETARCH,target=/root/.cache/go-build go build ./...\n';
    const { runs, session, summary, log, release, byPlatform } = await restoreOnNodes('two-nodes', dockerfile, TWO_NODES);
    expect(summary.hit).toBe('true');
    expect(runs.map((r) => r.kind)).toEqual(['held', 'held']);
    const scripts = byPlatform((r) => r.script);
    expect(Object.keys(scripts).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const mountOf = (id: string): string => `/gca/${session.slots.find((s) => s.slot.id === id)!.mountName}`;
    // The module cache on both nodes; each build cache on the node building its platform.
    expect(scripts['linux/amd64']).toContain(mountOf('mod'));
    expect(scripts['linux/arm64']).toContain(mountOf('mod'));
    expect(scripts['linux/amd64']).toContain(mountOf('build-amd64'));
    expect(scripts['linux/amd64']).not.toContain(mountOf('build-arm64'));
    expect(scripts['linux/arm64']).toContain(mountOf('build-arm64'));
    expect(log).toMatch(/the builder has 2 nodes \(linux\/amd64 on amd, linux\/arm64 on n2\)/);
    expect(
      log.split('\n').filter((l) => /injected \d archives? into BuildKit .* on node (amd|n2) \(linux\/(amd|arm)64\)/.test(l)),
    ).toHaveLength(2);
    // After a failed build both held helpers are told to stop.
    await release();
    expect(runs.map((r) => r.answer)).toEqual(['stop', 'stop']);
  });

  it('sends the archives as build context to a node that cannot reach the runner, and streams to the other', async () => {
    const dockerfile =
      'FROM --platform=$BUILDPLATFORM golang:1.24 AS build\nRUN --mount=type=cache,id=gobuild,target=/root/.cache/go-build go build ./...\n';
    const remote = TWO_NODES.replace('Endpoint:              gca-n2', 'Endpoint:              tcp://arm-builder:2376');
    const { summary, log, release, byPlatform } = await restoreOnNodes('remote-node', dockerfile, remote);
    expect(summary.hit).toBe('true');
    // [kind, streamed, unpacked from the build context]
    expect(byPlatform((r) => [r.kind, r.script.includes('http://'), /tar -xf '\/gca-in\//.test(r.script)])).toEqual({
      'linux/amd64': ['held', true, false],
      'linux/arm64': ['inject', false, true],
    });
    expect(log).toMatch(/injected 1 archive into BuildKit \(as build context\) .* on node n2 \(linux\/arm64\)/);
    await release();
  });
});

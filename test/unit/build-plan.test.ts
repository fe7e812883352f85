import { describe, expect, it } from 'vitest';
import { buildxArgv, mergeKeyValues, ociLabels, planBuild, type BuildPlan } from '../../src/buildx/plan.js';
import { repositoriesOf } from '../../src/util/reference.js';
import type { Inputs } from '../../src/inputs.js';
import { parseSizeInputs } from '../../src/size/inputs.js';
import { testPlan } from '../support/samples.js';
import { NO_EXTRAS } from '../../src/buildx/extras.js';

const base: BuildPlan = testPlan();
const tail = ['--metadata-file', '/tmp/w/metadata.json', '--iidfile', '/tmp/w/iid.txt', '/ws/app'];
const head = ['buildx', 'build', '--file', '/ws/app/Dockerfile'];

describe('buildxArgv', () => {
  it.each<[string, Partial<BuildPlan>, string[]]>([
    ['the minimal plan', {}, [...head, '--platform', 'linux/amd64', ...tail]],
    ['several platforms', { platforms: ['linux/amd64', 'linux/arm64'] }, [...head, '--platform', 'linux/amd64,linux/arm64', ...tail]],
    [
      'a builder',
      { builder: 'ci' },
      ['buildx', 'build', '--builder', 'ci', '--file', '/ws/app/Dockerfile', '--platform', 'linux/amd64', ...tail],
    ],
    [
      'tags, not pushed',
      { tags: ['r/a:1', 'r/a:latest'] },
      [...head, '--platform', 'linux/amd64', '--tag', 'r/a:1', '--tag', 'r/a:latest', ...tail],
    ],
    [
      'a push by BuildKit: by digest to every repository, no --tag (it would rename the pushed image)',
      {
        tags: ['r/a:1', 'r/a:latest', 'ghcr.io/o/a:1'],
        push: true,
        pushByDigest: { repositories: ['r/a', 'ghcr.io/o/a'], via: 'exporter' },
      },
      [
        ...head,
        '--platform',
        'linux/amd64',
        '--output',
        'type=image,"name=r/a,ghcr.io/o/a",push-by-digest=true,name-canonical=true,push=true',
        ...tail,
      ],
    ],
    [
      'a push by BuildKit with load: the loaded image is named after the tags; the push is the last exporter, whose digest the metadata holds',
      { tags: ['r/a:1', 'r/a:latest'], push: true, load: true, pushByDigest: { repositories: ['r/a'], via: 'exporter' } },
      [
        ...head,
        '--platform',
        'linux/amd64',
        '--output',
        'type=docker,"name=r/a:1,r/a:latest"',
        '--output',
        'type=image,"name=r/a",push-by-digest=true,name-canonical=true,push=true',
        ...tail,
      ],
    ],
    [
      'a push on the docker driver: an OCI layout the action uploads, no --push',
      { tags: ['r/a:1'], push: true, load: true, ociLayoutDir: '/o', pushByDigest: { repositories: ['r/a'], via: 'layout' } },
      [...head, '--platform', 'linux/amd64', '--tag', 'r/a:1', '--load', '--output', 'type=oci,dest=/o,tar=false', ...tail],
    ],
    [
      'a push on the docker driver with the classic store: under the tags, as docker push does',
      { tags: ['r/a:1', 'r/a:latest'], push: true, load: true },
      [...head, '--platform', 'linux/amd64', '--tag', 'r/a:1', '--tag', 'r/a:latest', '--push', '--load', ...tail],
    ],
    ['load', { load: true }, [...head, '--platform', 'linux/amd64', '--load', ...tail]],
    [
      'an OCI layout',
      { ociLayoutDir: '/tmp/w/oci' },
      [...head, '--platform', 'linux/amd64', '--output', 'type=oci,dest=/tmp/w/oci,tar=false', ...tail],
    ],
    [
      'load and an OCI layout',
      { load: true, ociLayoutDir: '/o' },
      [...head, '--platform', 'linux/amd64', '--load', '--output', 'type=oci,dest=/o,tar=false', ...tail],
    ],
    [
      'an OCI layout saved from the engine (classic store): no --output, the docker driver loads',
      { ociLayoutDir: '/o', ociLayoutFromEngine: true },
      [...head, '--platform', 'linux/amd64', ...tail],
    ],
    [
      'the same with tags and load',
      { tags: ['r/a:1'], load: true, ociLayoutDir: '/o', ociLayoutFromEngine: true },
      [...head, '--platform', 'linux/amd64', '--tag', 'r/a:1', '--load', ...tail],
    ],
    [
      'build-args with spaces and =',
      { buildArgs: [{ key: 'A', value: 'x y=z' }] },
      [...head, '--platform', 'linux/amd64', '--build-arg', 'A=x y=z', ...tail],
    ],
    ['labels', { labels: [{ key: 'l', value: 'v' }] }, [...head, '--platform', 'linux/amd64', '--label', 'l=v', ...tail]],
    ['a target', { target: 'build' }, [...head, '--platform', 'linux/amd64', '--target', 'build', ...tail]],
    [
      'caches',
      { cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max'] },
      [...head, '--platform', 'linux/amd64', '--cache-from', 'type=gha', '--cache-to', 'type=gha,mode=max', ...tail],
    ],
    [
      'a hostile value stays one argument',
      { tags: ['r/a:1; rm -rf /'] },
      [...head, '--platform', 'linux/amd64', '--tag', 'r/a:1; rm -rf /', ...tail],
    ],
    [
      'reproducible, pushed by BuildKit and loaded: every exporter rewrites the file times',
      { tags: ['r/a:1'], push: true, load: true, pushByDigest: { repositories: ['r/a'], via: 'exporter' }, sourceDateEpoch: 1700000000 },
      [
        ...head,
        '--platform',
        'linux/amd64',
        '--output',
        'type=docker,"name=r/a:1",rewrite-timestamp=true',
        '--output',
        'type=image,"name=r/a",push-by-digest=true,name-canonical=true,push=true,rewrite-timestamp=true',
        ...tail,
      ],
    ],
    [
      'reproducible on the docker driver: --load becomes the output it stands for, with the layout',
      {
        tags: ['r/a:1'],
        push: true,
        load: true,
        ociLayoutDir: '/o',
        pushByDigest: { repositories: ['r/a'], via: 'layout' },
        sourceDateEpoch: 1700000000,
      },
      [
        ...head,
        '--platform',
        'linux/amd64',
        '--tag',
        'r/a:1',
        '--output',
        'type=docker,rewrite-timestamp=true',
        '--output',
        'type=oci,dest=/o,tar=false,rewrite-timestamp=true',
        ...tail,
      ],
    ],
    [
      'reproducible on the classic store: --push becomes the image output it stands for',
      { tags: ['r/a:1'], push: true, sourceDateEpoch: 1700000000 },
      [...head, '--platform', 'linux/amd64', '--tag', 'r/a:1', '--output', 'type=image,push=true,rewrite-timestamp=true', ...tail],
    ],
    [
      "build-push-action's inputs, after the caches and before the outputs; a secret's value is never an argument",
      {
        cacheFrom: ['type=gha'],
        load: true,
        extras: {
          secrets: [
            { id: 'npm', source: { kind: 'value', value: 's3cr3t-value' } },
            { id: 'key', source: { kind: 'file', path: '/ws/key.pem' } },
            { id: 'tok', source: { kind: 'env', name: 'MY_TOKEN' } },
          ],
          ssh: ['default'],
          buildContexts: [{ name: 'certs', value: '/ws/certs' }],
          annotations: ['index:org.opencontainers.image.title=app'],
          provenance: 'mode=max',
          sbom: 'false',
          noCache: true,
          pull: true,
          network: 'none',
          addHosts: ['db:10.0.0.5'],
          shmSize: '2g',
          ulimits: ['nofile=1024:2048'],
        },
      },
      [
        ...head,
        '--platform',
        'linux/amd64',
        '--cache-from',
        'type=gha',
        '--secret',
        'id=npm,env=GCA_BUILD_SECRET_0',
        '--secret',
        'id=key,src=/ws/key.pem',
        '--secret',
        'id=tok,env=MY_TOKEN',
        '--ssh',
        'default',
        '--build-context',
        'certs=/ws/certs',
        '--annotation',
        'index:org.opencontainers.image.title=app',
        '--provenance',
        'mode=max',
        '--sbom',
        'false',
        '--no-cache',
        '--pull',
        '--network',
        'none',
        '--add-host',
        'db:10.0.0.5',
        '--shm-size',
        '2g',
        '--ulimit',
        'nofile=1024:2048',
        '--load',
        ...tail,
      ],
    ],
  ])('%s', (_, override, expected) => {
    expect(buildxArgv({ ...base, ...override })).toEqual(expected);
  });
});

describe('planBuild', () => {
  it.each<[string, { key: string; value: string }[], number | undefined, string | undefined]>([
    ['adds SOURCE_DATE_EPOCH for a reproducible build', [], 1700000000, '1700000000'],
    ["keeps the user's SOURCE_DATE_EPOCH", [{ key: 'SOURCE_DATE_EPOCH', value: '42' }], 1700000000, '42'],
    ['adds nothing when the build is not reproducible', [], undefined, undefined],
  ])('%s', (_, buildArgs, epoch, expected) => {
    const plan = planBuild(
      { ...base, reproducible: epoch !== undefined, buildArgs },
      { sha: '', serverUrl: 'https://github.com', repository: '' },
      {
        version: '1',
        tags: [],
        created: new Date(0),
        workDir: '/tmp/w',
        driver: 'docker',
        containerdImageStore: true,
        sourceDateEpoch: epoch,
      },
    );
    expect(plan.buildArgs.find((a) => a.key === 'SOURCE_DATE_EPOCH')?.value).toBe(expected);
    expect(plan.sourceDateEpoch).toBe(epoch);
  });

  const inputs: Inputs = {
    vuln: { check: 'off', db: { kind: 'http', url: 'https://vuln.go.dev' } },
    context: '/ws',
    file: '/ws/Dockerfile',
    platforms: ['linux/amd64'],
    tags: ['r/a:1'],
    push: true,
    load: false,
    buildArgs: [
      { key: 'GO_IMAGE', value: 'golang:1.24' },
      { key: 'VERSION', value: 'user' },
    ],
    cacheFrom: [],
    cacheTo: [],
    labels: [{ key: 'org.opencontainers.image.source', value: 'https://example.com/mine' }],
    extras: NO_EXTRAS,
    githubToken: '',
    images: [],
    dockerfileChecks: 'warn',
    size: parseSizeInputs(() => '', ['linux/amd64']),
    goCache: true,
    goCacheSave: 'auto',
    goCacheMaxBytes: 1e9,
    reproducible: true,
    fanOut: 'none',
  };
  const ctx = { sha: 'abc123', serverUrl: 'https://github.com', repository: 'o/r' };
  const created = new Date('2026-01-02T03:04:05Z');

  it('adds VERSION and OCI labels; the user overrides the labels in place, the resolved version is the VERSION build-arg', () => {
    // The pipeline resolves the version (the `version` input wins over a VERSION build-arg):
    // the binary gets the same version as the labels and the outputs.
    const plan = planBuild(inputs, ctx, {
      version: '1.0.0',
      tags: inputs.tags,
      created,
      workDir: '/w',
      driver: 'docker-container',
      containerdImageStore: true,
    });
    expect(plan.buildArgs).toEqual([
      { key: 'VERSION', value: '1.0.0' },
      { key: 'GO_IMAGE', value: 'golang:1.24' },
    ]);
    expect(plan.labels).toEqual([
      { key: 'org.opencontainers.image.version', value: '1.0.0' },
      { key: 'org.opencontainers.image.revision', value: 'abc123' },
      { key: 'org.opencontainers.image.source', value: 'https://example.com/mine' },
      { key: 'org.opencontainers.image.created', value: '2026-01-02T03:04:05.000Z' },
    ]);
    expect(plan.ociLayoutDir).toBeUndefined();
    expect(plan.pushByDigest).toEqual({ repositories: ['r/a'], via: 'exporter' });
    expect(plan.metadataFile).toBe('/w/metadata.json');
  });

  it.each<[string, boolean, string, boolean, Partial<BuildPlan>]>([
    [
      'not pushed: kept as an OCI layout',
      false,
      'docker-container',
      false,
      { ociLayoutDir: '/w/oci-layout', ociLayoutFromEngine: false, pushByDigest: undefined },
    ],
    [
      'not pushed by the docker driver: an OCI layout buildx writes',
      false,
      'docker',
      true,
      { ociLayoutDir: '/w/oci-layout', ociLayoutFromEngine: false, pushByDigest: undefined },
    ],
    [
      'not pushed by the docker driver on the classic store: a layout saved from the engine',
      false,
      'docker',
      false,
      { ociLayoutDir: '/w/oci-layout', ociLayoutFromEngine: true, pushByDigest: undefined },
    ],
    [
      'pushed by a docker-container builder: BuildKit pushes by digest',
      true,
      'docker-container',
      false,
      { ociLayoutDir: undefined, pushByDigest: { repositories: ['r/a'], via: 'exporter' } },
    ],
    [
      'pushed by the docker driver: an OCI layout the action uploads by digest',
      true,
      'docker',
      true,
      { ociLayoutDir: '/w/oci-layout', pushByDigest: { repositories: ['r/a'], via: 'layout' } },
    ],
    [
      'pushed by the docker driver on the classic store: under the tags, no layout',
      true,
      'docker',
      false,
      { ociLayoutDir: undefined, ociLayoutFromEngine: false, pushByDigest: undefined },
    ],
  ])('%s', (_, push, driver, containerdImageStore, expected) => {
    expect(
      planBuild({ ...inputs, push }, ctx, { version: '1', tags: inputs.tags, created, workDir: '/w', driver, containerdImageStore }),
    ).toMatchObject(expected);
  });

  it('go-private adds the GOPRIVATE build-arg; a GOPRIVATE build-arg of the user wins', () => {
    const goPrivate = { patterns: ['github.com/acme/*', 'git.example.com/team'], token: '' };
    const plan = planBuild({ ...inputs, goPrivate }, ctx, {
      version: '1',
      tags: [],
      created,
      workDir: '/w',
      driver: 'docker-container',
      containerdImageStore: true,
    });
    expect(plan.buildArgs).toContainEqual({ key: 'GOPRIVATE', value: 'github.com/acme/*,git.example.com/team' });
    const mine = planBuild({ ...inputs, goPrivate, buildArgs: [{ key: 'GOPRIVATE', value: 'mine/*' }] }, ctx, {
      version: '1',
      tags: [],
      created,
      workDir: '/w',
      driver: 'docker-container',
      containerdImageStore: true,
    });
    expect(mine.buildArgs.filter((a) => a.key === 'GOPRIVATE')).toEqual([{ key: 'GOPRIVATE', value: 'mine/*' }]);
  });

  it('repositoriesOf: each repository once, in the order the tags name them', () => {
    expect(repositoriesOf(['r/a:1', 'ghcr.io/o/a:1', 'r/a:latest', 'localhost:5000/x:edge', 'ghcr.io/o/a:2'])).toEqual([
      'r/a',
      'ghcr.io/o/a',
      'localhost:5000/x',
    ]);
  });

  it('mergeKeyValues keeps the first position of a key and the last value', () => {
    expect(
      mergeKeyValues(
        [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
        [{ key: 'a', value: '3' }],
      ),
    ).toEqual([
      { key: 'a', value: '3' },
      { key: 'b', value: '2' },
    ]);
  });

  it('ociLabels leaves out what the context does not know', () => {
    expect(ociLabels('1', { sha: '', serverUrl: 'https://github.com', repository: '' }, created).map((l) => l.key)).toEqual([
      'org.opencontainers.image.version',
      'org.opencontainers.image.created',
    ]);
  });
});

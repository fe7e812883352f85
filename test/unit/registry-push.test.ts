/** The push by digest of an OCI layout, and the tags applied afterwards, against a registry on loopback. */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pushLayoutStage, uploadLayout } from '../../src/oci/registry-push.js';
import { RegistryGuards } from '../../src/oci/registry-client.js';
import { applyTags, imagetoolsArgv, isLoneManifest, notTaggedReason } from '../../src/release/apply.js';
import type { StageId } from '../../src/stage.js';
import { tagGroups } from '../../src/util/reference.js';
import { failed, FakeDocker, ok } from '../support/fake-docker.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { manifestOf, MemoryTagStore } from '../support/tag-store.js';
import { goProgram, writeOciLayout } from '../support/size-fixtures.js';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A registry that keeps what it is sent: blobs by digest, manifests by digest or tag, per repository. */
class UploadRegistry {
  readonly requests: string[] = [];
  readonly blobs = new Map<string, Map<string, Buffer>>();
  readonly manifests = new Map<string, Map<string, { type: string; body: Buffer }>>();
  /** Answer this status to every upload POST (a registry that refuses pushes). */
  refuse?: number;
  host = '';
  private server: Server | undefined;
  private uploads = 0;

  private repo<T>(map: Map<string, Map<string, T>>, name: string): Map<string, T> {
    if (!map.has(name)) map.set(name, new Map());
    return map.get(name)!;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const m = /^\/v2\/(.+)\/(blobs|manifests)\/(.*)$/.exec(url.pathname);
        this.requests.push(
          `${req.method} ${url.pathname.replace(/sha256:([0-9a-f]{8})[0-9a-f]+/g, '$1')}${url.searchParams.has('mount') ? ' mount' : ''}`,
        );
        if (!m) return void res.writeHead(404).end();
        const [, name, kind, ref] = m as unknown as [string, string, string, string];
        const body = Buffer.concat(chunks);
        if (kind === 'blobs' && req.method === 'HEAD') return void res.writeHead(this.repo(this.blobs, name).has(ref) ? 200 : 404).end();
        if (kind === 'blobs' && req.method === 'POST') {
          if (this.refuse) return void res.writeHead(this.refuse).end();
          const from = url.searchParams.get('from');
          const digest = url.searchParams.get('mount');
          if (from && digest && this.blobs.get(from)?.has(digest)) {
            this.repo(this.blobs, name).set(digest, this.blobs.get(from)!.get(digest)!);
            return void res.writeHead(201).end();
          }
          return void res.writeHead(202, { location: `/v2/${name}/blobs/uploads/u${++this.uploads}?_state=x` }).end();
        }
        if (kind === 'blobs' && req.method === 'PUT') {
          const digest = url.searchParams.get('digest') ?? '';
          if (sha256(body) !== digest) return void res.writeHead(400).end();
          this.repo(this.blobs, name).set(digest, body);
          return void res.writeHead(201).end();
        }
        if (kind === 'manifests' && req.method === 'PUT') {
          this.repo(this.manifests, name).set(ref, { type: req.headers['content-type'] ?? '', body });
          return void res.writeHead(201, { 'docker-content-digest': sha256(body) }).end();
        }
        if (kind === 'manifests' && req.method === 'GET') {
          const found = this.manifests.get(name)?.get(ref);
          if (!found) return void res.writeHead(404).end();
          return void res.writeHead(200, { 'content-type': found.type, 'docker-content-digest': sha256(found.body) }).end(found.body);
        }
        res.writeHead(405).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The tags (references that are not digests) of a repository. */
  tags(name: string): string[] {
    return [...(this.manifests.get(name)?.keys() ?? [])].filter((r) => !r.startsWith('sha256:')).sort();
  }
}

const layout = writeOciLayout([
  {
    os: 'linux',
    architecture: 'amd64',
    files: [
      [{ name: 'hello', content: goProgram({ GOOS: 'linux', GOARCH: 'amd64' }) }],
      [{ name: 'data', content: Buffer.alloc(3000, 7) }],
    ],
  },
  { os: 'linux', architecture: 'arm64', files: [[{ name: 'hello', content: goProgram({ GOOS: 'linux', GOARCH: 'arm64' }) }]] },
]);
const index = (JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]!
  .digest;
const registry = new UploadRegistry();
beforeAll(() => registry.start());
afterAll(async () => {
  await registry.stop();
  rmSync(layout.dir, { recursive: true, force: true });
});
beforeEach(() => {
  registry.requests.length = 0;
  registry.refuse = undefined;
});

describe("uploadLayout: the docker driver's push by digest", () => {
  it('uploads every blob, then the manifests before the index that lists them, under digests only; a second repository mounts', async () => {
    const repos = [`${registry.host}/team/app`, `${registry.host}/team/app-mirror`];
    const pushed = await uploadLayout(layout.dir, repos, new RegistryGuards());
    expect(pushed.digest).toBe(index);
    expect(pushed.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    // 2 configs + 3 layers + the attestation's config (its layers are none).
    expect(pushed.stats[repos[0]!]).toEqual({ uploaded: 6, uploadedBytes: expect.any(Number) as number, present: 0, mounted: 0 });
    expect(pushed.stats[repos[1]!]).toMatchObject({ uploaded: 0, uploadedBytes: 0, mounted: 6 });
    for (const name of ['team/app', 'team/app-mirror']) {
      expect(registry.tags(name)).toEqual([]);
      expect(registry.manifests.get(name)!.get(index)!.body).toEqual(readFileSync(join(layout.dir, 'blobs', 'sha256', index.slice(7))));
      const puts = registry.requests.filter((r) => r.startsWith(`PUT /v2/${name}/manifests/`));
      expect(puts).toHaveLength(4);
      expect(puts.at(-1)).toBe(`PUT /v2/${name}/manifests/${index.slice(7, 15)}`);
    }
  });

  it('a second push of the same image uploads nothing', async () => {
    const pushed = await uploadLayout(layout.dir, [`${registry.host}/team/app`], new RegistryGuards());
    expect(pushed.stats[`${registry.host}/team/app`]).toEqual({ uploaded: 0, uploadedBytes: 0, present: 6, mounted: 0 });
    expect(registry.requests.filter((r) => r.startsWith('POST'))).toEqual([]);
  });

  it('a registry that refuses the push fails the stage, naming the repositories and the status', async () => {
    registry.refuse = 403;
    const reporter = new RecordingReporter();
    const { result, image } = await pushLayoutStage({ ociLayoutDir: layout.dir }, [`${registry.host}/team/other`], reporter);
    expect(image).toBeUndefined();
    expect(result.failures).toEqual([
      `Could not push the image by digest to ${registry.host}/team/other: ${registry.host} answered HTTP 403 for POST team/other/blobs/uploads/`,
    ]);
  });
});

describe('applyTags: the tags, once every check passed', () => {
  it.each<[string, string[], { repository: string; tags: string[] }[]]>([
    ['one repository', ['r/a:1', 'r/a:latest'], [{ repository: 'r/a', tags: ['r/a:1', 'r/a:latest'] }]],
    [
      'two registries, in the order given',
      ['ghcr.io/o/a:1', 'r/a:1', 'ghcr.io/o/a:latest'],
      [
        { repository: 'ghcr.io/o/a', tags: ['ghcr.io/o/a:1', 'ghcr.io/o/a:latest'] },
        { repository: 'r/a', tags: ['r/a:1'] },
      ],
    ],
  ])('tagGroups: %s', (_, tags, groups) => expect(tagGroups(tags)).toEqual(groups));

  it("imagetoolsArgv points one repository's tags at its own copy", () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(imagetoolsArgv({ repository: 'r/a', tags: ['r/a:1', 'r/a:latest'] }, d)).toEqual([
      'buildx',
      'imagetools',
      'create',
      '--tag',
      'r/a:1',
      '--tag',
      'r/a:latest',
      `r/a@${d}`,
    ]);
    expect(imagetoolsArgv({ repository: 'r/a', tags: ['r/a:1'] }, d, 'ci')).toEqual([
      'buildx',
      'imagetools',
      'create',
      '--builder',
      'ci',
      '--tag',
      'r/a:1',
      `r/a@${d}`,
    ]);
  });

  it.each<[StageId[], string]>([
    [[], 'not tagged'],
    [['smoke-test'], 'not tagged: the smoke test failed'],
    [['platform-check', 'smoke-test'], 'not tagged: the platform check and the smoke test failed'],
    [['push', 'platform-check', 'size-budget'], 'not tagged: the push, the platform check and the size budget failed'],
  ])('notTaggedReason(%j) = %s', (failedStages, reason) => expect(notTaggedReason(failedStages)).toBe(reason));

  it('runs imagetools create per repository, stops at the first that refuses, and puts back every tag it moved', async () => {
    const old = manifestOf('{"old":1}');
    const fresh = manifestOf('{"new":1}');
    // r/a:1 named the old image, r/a:latest did not exist; the fake imagetools moves the tags it is given.
    const store = new MemoryTagStore().set('r/a:1', old).set('q/b:1', old);
    const docker = new FakeDocker({
      imagetoolsCreate: async (argv) => {
        if (argv.includes('ghcr.io/o/a:1')) return failed('ERROR: denied: permission_denied');
        for (const tag of argv.filter((_, i) => argv[i - 1] === '--tag')) store.set(tag, fresh);
        return ok();
      },
    });
    const log: string[] = [];
    const outcome = await applyTags(['r/a:1', 'r/a:latest', 'ghcr.io/o/a:1', 'q/b:1'], { digest: fresh.digest }, undefined, {
      docker,
      guards: new RegistryGuards(),
      log: (m) => log.push(m),
      store,
      rollbackStore: store,
    });
    expect(docker.callsOf('imagetoolsCreate').map(([argv]) => (argv as string[]).at(-1))).toEqual([
      `r/a@${fresh.digest}`,
      `ghcr.io/o/a@${fresh.digest}`,
    ]);
    expect(store.digestOf('r/a:1')).toBe(old.digest);
    expect(store.refs.has('r/a:latest')).toBe(false);
    expect(store.digestOf('q/b:1')).toBe(old.digest);
    expect(outcome.applied).toEqual([]);
    expect(outcome.failure).toBe(
      `Could not tag ghcr.io/o/a@${fresh.digest} as ghcr.io/o/a:1: ERROR: denied: permission_denied; no tag moved: every tag is where it was. ` +
        `Where each tag stands now: r/a:1: put back to its old digest ${old.digest}; r/a:latest: removed (it did not exist before); ` +
        `ghcr.io/o/a:1: not moved, still absent; q/b:1: not moved, still at ${old.digest}.`,
    );
    expect(log).toEqual([`Tagged r/a@${fresh.digest}: r/a:1, r/a:latest`]);
  });

  it('a lone manifest is put under its tags as it is (imagetools would wrap it in a new index)', async () => {
    const name = 'team/lone';
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'x', digest: index, size: 1 },
        layers: [],
      }),
    );
    const digest = sha256(body);
    registry.manifests.set(name, new Map([[digest, { type: 'application/vnd.oci.image.manifest.v1+json', body }]]));
    expect(isLoneManifest('application/vnd.oci.image.manifest.v1+json')).toBe(true);
    const docker = new FakeDocker();
    const outcome = await applyTags(
      [`${registry.host}/${name}:1`, `${registry.host}/${name}:latest`],
      { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
      undefined,
      { docker, guards: new RegistryGuards(), log: () => undefined },
    );
    expect(outcome.failure).toBeUndefined();
    expect(docker.calls).toEqual([]);
    expect(registry.tags(name)).toEqual(['1', 'latest']);
    expect(registry.manifests.get(name)!.get('latest')!.body).toEqual(body);
  });
});

/**
 * Tags never go backwards, against the stack's registry: a backport release leaves `latest` and
 * the major tag on the newer release; two pushes to the default branch finishing out of order
 * leave `edge` on the newer commit; a registry that cannot say what `latest` names leaves it
 * where it is, with a warning. None of these fails the step.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeMarkdown } from '../../src/util/markdown.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { annotations, runAction, type ActionRun, type RunOptions } from '../support/runner.js';
import { registryManifest, registryTags, removeTestImages, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

afterAll(() => removeTestImages());

// Tags do not need Go: a busybox fixture that builds in a second keeps these runs short.
const app = copyApp('test/fixtures/dockerfile/tiny');
afterAll(() => app.remove());

const common = { platforms: 'linux/amd64', 'dockerfile-checks': 'off', push: 'true' };

const notes = (run: ActionRun, level: string): string[] =>
  annotations(run.main.stdout)
    .filter((a) => a.level === level)
    .map((a) => a.message);

describe('a backport release (v1.1.5 after v1.2.0)', () => {
  const repo = uniqueName('e2e/tags-forward-backport');
  const image = `${stack.registry}/${repo}`;
  const release = (version: string): Promise<ActionRun> =>
    runAction({ workspace: app.dir, ref: `refs/tags/v${version}`, inputs: { ...common, images: image } });
  let v114: ActionRun;
  let v120: ActionRun;
  let v115: ActionRun;

  beforeAll(async () => {
    v114 = await release('1.1.4');
    v120 = await release('1.2.0');
    v115 = await release('1.1.5');
  }, 600_000);

  it('the releases before it move every tag forward', async () => {
    expect(v114.main.exitCode, v114.main.stdout).toBe(0);
    expect(v120.main.exitCode, v120.main.stdout).toBe(0);
    expect(v120.main.outputs.tags!.split('\n')).toEqual([`${image}:1.2.0`, `${image}:1.2`, `${image}:1`, `${image}:latest`]);
    expect(v120.summary).not.toContain('stays');
  });

  it('leaves latest and 1 on 1.2.0, moves 1.1 (nothing newer there) and pushes 1.1.5; the step passes', async () => {
    expect(v115.main.exitCode, v115.main.stdout).toBe(0);
    expect(notes(v115, 'error')).toEqual([]);
    expect((await registryManifest(repo, 'latest')).digest).toBe(v120.main.outputs.digest);
    expect((await registryManifest(repo, '1')).digest).toBe(v120.main.outputs.digest);
    expect((await registryManifest(repo, '1.1')).digest).toBe(v115.main.outputs.digest);
    expect((await registryManifest(repo, '1.1.5')).digest).toBe(v115.main.outputs.digest);
    expect((await registryManifest(repo, '1.1.4')).digest).toBe(v114.main.outputs.digest);
    expect(v115.main.outputs.digest).not.toBe(v120.main.outputs.digest);
    expect((await registryTags(repo)).tags).toEqual(['1', '1.1', '1.1.4', '1.1.5', '1.2', '1.2.0', 'latest']);
  });

  it('says in the summary and a notice why latest and 1 stayed; the tags output lists what moved', () => {
    expect(v115.summary).toContain(`_${image}:1 stays on 1.2.0, newer than 1.1.5_`);
    expect(v115.summary).toContain(`_${image}:latest stays on 1.2.0, newer than 1.1.5_`);
    expect(notes(v115, 'notice')).toContain(`${image}:latest stays on 1.2.0, newer than 1.1.5: it stays (tags never go backwards).`);
    expect(v115.main.outputs.tags!.split('\n')).toEqual([`${image}:1.1.5`, `${image}:1.1`]);
    // 1.1, 1 and latest are read (1.1.5 is exact), within the deadlines.
    expect(v115.main.stdout).toMatch(/^Read what 3 floating tags name now in \d+(\.\d+)? m?s\.$/m);
  });
});

describe('two pushes to the default branch finishing out of order', () => {
  const repo = uniqueName('e2e/tags-forward-edge');
  const image = `${stack.registry}/${repo}`;
  const T0 = Date.parse('2026-11-30T12:00:00Z');
  /** A push of the commit `sha`, made at `at`: the event names its time, which the build stamps as created. */
  const push = (sha: string, at: number): Promise<ActionRun> =>
    runAction({
      workspace: app.dir,
      ref: 'refs/heads/main',
      sha,
      event: {
        ref: 'refs/heads/main',
        head_commit: { id: sha, timestamp: new Date(at).toISOString() },
        repository: { default_branch: 'main', full_name: 'octo-org/hello' },
      },
      inputs: { ...common, images: image },
    });
  const NEWER = 'b'.repeat(40);
  const OLDER = 'a'.repeat(40);
  const NEWEST = 'c'.repeat(40);
  let newer: ActionRun;
  let older: ActionRun;
  let newest: ActionRun;

  beforeAll(async () => {
    newer = await push(NEWER, T0 + 60_000);
    older = await push(OLDER, T0);
    newest = await push(NEWEST, T0 + 120_000);
  }, 600_000);

  it('the older commit, finishing second, leaves edge on the newer one and still pushes its sha tag', async () => {
    expect(newer.main.exitCode, newer.main.stdout).toBe(0);
    expect(older.main.exitCode, older.main.stdout).toBe(0);
    expect(notes(older, 'error')).toEqual([]);
    expect((await registryManifest(repo, 'sha-aaaaaaa')).digest).toBe(older.main.outputs.digest);
    expect(older.main.outputs.tags).toBe(`${image}:sha-aaaaaaa`);
    const why = `${image}:edge stays on bbbbbbb (created 2026-11-30T12:01:00Z), newer than aaaaaaa (created 2026-11-30T12:00:00Z)`;
    expect(older.summary).toContain(`_${escapeMarkdown(why)}_`);
    expect(notes(older, 'notice')).toContain(`${why}: it stays (tags never go backwards).`);
  });

  it('a newer commit moves edge again', async () => {
    expect(newest.main.exitCode, newest.main.stdout).toBe(0);
    expect(newest.summary).not.toContain('stays');
    expect((await registryManifest(repo, 'edge')).digest).toBe(newest.main.outputs.digest);
    expect((await registryTags(repo)).tags).toEqual(['edge', 'sha-aaaaaaa', 'sha-bbbbbbb', 'sha-ccccccc']);
  });
});

describe('the merge job of a backport release (per-platform job, then merge)', () => {
  const repo = uniqueName('e2e/tags-forward-merge');
  const image = `${stack.registry}/${repo}`;
  let cache: CacheServer;
  let v120: ActionRun;
  let part: ActionRun;
  let arm: ActionRun;
  let merge: ActionRun;

  beforeAll(async () => {
    cache = await startCacheServer();
    v120 = await runAction({ workspace: app.dir, ref: 'refs/tags/v1.2.0', inputs: { ...common, images: image } });
    const job = (inputs: Record<string, string>): RunOptions => ({
      workspace: app.dir,
      ref: 'refs/tags/v1.1.5',
      env: { ...cache.env, GITHUB_RUN_ID: '7301' },
      inputs: { ...common, images: image, 'go-cache': 'false', ...inputs },
    });
    part = await runAction(job({ 'push-by-digest': 'true' }));
    arm = await runAction(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' }));
    merge = await runAction(job({ platforms: 'linux/amd64,linux/arm64', merge: 'true' }));
  }, 600_000);
  afterAll(() => cache.close());

  it('moves 1.1 and 1.1.5 to the index, leaves latest and 1 on 1.2.0, and says so in the merge summary', async () => {
    expect(v120.main.exitCode, v120.main.stdout).toBe(0);
    expect(part.main.exitCode, part.main.stdout).toBe(0);
    expect(arm.main.exitCode, arm.main.stdout).toBe(0);
    expect(merge.main.exitCode, merge.main.stdout).toBe(0);
    expect((await registryManifest(repo, 'latest')).digest).toBe(v120.main.outputs.digest);
    expect((await registryManifest(repo, '1')).digest).toBe(v120.main.outputs.digest);
    expect((await registryManifest(repo, '1.1')).digest).toBe(merge.main.outputs.digest);
    expect((await registryManifest(repo, '1.1.5')).digest).toBe(merge.main.outputs.digest);
    expect(merge.main.outputs.tags!.split('\n')).toEqual([`${image}:1.1.5`, `${image}:1.1`]);
    expect(merge.summary).toContain(`Tags: \`${image}:1.1.5\`, \`${image}:1.1\` ✅ now name the index`);
    expect(merge.summary).toContain(`- ${image}:latest stays on 1.2.0, newer than 1.1.5`);
  });
});

/** Puts an image (a labelled config, no layer) under `repo:tag`; returns its manifest's and its config's digests. */
async function seedRelease(repo: string, tag: string, version: string): Promise<{ digest: string; config: string }> {
  const base = `http://${stack.registry}/v2/${repo}`;
  const body = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'org.opencontainers.image.version': version } } }),
  );
  const config = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(started.headers.get('location')!, base);
  location.searchParams.set('digest', config);
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
  if (put.status !== 201) throw new Error(`seeding ${repo}: blob PUT answered ${put.status}`);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: body.length },
    layers: [],
  });
  const res = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`seeding ${repo}:${tag}: manifest PUT answered ${res.status}`);
  return { digest: res.headers.get('docker-content-digest')!, config };
}

/** A proxy before the stack's registry that answers HTTP 500 to every GET of one blob. */
async function blobFaultProxy(digest: string): Promise<{ host: string; refused: () => number; stop: () => Promise<void> }> {
  let refused = 0;
  const [hostname, port] = stack.registry.split(':');
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'GET' && path.split('?')[0]!.endsWith(`/blobs/${digest}`)) {
      refused++;
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"refused by the test"}]}');
      return;
    }
    const up = request(
      { hostname, port: Number(port), method: req.method, path, headers: { ...req.headers, host: stack.registry } },
      (answer) => {
        const location = answer.headers.location?.replace(`//${stack.registry}/`, `//${host}/`);
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...(location ? { location } : {}) });
        answer.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    refused: () => refused,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a registry that cannot say what latest names (its config answers HTTP 500)', () => {
  const repo = uniqueName('e2e/tags-forward-fault');
  let seeded: { digest: string; config: string };
  let run: ActionRun;
  let image = '';
  let refused = 0;

  beforeAll(async () => {
    seeded = await seedRelease(repo, 'latest', '1.0.0');
    const proxy = await blobFaultProxy(seeded.config);
    image = `${proxy.host}/${repo}`;
    try {
      run = await runAction({
        workspace: app.dir,
        ref: 'refs/tags/v2.0.0',
        inputs: { ...common, images: image },
      });
      refused = proxy.refused();
    } finally {
      await proxy.stop();
    }
  }, 600_000);

  it('leaves latest where it was with one warning, moves the others, and passes', async () => {
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(refused).toBeGreaterThan(0);
    const warned = notes(run, 'warning').filter((m) => m.includes(':latest stays where it was'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(
      /could not read what it names now \(.*HTTP 500.*\): a floating tag moves only once the new image is known to be newer\.$/,
    );
    expect((await registryManifest(repo, 'latest')).digest).toBe(seeded.digest);
    expect((await registryManifest(repo, '2')).digest).toBe(run.main.outputs.digest);
    expect((await registryTags(repo)).tags).toEqual(['2', '2.0', '2.0.0', 'latest']);
    expect(run.main.outputs.tags!.split('\n')).toEqual([`${image}:2.0.0`, `${image}:2.0`, `${image}:2`]);
    expect(run.summary).toContain(escapeMarkdown(`${image}:latest stays where it was: could not read what it names now (`));
  });
});

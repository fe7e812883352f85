/**
 * Fan-out and merge on the real stack: per-platform jobs (push-by-digest: true), each as a job
 * of its own on a fresh BuildKit, hand their results to a merge job (merge: true) of the same run
 * through the local Actions cache service; the merge job tags one index and reports once.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun, type RunOptions } from '../support/runner.js';
import { builders, docker, registryManifest, registryTags, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { FakeGitHub } from '../support/fake-github.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import type { SizeReport } from '../../src/size/report.js';

const BOTH = 'linux/amd64,linux/arm64';
const TOKEN = 'ghs_merge_e2e_token_0123456789abcdef';
const app = copyApp('examples/hello');
/** The arm64 job's checkout: the jobs of a matrix run on runners of their own, each with its workspace. */
const armApp = copyApp('examples/hello');
const workspaceOf = (inputs: Record<string, string>): string => (inputs.platforms === 'linux/arm64' ? armApp.dir : app.dir);
// The service exits at once (an unknown flag): a smoke test that fails on linux/amd64.
writeFileSync(join(app.dir, 'crash.compose.yaml'), 'services:\n  hello:\n    build: .\n    command: ["-no-such-flag"]\n');
afterAll(() => {
  app.remove();
  armApp.remove();
});

const goImage = (): string => `GO_IMAGE=${stack.goImage}`;

function errorsOf(run: ActionRun): string[] {
  return annotations(run.main.stdout)
    .filter((a) => a.level === 'error')
    .map((a) => a.message);
}

function sizeReport(run: ActionRun): SizeReport {
  return JSON.parse(run.main.outputs['size-report'] ?? 'null') as SizeReport;
}

/** The platforms of an index in the registry: per platform its manifest digest and the sum of its layers' sizes. */
async function registryPlatforms(repo: string, reference: string): Promise<Record<string, { digest: string; layerBytes: number }>> {
  const index = await registryManifest(repo, reference);
  expect(index.body.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  const out: Record<string, { digest: string; layerBytes: number }> = {};
  for (const m of index.body.manifests as { digest: string; platform: { os: string; architecture: string } }[]) {
    const manifest = await registryManifest(repo, m.digest);
    out[`${m.platform.os}/${m.platform.architecture}`] = {
      digest: m.digest,
      layerBytes: (manifest.body.layers as { size: number }[]).reduce((s, l) => s + l.size, 0),
    };
  }
  return out;
}

/** A fresh runner's BuildKit: nothing cached from the job before (the test run holds the e2e lock). */
function wipeBuildKit(): void {
  docker(['buildx', 'prune', '--builder', 'default', '-af']);
}

function prEvent(number: number): Record<string, unknown> {
  return {
    number,
    pull_request: {
      number,
      head: { ref: 'feature/x', sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: 'octo-org/hello' } },
      base: { ref: 'main', repo: { full_name: 'octo-org/hello' } },
    },
    repository: { full_name: 'octo-org/hello', default_branch: 'main' },
  };
}

describe('a release: two per-platform jobs on fresh BuildKit, then the merge job', () => {
  const repo = uniqueName('e2e/merge');
  const image = `${stack.registry}/${repo}`;
  let cache: CacheServer;
  let amd64: ActionRun;
  let arm64: ActionRun;
  let merge: ActionRun;
  let tagsBeforeMerge: string[] = [];
  let keysBeforeMerge: string[] = [];

  beforeAll(async () => {
    cache = await startCacheServer();
    const job = (inputs: Record<string, string>): RunOptions => ({
      workspace: workspaceOf(inputs),
      ref: 'refs/tags/v1.2.3',
      env: { ...cache.env, GITHUB_RUN_ID: '7001' },
      inputs: { images: image, push: 'true', 'build-args': goImage(), 'go-cache': 'false', ...inputs },
    });
    amd64 = await runAction(job({ platforms: 'linux/amd64', 'push-by-digest': 'true' }));
    wipeBuildKit();
    arm64 = await runAction(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' }));
    tagsBeforeMerge = (await registryTags(repo)).tags;
    keysBeforeMerge = cache.entries().map((e) => e.key);
    merge = await runAction(job({ platforms: BOTH, merge: 'true' }));
  }, 900_000);

  afterAll(() => cache.close());

  it('each per-platform job pushes by digest only, hands off its platform, and moves no tag', () => {
    for (const run of [amd64, arm64]) {
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(run.main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(run.summary).toContain('Part of a multi-platform image');
      expect(run.main.outputs['comment-url']).toBe('');
    }
    expect(tagsBeforeMerge).toEqual([]);
    // One record per platform, and no size baseline: the merge job saves that, once.
    expect(keysBeforeMerge).toHaveLength(2);
    expect(keysBeforeMerge.every((k) => k.startsWith('go-container-action-merge-v1-7001-1-'))).toBe(true);
    expect(cache.entries().filter((e) => e.key.startsWith('go-container-action-size-v1-'))).toHaveLength(1);
  });

  it('the merge job puts exactly the release tags on one index holding both platforms', async () => {
    expect(merge.main.exitCode, merge.main.stdout).toBe(0);
    expect(merge.main.stdout).not.toMatch(/buildx build\s/);
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['1', '1.2', '1.2.3', 'latest'] });
    const platforms = await registryPlatforms(repo, 'latest');
    expect(Object.keys(platforms).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(platforms['linux/amd64']!.digest).toBe(amd64.main.outputs.digest);
    expect(platforms['linux/arm64']!.digest).toBe(arm64.main.outputs.digest);
    for (const tag of ['1', '1.2', '1.2.3']) expect((await registryManifest(repo, tag)).digest).toBe(merge.main.outputs.digest);
  });

  it("its digest is the registry's, and its one size report equals the registry's layer sums", async () => {
    expect(merge.main.outputs.digest).toBe((await registryManifest(repo, 'latest')).digest);
    expect(merge.main.outputs.imageid).toBe(merge.main.outputs.digest);
    expect(merge.main.outputs.tags!.split('\n')).toEqual([`${image}:1.2.3`, `${image}:1.2`, `${image}:1`, `${image}:latest`]);
    const platforms = await registryPlatforms(repo, 'latest');
    const report = sizeReport(merge);
    expect(report.digest).toBe(merge.main.outputs.digest);
    expect(report.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const p of report.platforms) {
      expect(p.compressedBytes).toBe(platforms[p.platform]!.layerBytes);
      expect(p.manifestDigest).toBe(platforms[p.platform]!.digest);
      expect(p.go?.path).toBe('/hello');
    }
    expect(merge.summary).toContain('Multi-platform merge');
    expect(merge.summary).toContain('now name the index');
  });
});

describe('a pull request (no push): the merge job alone comments, once, on both platforms', () => {
  const image = `${stack.registry}/${uniqueName('e2e/merge-pr')}`;
  const github = new FakeGitHub({ token: TOKEN });
  const PR = 31;
  let cache: CacheServer;
  let parts: ActionRun[] = [];
  let commentsAfterParts = -1;
  let merge: ActionRun;
  let missing: ActionRun;

  beforeAll(async () => {
    await github.start();
    cache = await startCacheServer();
    const job = (inputs: Record<string, string>, attempt = '1'): RunOptions => ({
      workspace: workspaceOf(inputs),
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      event: prEvent(PR),
      token: TOKEN,
      env: { ...cache.env, GITHUB_API_URL: github.url, GITHUB_RUN_ID: '7002', GITHUB_RUN_ATTEMPT: attempt },
      inputs: { images: image, 'build-args': goImage(), 'go-cache': 'false', ...inputs },
    });
    // The matrix's jobs run at the same time, as on two runners.
    parts = await Promise.all([
      runAction(job({ platforms: 'linux/amd64', 'push-by-digest': 'true' })),
      runAction(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' })),
    ]);
    commentsAfterParts = github.comments.length;
    // A re-run of the merge job alone (attempt 2) finds the results of attempt 1.
    merge = await runAction(job({ platforms: BOTH, merge: 'true' }, '2'));
    missing = await runAction(job({ platforms: `${BOTH},linux/s390x`, merge: 'true' }, '2'));
  }, 900_000);

  afterAll(async () => {
    await github.stop();
    await cache.close();
  });

  it('the per-platform jobs measure their OCI layouts and write no comment', () => {
    for (const run of parts) {
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(run.main.outputs['comment-url']).toBe('');
      // The merge job writes the pull request's report, not its parts.
      expect(run.main.outputs.report ?? '').toBe('');
      expect(sizeReport(run).platforms).toHaveLength(1);
    }
    expect(commentsAfterParts).toBe(0);
  });

  it("the merge job writes one comment covering both platforms, from attempt 1's results", () => {
    expect(merge.main.exitCode, merge.main.stdout).toBe(0);
    expect(merge.main.stdout).toMatch(/linux\/amd64: sha256:[0-9a-f]{64} from attempt 1/);
    expect(merge.main.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    expect(github.comments).toHaveLength(1);
    const body = github.comments[0]!.body;
    expect(body).toContain('`linux/amd64`');
    expect(body).toContain('`linux/arm64`');
    const report = sizeReport(merge);
    for (const p of report.platforms) {
      const part = parts
        .map(sizeReport)
        .flatMap((r) => r.platforms)
        .find((x) => x.platform === p.platform)!;
      expect(p.compressedBytes).toBe(part.compressedBytes);
    }
    expect(merge.main.outputs.digest ?? '').toBe('');
  });

  it("the merge job writes the pull request's report, which its post step removes with the run's files", () => {
    expect(merge.main.outputs.report).toMatch(/\/pull-request-report\.json$/);
    expect(merge.main.outputs.report!.startsWith(merge.runnerTemp)).toBe(true);
    expect(existsSync(merge.main.outputs.report!)).toBe(false);
  });

  it('a merge with a platform no job built fails naming it and the job that must produce it', () => {
    expect(missing.main.exitCode).toBe(1);
    const errors = errorsOf(missing);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^No result of linux\/s390x in run 7002 \(attempts 2 to 1\)/);
    expect(errors[0]).toContain('push-by-digest: true and platforms: linux/s390x');
    expect(github.comments).toHaveLength(1);
  });
});

describe('a per-platform job whose smoke test failed', () => {
  const repo = uniqueName('e2e/merge-fail');
  const image = `${stack.registry}/${repo}`;
  let cache: CacheServer;
  let failed: ActionRun;
  let merge: ActionRun;

  beforeAll(async () => {
    cache = await startCacheServer();
    const job = (inputs: Record<string, string>): RunOptions => ({
      workspace: workspaceOf(inputs),
      ref: 'refs/heads/main',
      env: { ...cache.env, GITHUB_RUN_ID: '7003' },
      inputs: { tags: `${image}:edge`, push: 'true', 'build-args': goImage(), 'go-cache': 'false', ...inputs },
    });
    [failed] = await Promise.all([
      runAction(job({ platforms: 'linux/amd64', 'push-by-digest': 'true', 'compose-file': 'crash.compose.yaml', 'smoke-timeout': '60s' })),
      runAction(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' })),
    ]);
    merge = await runAction(job({ platforms: BOTH, merge: 'true' }));
  }, 900_000);

  afterAll(() => cache.close());

  it('fails its own job but still hands its result off', () => {
    expect(failed.main.exitCode).toBe(1);
    expect(failed.main.outputs['smoke-status']).toBe('failed');
    expect(cache.entries().filter((e) => e.key.startsWith('go-container-action-merge-v1-7003-'))).toHaveLength(2);
  });

  it('makes the merge refuse to tag, naming the platform and its failed smoke test', async () => {
    expect(merge.main.exitCode).toBe(1);
    expect(merge.main.outputs['smoke-status']).toBe('failed');
    const errors = errorsOf(merge);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^linux\/amd64 failed in its job \(push-by-digest, attempt 1\): Compose smoke test failed/);
    expect(errors[0]).not.toContain('linux/arm64');
    expect(merge.main.stdout).toContain('Tags not moved (not tagged: a per-platform job failed)');
    expect((await registryTags(repo)).tags).toEqual([]);
    expect(merge.summary).toContain('stay where they were');
  });
});

describe("on a docker-container builder (BuildKit's image exporter pushes by digest)", () => {
  const builder = builders.container;
  const repo = uniqueName('e2e/merge-container');
  const image = `${stack.registry}/${repo}`;
  let cache: CacheServer;
  let parts: ActionRun[] = [];
  let merge: ActionRun;

  beforeAll(async () => {
    cache = await startCacheServer();
    const job = (inputs: Record<string, string>): RunOptions => ({
      workspace: workspaceOf(inputs),
      ref: 'refs/heads/main',
      sha: 'abcdef0123456789abcdef0123456789abcdef01',
      event: { repository: { default_branch: 'main', full_name: 'octo-org/hello' } },
      env: { ...cache.env, GITHUB_RUN_ID: '7004' },
      // Its builder pulls base images from the registry, not from the engine.
      inputs: { images: image, push: 'true', builder, 'build-args': `GO_IMAGE=${builders.goImage}`, 'go-cache': 'false', ...inputs },
    });
    // The matrix's jobs run at the same time, as on two runners.
    parts = await Promise.all([
      runAction(job({ platforms: 'linux/amd64', 'push-by-digest': 'true' })),
      runAction(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' })),
    ]);
    merge = await runAction(job({ platforms: BOTH, merge: 'true' }));
  }, 900_000);

  afterAll(() => cache.close());

  it('tags edge and sha-<short> on one index of the two platform manifests, with the sizes the registry states', async () => {
    for (const run of parts) expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(merge.main.exitCode, merge.main.stdout).toBe(0);
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['edge', 'sha-abcdef0'] });
    expect(merge.main.outputs.digest).toBe((await registryManifest(repo, 'edge')).digest);
    const platforms = await registryPlatforms(repo, 'edge');
    expect(Object.keys(platforms).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(parts.map((r) => r.main.outputs.digest)).toEqual([platforms['linux/amd64']!.digest, platforms['linux/arm64']!.digest]);
    for (const p of sizeReport(merge).platforms) expect(p.compressedBytes).toBe(platforms[p.platform]!.layerBytes);
  });
});

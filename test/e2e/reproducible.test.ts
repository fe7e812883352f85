/**
 * Reproducible images, end to end: one commit of the example app (a real git history in the
 * workspace), pushed twice with BuildKit's state wiped in between and the files touched, gives the
 * same platform manifests; a pull request built from that same commit and version says
 * "identical to the baseline" in its comment. On the docker driver (the action uploads an OCI
 * layout) and on a docker-container builder (BuildKit's exporter pushes).
 */
import { execFileSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../support/runner.js';
import { builders, docker, registryManifest, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { FakeGitHub } from '../support/fake-github.js';
import type { SizeReport } from '../../src/size/report.js';

const TOKEN = 'ghs_reproducible_e2e_token_0123456789';
const COMMIT_TIME = '2024-03-01T12:00:00Z';
const COMMIT_EPOCH = Date.parse(COMMIT_TIME) / 1000;

/** A workspace that is a git checkout of one commit at a known time; returns its sha. */
function commitAll(dir: string): string {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'e2e',
        GIT_AUTHOR_EMAIL: 'e2e@example.com',
        GIT_COMMITTER_NAME: 'e2e',
        GIT_COMMITTER_EMAIL: 'e2e@example.com',
        GIT_AUTHOR_DATE: COMMIT_TIME,
        GIT_COMMITTER_DATE: COMMIT_TIME,
      },
    }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'hello');
  return git('rev-parse', 'HEAD');
}

function sizeReport(run: ActionRun): SizeReport {
  return JSON.parse(run.main.outputs['size-report'] ?? 'null') as SizeReport;
}

function manifests(run: ActionRun): Record<string, string> {
  return Object.fromEntries(sizeReport(run).platforms.map((p) => [p.platform, p.manifestDigest]));
}

/** Every file of the checkout gets a new time, as a fresh clone would. */
function touchAll(dir: string): void {
  const now = new Date();
  for (const name of ['Dockerfile', 'go.mod', 'go.sum', 'main.go']) utimesSync(join(dir, name), now, now);
}

describe.each([
  { name: 'the docker driver', builder: undefined as string | undefined, goImage: () => stack.goImage, wipe: ['buildx', 'prune', '-af'] },
  {
    name: 'a docker-container builder',
    builder: builders.container,
    goImage: () => builders.goImage,
    wipe: ['buildx', 'prune', '--builder', builders.container, '-af'],
  },
])('the same commit built twice on $name', ({ builder, goImage, wipe }) => {
  const app = copyApp('examples/hello');
  const repoPath = uniqueName('e2e/repro');
  const repo = `${stack.registry}/${repoPath}`;
  const github = new FakeGitHub({ token: TOKEN });
  let cache: CacheServer;
  let sha: string;
  let first: ActionRun;
  let second: ActionRun;
  let onPr: ActionRun;

  beforeAll(async () => {
    sha = commitAll(app.dir);
    cache = await startCacheServer();
    await github.start();
    const inputs = {
      platforms: 'linux/amd64,linux/arm64',
      'build-args': `GO_IMAGE=${goImage()}`,
      version: '1.2.3',
      'go-cache': 'false',
      ...(builder ? { builder } : {}),
    };
    const push = {
      workspace: app.dir,
      eventName: 'push',
      ref: 'refs/heads/main',
      sha,
      event: { repository: { full_name: 'octo-org/hello', default_branch: 'main' } },
      env: cache.env,
    };
    first = await runAction({ ...push, inputs: { ...inputs, push: 'true', tags: `${repo}:first` } });
    docker(wipe);
    touchAll(app.dir);
    second = await runAction({ ...push, inputs: { ...inputs, push: 'true', tags: `${repo}:second` } });
    onPr = await runAction({
      workspace: app.dir,
      eventName: 'pull_request',
      ref: 'refs/pull/4/merge',
      sha,
      token: TOKEN,
      event: {
        number: 4,
        pull_request: {
          number: 4,
          head: { ref: 'docs', sha, repo: { full_name: 'octo-org/hello' } },
          base: { ref: 'main', repo: { full_name: 'octo-org/hello' } },
        },
        repository: { full_name: 'octo-org/hello', default_branch: 'main' },
      },
      env: { ...cache.env, GITHUB_API_URL: github.url },
      inputs: { ...inputs, tags: `${repo}:pr-4` },
    });
  }, 900_000);

  afterAll(async () => {
    await cache.close();
    await github.stop();
    app.remove();
  });

  it('stamps the commit time, not now: the build-arg, the created label and the summary', async () => {
    expect(first.main.exitCode, first.main.stdout).toBe(0);
    expect(first.main.stdout).toContain(
      `Reproducible build: SOURCE_DATE_EPOCH=${COMMIT_EPOCH} (2024-03-01T12:00:00.000Z, the commit time of ${sha.slice(0, 7)})`,
    );
    expect(first.summary).toContain(
      `| Timestamps | \`2024-03-01T12:00:00.000Z\` (SOURCE_DATE_EPOCH=${COMMIT_EPOCH}, the commit time of ${sha.slice(0, 7)}) |`,
    );
    const index = await registryManifest(repoPath, 'first');
    const amd64 = (index.body.manifests as { digest: string; platform: { architecture: string } }[]).find(
      (m) => m.platform.architecture === 'amd64',
    )!;
    const manifest = await registryManifest(repoPath, amd64.digest);
    const configDigest = (manifest.body.config as { digest: string }).digest;
    const config = JSON.parse(await (await fetch(`http://${stack.registry}/v2/${repoPath}/blobs/${configDigest}`)).text()) as {
      created: string;
      config: { Labels: Record<string, string> };
    };
    expect(config.config.Labels['org.opencontainers.image.created']).toBe('2024-03-01T12:00:00.000Z');
    expect(config.created).toBe('2024-03-01T12:00:00Z');
  });

  it('gives the same platform manifests after BuildKit was wiped and the files touched', async () => {
    expect(second.main.exitCode, second.main.stdout).toBe(0);
    const a = manifests(first);
    expect(Object.keys(a).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(manifests(second)).toEqual(a);
    // The registry holds them under both tags.
    for (const tag of ['first', 'second']) {
      const index = await registryManifest(repoPath, tag);
      const listed = (index.body.manifests as { digest: string }[]).map((m) => m.digest);
      for (const digest of Object.values(a)) expect(listed).toContain(digest);
    }
  });

  it('says "identical to the baseline" on a pull request from the same commit', () => {
    expect(onPr.main.exitCode, onPr.main.stdout).toBe(0);
    const report = sizeReport(onPr);
    expect(report.baseline).not.toBeNull();
    expect(report.platforms.map((p) => [p.platform, p.identicalToBaseline])).toEqual([
      ['linux/amd64', true],
      ['linux/arm64', true],
    ]);
    const comments = github.comments.filter((c) => c.issue === 4);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.match(/\| identical to the baseline \|/g)).toHaveLength(2);
    expect(comments[0]!.body).toContain(`Identical to the baseline: the same manifest (\`${manifests(first)['linux/arm64']}\`)`);
  });
});

describe('reproducible: false', () => {
  const app = copyApp('examples/hello');
  let run: ActionRun;

  beforeAll(async () => {
    const sha = commitAll(app.dir);
    run = await runAction({
      workspace: app.dir,
      sha,
      inputs: { platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}`, 'go-cache': 'false', reproducible: 'false' },
    });
  }, 300_000);

  afterAll(() => app.remove());

  it('stamps now, passes no SOURCE_DATE_EPOCH and says so', () => {
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.stdout).toContain('Timestamps: off (reproducible: false)');
    expect(run.main.stdout).not.toContain('SOURCE_DATE_EPOCH=');
    expect(run.main.stdout).not.toContain('rewrite-timestamp');
    expect(run.summary).toContain('| Timestamps | off (reproducible: false) |');
  });
});

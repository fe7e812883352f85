import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { docker, registryManifest, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { FakeGitHub } from '../support/fake-github.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { commentMarker } from '../../src/report/render.js';
import type { SizeReport } from '../../src/size/report.js';

const PLATFORMS = 'linux/amd64,linux/arm64';
const TOKEN = 'ghs_size_e2e_token_0123456789abcdef';
const GROWN_GO_MOD = 'module example.com/hello\n\ngo 1.22\n\nrequire example.com/greeting v1.1.0\n';
const GROWN_GO_SUM = [
  'example.com/greeting v1.1.0 h1:do7CGxjwclXuJOxW6svDnBsLuOcIUU0tPu+hzM/PPoY=',
  'example.com/greeting v1.1.0/go.mod h1:roxsVKAUgvTWinC1gnyJ5gm+U3OZLtfwVrClIWy+oEs=',
  '',
].join('\n');

/** examples/hello with a newer dependency and a 2.5 MB file of random bytes (random: it does not compress). */
function grownApp(): ReturnType<typeof copyApp> {
  const app = copyApp('examples/hello');
  writeFileSync(join(app.dir, 'go.mod'), GROWN_GO_MOD);
  writeFileSync(join(app.dir, 'go.sum'), GROWN_GO_SUM);
  writeFileSync(join(app.dir, 'payload.bin'), randomBytes(2_500_000));
  const dockerfile = readFileSync(join(app.dir, 'Dockerfile'), 'utf8');
  writeFileSync(
    join(app.dir, 'Dockerfile'),
    dockerfile.replace('COPY --from=build /out/hello /hello\n', 'COPY --from=build /out/hello /hello\nCOPY payload.bin /payload.bin\n'),
  );
  return app;
}

/** Per platform, the sum of layers[].size the registry's own manifests state. */
async function registryLayerSums(repo: string, reference: string): Promise<Record<string, number>> {
  const index = await registryManifest(repo, reference);
  expect(index.body.mediaType, `${repo}:${reference} should be an image index: ${JSON.stringify(index.body)}`).toBe(
    'application/vnd.oci.image.index.v1+json',
  );
  const sums: Record<string, number> = {};
  for (const m of index.body.manifests as { digest: string; platform: { os: string; architecture: string } }[]) {
    if (m.platform.os === 'unknown') continue;
    const manifest = await registryManifest(repo, m.digest);
    sums[`${m.platform.os}/${m.platform.architecture}`] = (manifest.body.layers as { size: number }[]).reduce((s, l) => s + l.size, 0);
  }
  return sums;
}

function prEvent(number: number, base: string): Record<string, unknown> {
  return {
    number,
    pull_request: {
      number,
      head: { ref: 'feature/bigger', sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: 'octo-org/hello' } },
      base: { ref: base, repo: { full_name: 'octo-org/hello' } },
    },
    repository: { full_name: 'octo-org/hello', default_branch: 'main' },
  };
}

/** The workflow commands a run printed (annotations, outputs, groups): what explains a failed assertion. */
function commandLines(run: ActionRun): string {
  return run.main.stdout
    .split('\n')
    .filter((l) => l.startsWith('::'))
    .join('\n');
}

function sizeReport(run: ActionRun): SizeReport {
  return JSON.parse(run.main.outputs['size-report'] ?? 'null') as SizeReport;
}

describe('a pull request that grows a pushed 2-platform image by 2.5 MB, baseline pushed by plain buildx', () => {
  const base = copyApp('examples/hello');
  const grown = grownApp();
  const repo = uniqueName('e2e/size');
  const image = `${stack.registry}/${repo}`;
  const github = new FakeGitHub({ token: TOKEN });
  const PR = 12;
  let failing: ActionRun;
  let passing: ActionRun;
  let fromFork: ActionRun;
  let requestsBeforeFork = 0;
  let others: { id: number; body: string; updatedAt: string }[];
  let lookAlike: { id: number; body: string; updatedAt: string };

  beforeAll(async () => {
    await github.start();
    for (let i = 0; i < 120; i++) github.seed(PR, `reviewer-${i % 9}`, `Looks good ${i} \`code\` | pipe`);
    const alike = github.seed(PR, 'size-bot[bot]', `${commentMarker(image)}\nI am another bot with the same marker text`);
    others = github.comments.filter((c) => c.login.startsWith('reviewer-')).map((c) => ({ ...c }));
    lookAlike = { ...alike };

    docker([
      'buildx',
      'build',
      '--platform',
      PLATFORMS,
      '--build-arg',
      `GO_IMAGE=${stack.goImage}`,
      '--tag',
      `${image}:main`,
      '--push',
      base.dir,
    ]);

    const common = {
      workspace: grown.dir,
      eventName: 'pull_request',
      event: prEvent(PR, 'main'),
      ref: `refs/pull/${PR}/merge`,
      token: TOKEN,
      env: { GITHUB_API_URL: github.url },
    };
    const inputs = {
      platforms: PLATFORMS,
      tags: `${image}:pr-${PR}`,
      push: 'true',
      'build-args': `GO_IMAGE=${stack.goImage}`,
      baseline: `${image}:main`,
    };
    failing = await runAction({ ...common, inputs: { ...inputs, 'size-budget-increase': '1MB' } });
    passing = await runAction({ ...common, inputs: { ...inputs, 'size-budget-increase': '10MB' } });
    requestsBeforeFork = github.requests.length;
    const forkEvent = prEvent(PR, 'main');
    (forkEvent.pull_request as { head: { repo: { full_name: string } } }).head.repo.full_name = 'someone/hello-fork';
    // A fork's workflow gets no registry credentials: it builds without pushing.
    fromFork = await runAction({ ...common, event: forkEvent, inputs: { ...inputs, push: 'false', 'size-budget-increase': '1MB' } });
  }, 600_000);

  afterAll(async () => {
    await github.stop();
    base.remove();
    grown.remove();
  });

  it('fails the first run over the 1MB increase, naming each platform and by how much, after writing the outputs', () => {
    expect(failing.main.exitCode).toBe(1);
    expect(failing.main.outputs['budget-status'], commandLines(failing)).toBe('fail');
    expect(sizeReport(failing).status).toBe('fail');
    const errors = annotations(failing.main.stdout).filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/Image size over budget/);
    expect(errors[0]!.message).toMatch(/linux\/amd64: grew by \+2\.5\d MB, 1\.5\d MB over the allowed increase of 1MB/);
    expect(errors[0]!.message).toMatch(/linux\/arm64: grew by \+2\.5\d MB/);
    expect(failing.main.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    expect(failing.summary).toContain('Image size');
  });

  it('passes the second run with 10MB', () => {
    expect(passing.main.exitCode, commandLines(passing)).toBe(0);
    expect(passing.main.outputs['budget-status']).toBe('pass');
    expect(sizeReport(passing).status).toBe('pass');
    expect(sizeReport(passing).platforms.every((p) => p.status === 'pass')).toBe(true);
  });

  it("reports sizes equal to the registry's own layer sums, for both platforms", async () => {
    const before = await registryLayerSums(repo, 'main');
    for (const run of [failing, passing]) {
      // By the digest the run pushed, not by the tag: the engine here (26.1 with the containerd store)
      // pushes every child manifest to the tag before the index (moby/moby pull request 49949).
      const after = await registryLayerSums(repo, run.main.outputs['digest']!);
      expect(Object.keys(after).sort()).toEqual(['linux/amd64', 'linux/arm64']);
      const report = sizeReport(run);
      expect(report.image).toBe(`${image}:pr-${PR}`);
      expect(report.baseline).toBe(`${image}:main`);
      expect(report.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
      for (const p of report.platforms) {
        expect(p.compressedBytes).toBe(after[p.platform]);
        expect(p.baselineCompressedBytes).toBe(before[p.platform]);
        expect(p.deltaBytes).toBe(after[p.platform]! - before[p.platform]!);
        expect(p.deltaBytes).toBeGreaterThan(2_500_000);
        expect(p.deltaBytes).toBeLessThan(2_600_000);
        expect(p.uncompressedBytes).toBeGreaterThan(p.compressedBytes);
      }
    }
  });

  it('finds the Go binary and the module that changed version', () => {
    const amd = sizeReport(passing).platforms.find((p) => p.platform === 'linux/amd64')!;
    expect(amd.go).toMatchObject({ path: '/hello', package: 'example.com/hello', mainModule: 'example.com/hello' });
    expect(amd.go!.goVersion).toMatch(/^go1\.24/);
    expect(amd.go!.modules).toEqual([{ path: 'example.com/greeting', version: 'v1.1.0' }]);
    expect(amd.layers.map((l) => l.instruction)).toEqual(['COPY /out/hello /hello', 'COPY payload.bin /payload.bin']);
  });

  it('leaves exactly one comment of its own, updated in place, and touches no other', () => {
    const marker = commentMarker(image);
    const ours = github.comments.filter((c) => c.login === 'github-actions[bot]');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body.startsWith(marker)).toBe(true);
    expect(failing.main.outputs['comment-url']).toBe(passing.main.outputs['comment-url']);
    expect(failing.main.outputs['comment-url']).toContain(`#issuecomment-${ours[0]!.id}`);
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    // The body is the second run's: passing, with the module change and the layer that came.
    expect(ours[0]!.body).toContain('### ✅ Image size');
    expect(ours[0]!.body).toContain('- changed: `example.com/greeting` `v1.0.0` → `v1.1.0`');
    expect(ours[0]!.body).toContain('`COPY payload.bin /payload.bin`');
    expect(github.comments.find((c) => c.id === lookAlike.id)).toEqual(lookAlike);
    const now = github.comments.filter((c) => c.login.startsWith('reviewer-'));
    expect(now).toEqual(others);
    expect(github.comments).toHaveLength(122);
  });

  it('on a fork PR, writes no comment but a notice, and the budget still fails the step', () => {
    expect(fromFork.main.exitCode).toBe(1);
    expect(fromFork.main.outputs['budget-status'], commandLines(fromFork)).toBe('fail');
    expect(fromFork.main.outputs['comment-url']).toBe('');
    const notices = annotations(fromFork.main.stdout).filter((a) => a.level === 'notice');
    expect(notices.map((n) => n.message)).toContainEqual(expect.stringMatching(/comes from a fork, whose token cannot write comments/));
    expect(github.requests.length).toBe(requestsBeforeFork);
  });

  it('never prints the token (beyond asking the runner to mask it)', () => {
    for (const run of [failing, passing, fromFork]) {
      const printed = (run.main.stdout + run.main.stderr + run.summary).split('\n').filter((l) => !l.startsWith('::add-mask::'));
      expect(printed.join('\n')).not.toContain(TOKEN);
    }
  });
});

describe('baseline auto through the Actions cache, images kept as OCI layouts (not pushed)', () => {
  const base = copyApp('examples/hello');
  const grown = grownApp();
  let cache: CacheServer;
  let onMain: ActionRun;
  let onPr: ActionRun;
  const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

  beforeAll(async () => {
    cache = await startCacheServer();
    const common = {
      inputs: { platforms: PLATFORMS, 'build-args': `GO_IMAGE=${stack.goImage}`, 'size-budget': '50MB', 'go-cache': 'false' },
    };
    onMain = await runAction({
      ...common,
      workspace: base.dir,
      eventName: 'push',
      ref: 'refs/heads/main',
      sha,
      event: { repository: { full_name: 'octo-org/hello', default_branch: 'main' } },
      env: cache.env,
    });
    onPr = await runAction({
      ...common,
      workspace: grown.dir,
      eventName: 'pull_request',
      ref: 'refs/pull/3/merge',
      event: prEvent(3, 'main'),
      env: cache.env,
      inputs: { ...common.inputs, comment: 'never' },
    });
  }, 600_000);

  afterAll(async () => {
    await cache.close();
    base.remove();
    grown.remove();
  });

  it('saves the report of the default branch under a key with the branch and the commit', () => {
    expect(onMain.main.exitCode, onMain.main.stdout).toBe(0);
    const keys = cache.entries().map((e) => e.key);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`-branch-[0-9a-f]{12}-main-${sha}$`));
    const report = sizeReport(onMain);
    expect(report.baseline).toBeNull();
    expect(report.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(report.platforms.every((p) => p.compressedBytes > 1_000_000 && p.go?.modules[0]?.version === 'v1.0.0')).toBe(true);
    expect(onMain.leftovers).toEqual([]);
  });

  it('restores it on the pull request and compares', () => {
    expect(onPr.main.exitCode, onPr.main.stdout).toBe(0);
    const before = sizeReport(onMain);
    const after = sizeReport(onPr);
    expect(after.baseline).toBe(`${before.image}@${before.digest}`);
    for (const p of after.platforms) {
      const b = before.platforms.find((x) => x.platform === p.platform)!;
      expect(p.baselineCompressedBytes).toBe(b.compressedBytes);
      expect(p.deltaBytes).toBe(p.compressedBytes - b.compressedBytes);
      expect(p.deltaBytes).toBeGreaterThan(2_500_000);
      expect(p.status).toBe('pass');
    }
    expect(onPr.summary).toContain('- changed: `example.com/greeting` `v1.0.0` → `v1.1.0`');
    expect(onPr.main.outputs['comment-url']).toBe('');
    // The PR does not save a baseline of its own.
    expect(cache.entries()).toHaveLength(1);
    expect(onPr.leftovers).toEqual([]);
  });
});

describe('faults in optional parts only warn', () => {
  it('an unreachable baseline registry gives a warning and a report without baseline', async () => {
    const app = copyApp('examples/hello');
    try {
      const run = await runAction({
        workspace: app.dir,
        inputs: {
          'build-args': `GO_IMAGE=${stack.goImage}`,
          baseline: '127.0.0.1:5999/nothing/here:main',
          'size-budget-increase': '1MB',
          'go-cache': 'false',
        },
      });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      const warnings = annotations(run.main.stdout).filter((a) => a.level === 'warning');
      expect(warnings.map((w) => w.message)).toContainEqual(
        expect.stringMatching(
          /^The baseline 127\.0\.0\.1:5999\/nothing\/here:main could not be read \(cannot reach 127\.0\.0\.1:5999: ECONNREFUSED\); the report has no baseline\.$/,
        ),
      );
      expect(sizeReport(run).baseline).toBeNull();
      expect(run.main.outputs['budget-status']).toBe('pass');
    } finally {
      app.remove();
    }
  });
});

describe('a baseline tag not pushed yet', () => {
  it('is no baseline, said in the report, without a warning', async () => {
    const app = copyApp('examples/hello');
    try {
      const missing = `${stack.registry}/${uniqueName('e2e/never-pushed')}:main`;
      const run = await runAction({
        workspace: app.dir,
        inputs: { 'build-args': `GO_IMAGE=${stack.goImage}`, baseline: missing, 'size-budget-increase': '1MB', 'go-cache': 'false' },
      });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(annotations(run.main.stdout).filter((a) => a.message.includes('baseline'))).toEqual([]);
      expect(sizeReport(run).baseline).toBeNull();
      expect(sizeReport(run).baselineNote).toBe(`the baseline ${missing} does not exist`);
      expect(run.summary).toContain('no baseline (the baseline');
    } finally {
      app.remove();
    }
  });
});

describe('bad size inputs fail before building, naming the input', () => {
  const app = copyApp('examples/hello');
  afterAll(() => app.remove());
  it.each([
    ['size-budget', '25XB', /Input 'size-budget': '25XB' is not a size\. Expected a size such as 25MB/],
    ['size-budget', '-5MB', /Input 'size-budget': '-5MB' is negative/],
    ['size-budget', 'lots', /Input 'size-budget': 'lots' is not a size/],
    ['size-budget', 'linux/amd64=', /Input 'size-budget': 'linux\/amd64=' has no limit/],
    ['size-budget', 'linux/arm64=20MB', /Input 'size-budget': names linux\/arm64, which is not built \(platforms: linux\/amd64\)/],
    ['size-budget-increase', '5%%', /Input 'size-budget-increase': '5%%' is not a percentage/],
    ['size-budget-mode', 'explode', /Input 'size-budget-mode': 'explode' is not a mode\. Expected fail or warn/],
    ['comment', 'sometimes', /Input 'comment': 'sometimes' is not a comment mode/],
    ['baseline', 'Not A Ref', /Input 'baseline': 'Not A Ref' contains white space/],
  ])('%s: %s', async (input, value, message) => {
    const run = await runAction({ workspace: app.dir, inputs: { platforms: 'linux/amd64', [input]: value }, post: false });
    expect(run.main.exitCode).toBe(1);
    const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    // Workflow commands escape % as %25.
    expect(decodeURIComponent(errors[0]!.message)).toMatch(message);
    expect(run.main.stdout).not.toMatch(/Building linux/);
    expect(run.main.stdout).not.toMatch(/\n\s+at .*\.js:\d+/);
  });
});

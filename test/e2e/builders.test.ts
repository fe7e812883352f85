/**
 * Every capability on every kind of builder users run: the docker driver (containerd image
 * store), a docker-container builder (what docker/setup-buildx-action creates), and the docker
 * driver of an engine with the classic image store. One run per case covers several stages.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import {
  builders as stackBuilders,
  docker,
  registryManifest,
  registryTags,
  removeTestImages,
  stack,
  uniqueName,
} from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { commentMarker } from '../../src/report/render.js';
import type { SizeReport } from '../../src/size/report.js';

const TOKEN = 'ghs_builders_e2e_token_0123456789abcdef';
const BOTH = ['linux/amd64', 'linux/arm64'];

interface BuilderCase {
  /** In test names. */
  title: string;
  /** The `builder` input (empty: the current one, the engine's own docker driver). */
  builder: string;
  /** The Go toolchain image as this builder can reach it. */
  goImage: string;
}

const builders: BuilderCase[] = [
  { title: 'the docker driver (containerd image store)', builder: '', goImage: stack.goImage },
  { title: `the docker-container builder ${stackBuilders.container}`, builder: stackBuilders.container, goImage: stackBuilders.goImage },
];

const sizeReport = (run: ActionRun): SizeReport => JSON.parse(run.main.outputs['size-report'] ?? 'null') as SizeReport;
const errors = (run: ActionRun) => annotations(run.main.stdout).filter((a) => a.level === 'error');
/** The workflow commands a run printed: what explains a failed assertion. */
const commands = (run: ActionRun): string =>
  run.main.stdout
    .split('\n')
    .filter((l) => l.startsWith('::') || /smoke|Loaded|Reusing/i.test(l))
    .join('\n');

/** Per platform, the sum of layers[].size the registry's own manifests state, for an index or a lone manifest. */
async function registryLayerSums(repo: string, reference: string): Promise<Record<string, number>> {
  const root = await registryManifest(repo, reference);
  const sum = (manifest: Record<string, unknown>): number => (manifest.layers as { size: number }[]).reduce((s, l) => s + l.size, 0);
  if (Array.isArray(root.body.layers)) {
    const config = (await (
      await fetch(`http://${stack.registry}/v2/${repo}/blobs/${(root.body.config as { digest: string }).digest}`)
    ).json()) as { os: string; architecture: string };
    return { [`${config.os}/${config.architecture}`]: sum(root.body) };
  }
  const sums: Record<string, number> = {};
  for (const m of root.body.manifests as { digest: string; platform: { os: string; architecture: string } }[]) {
    if (m.platform.os !== 'unknown')
      sums[`${m.platform.os}/${m.platform.architecture}`] = sum((await registryManifest(repo, m.digest)).body);
  }
  return sums;
}

/** examples/hello with a 1.5 MB file of random bytes (it does not compress) and its final stage running as root (GO006). */
function grownRootApp(): ReturnType<typeof copyApp> {
  const app = copyApp('examples/hello');
  writeFileSync(join(app.dir, 'payload.bin'), randomBytes(1_500_000));
  const dockerfile = readFileSync(join(app.dir, 'Dockerfile'), 'utf8');
  const changed = dockerfile
    .replace('COPY --from=build /out/hello /hello\n', 'COPY --from=build /out/hello /hello\nCOPY payload.bin /payload.bin\n')
    .replace('USER 65534:65534\n', '');
  expect(changed).not.toBe(dockerfile);
  writeFileSync(join(app.dir, 'Dockerfile'), changed);
  return app;
}

function prEvent(number: number): Record<string, unknown> {
  return {
    number,
    pull_request: {
      number,
      head: { ref: 'feature/payload', sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: 'octo-org/hello' } },
      base: { ref: 'main', repo: { full_name: 'octo-org/hello' } },
    },
    repository: { full_name: 'octo-org/hello', default_branch: 'main' },
  };
}

describe.each(builders)('on $title', (b) => {
  const base = copyApp('examples/hello');
  const grown = grownRootApp();
  const repo = uniqueName('e2e/builders');
  const image = `${stack.registry}/${repo}`;
  const github = new FakeGitHub({ token: TOKEN });
  const PR = 21;
  let release: ActionRun;
  let pr: ActionRun;

  beforeAll(async () => {
    await github.start();
    const inputs = {
      builder: b.builder,
      'build-args': `GO_IMAGE=${b.goImage}`,
      images: image,
      push: 'true',
      'compose-file': 'compose.yaml',
      'smoke-timeout': '90s',
      'go-cache': 'false',
    };
    // load: both platforms go into the engine's store as well, and the smoke test reuses that image;
    // the pull request loads nothing, so the smoke test loads its platform with a cached build.
    release = await runAction({
      workspace: base.dir,
      ref: 'refs/tags/v1.2.3',
      inputs: { ...inputs, platforms: BOTH.join(','), load: 'true', 'size-budget': '20MB' },
    });
    pr = await runAction({
      workspace: grown.dir,
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      event: prEvent(PR),
      token: TOKEN,
      env: { GITHUB_API_URL: github.url },
      inputs: { ...inputs, platforms: 'linux/amd64', baseline: `${image}:latest`, 'size-budget-increase': '1MB' },
    });
  }, 600_000);

  afterAll(async () => {
    await github.stop();
    base.remove();
    grown.remove();
    removeTestImages();
  });

  it('a release of two platforms passes every stage and moves exactly the release tags to the index pushed', async () => {
    expect(errors(release), commands(release)).toEqual([]);
    expect(release.main.exitCode).toBe(0);
    expect(release.post?.exitCode).toBe(0);
    expect(release.main.outputs.tags!.split('\n')).toEqual(['1.2.3', '1.2', '1', 'latest'].map((t) => `${image}:${t}`));
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['1', '1.2', '1.2.3', 'latest'] });
    for (const tag of ['1', '1.2', '1.2.3', 'latest']) expect((await registryManifest(repo, tag)).digest).toBe(release.main.outputs.digest);
    const index = await registryManifest(repo, release.main.outputs.digest!);
    const platforms = (index.body.manifests as { platform: { os: string; architecture: string } }[])
      .map((m) => `${m.platform.os}/${m.platform.architecture}`)
      .filter((p) => p !== 'unknown/unknown');
    expect(platforms.sort()).toEqual(BOTH);
    expect(release.main.outputs['smoke-status'], commands(release)).toBe('passed');
    expect(release.main.stdout).toContain(`Reusing the loaded image ${image}:1.2.3 as go-container-action-smoke:`);
    expect(docker(['image', 'inspect', '--format', '{{.Id}}', `${image}:latest`]).trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(release.main.outputs['budget-status']).toBe('pass');
    expect(release.leftovers).toEqual([]);
  });

  it("the release's size report equals the registry's layer sums, with the Go binary of each platform", async () => {
    const sums = await registryLayerSums(repo, release.main.outputs.digest!);
    const report = sizeReport(release);
    expect(report.platforms.map((p) => p.platform).sort()).toEqual(BOTH);
    for (const p of report.platforms) {
      expect(p.compressedBytes).toBe(sums[p.platform]);
      expect(p.go?.modules).toEqual([{ path: 'example.com/greeting', version: 'v1.0.0' }]);
    }
  });

  it('a pull request over its size budget pushes by digest, moves no tag, and comments with the smoke test, the checks and the baseline', async () => {
    expect(pr.main.exitCode, commands(pr)).toBe(1);
    expect(pr.main.outputs['smoke-status'], commands(pr)).toBe('passed');
    expect(pr.main.stdout).toMatch(/Loaded linux\/amd64 as go-container-action-smoke:\S+ with a cached build/);
    expect(pr.main.outputs['budget-status']).toBe('fail');
    // Workflow commands escape a newline as %0A.
    expect(errors(pr).map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^Image size over budget:%0A- linux\/amd64: grew by \+1\.5\d MB, 5\d\d\.\d KB over the allowed increase of 1MB$/,
      ),
    ]);
    expect(annotations(pr.main.stdout).find((a) => a.message.startsWith('GO006 '))?.level).toBe('warning');
    // Pushed by digest, no tag moved.
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['1', '1.2', '1.2.3', 'latest'] });
    const pushed = await registryManifest(repo, pr.main.outputs.digest!);
    expect(pushed.digest).toBe(pr.main.outputs.digest);
    const before = await registryLayerSums(repo, 'latest');
    const after = await registryLayerSums(repo, pr.main.outputs.digest!);
    expect(Object.keys(after)).toEqual(['linux/amd64']);
    const report = sizeReport(pr);
    expect(report.baseline).toBe(`${image}:latest`);
    expect(report.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
    const [amd] = report.platforms;
    expect(amd!.compressedBytes).toBe(after['linux/amd64']);
    expect(amd!.baselineCompressedBytes).toBe(before['linux/amd64']);
    expect(amd!.deltaBytes).toBe(after['linux/amd64']! - before['linux/amd64']!);
    expect(amd!.deltaBytes).toBeGreaterThan(1_500_000);
    expect(amd!.deltaBytes).toBeLessThan(1_600_000);
    const ours = github.comments.filter((c) => c.issue === PR);
    expect(ours).toHaveLength(1);
    expect(pr.main.outputs['comment-url']).toContain(`#issuecomment-${ours[0]!.id}`);
    const body = ours[0]!.body;
    expect(body.startsWith(`${commentMarker(image)}\n### ❌ Image size`)).toBe(true);
    expect(body).toContain('`COPY payload.bin /payload.bin`');
    expect(body).toContain('**GO006** Final stage runs as root');
    expect(body).toMatch(/smoke test ✅ passed/);
  });
});

describe('on the docker driver of an engine with the classic image store', () => {
  const app = copyApp('examples/hello');
  const repo = uniqueName('e2e/builders-classic');
  const image = `${stack.registry}/${repo}`;
  const env = { DOCKER_HOST: stackBuilders.classicHost };
  const classic = (args: string[]): string => docker(['--host', stackBuilders.classicHost, ...args]);
  let pushed: ActionRun;
  let kept: ActionRun;

  beforeAll(async () => {
    const inputs = {
      'build-args': `GO_IMAGE=${stack.goImage}`,
      platforms: 'linux/amd64',
      'compose-file': 'compose.yaml',
      'smoke-timeout': '90s',
      'size-budget': '20MB',
      'go-cache': 'false',
    };
    pushed = await runAction({
      workspace: app.dir,
      ref: 'refs/heads/feature/classic',
      env,
      inputs: { ...inputs, tags: `${image}:classic`, push: 'true' },
    });
    kept = await runAction({ workspace: app.dir, ref: 'refs/heads/feature/classic', env, inputs });
  }, 600_000);

  afterAll(() => {
    app.remove();
    try {
      classic(['image', 'rm', `${image}:classic`]);
    } catch {
      // Tidying only: nothing to remove when the push failed.
    }
  });

  it("pushed: builds, smoke-tests the image it loaded, and reports the registry's layer sums (the tags move with the push, a warning says so)", async () => {
    expect(errors(pushed), commands(pushed)).toEqual([]);
    expect(pushed.main.exitCode).toBe(0);
    expect(pushed.main.outputs['smoke-status']).toBe('passed');
    expect(pushed.main.outputs['budget-status']).toBe('pass');
    expect(annotations(pushed.main.stdout).map((a) => a.message)).toContainEqual(
      expect.stringMatching(/classic image store cannot push by digest/),
    );
    const manifest = await registryManifest(repo, 'classic');
    expect(manifest.digest).toBe(pushed.main.outputs.digest);
    const [amd] = sizeReport(pushed).platforms;
    expect(amd!.platform).toBe('linux/amd64');
    expect(amd!.compressedBytes).toBe((manifest.body.layers as { size: number }[]).reduce((s, l) => s + l.size, 0));
    expect(amd!.go?.modules).toEqual([{ path: 'example.com/greeting', version: 'v1.0.0' }]);
  });

  it('not pushed: builds into the engine, smoke-tests that image, and measures it saved from the engine with the layers a push sends', () => {
    expect(errors(kept), commands(kept)).toEqual([]);
    expect(kept.main.exitCode).toBe(0);
    expect(kept.main.outputs['smoke-status']).toBe('passed');
    expect(kept.main.stdout).toMatch(/Reusing the loaded image sha256:[0-9a-f]{64} as go-container-action-smoke:/);
    expect(kept.main.outputs['budget-status']).toBe('pass');
    const [amd] = sizeReport(kept).platforms;
    const [pushedAmd] = sizeReport(pushed).platforms;
    expect(classic(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', `${image}:classic`]).trim()).toBe(
      JSON.stringify(amd!.layers.map((l) => l.diffId)),
    );
    // Loaded untagged, tagged for the smoke test only: removing that tag removed the image.
    expect(() => classic(['image', 'inspect', kept.main.outputs.imageid!])).toThrow(/No such image/);
    // The same filesystem (a cached build of the same plan) as the pushed image: the same unpacked
    // bytes; gzip here and the engine's gzip for the push differ by a few bytes per 1000.
    expect(amd!.layers.map((l) => l.diffId)).toEqual(pushedAmd!.layers.map((l) => l.diffId));
    expect(amd!.uncompressedBytes).toBe(pushedAmd!.uncompressedBytes);
    expect(Math.abs(amd!.compressedBytes - pushedAmd!.compressedBytes) / pushedAmd!.compressedBytes).toBeLessThan(0.02);
    expect(amd!.go?.modules).toEqual([{ path: 'example.com/greeting', version: 'v1.0.0' }]);
    expect(kept.leftovers).toEqual([]);
  });
});

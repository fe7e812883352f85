/**
 * Tags move only when the step passes: a push goes to the registry by digest, the checks run,
 * and only then do the tags name the image. Against the local registry, with the docker
 * driver of the stack (whose push by digest is the action's upload of the build's OCI layout).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { freePort } from '../support/ports.js';
import { docker, registryManifest, registryTags, removeTestImages, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

afterAll(() => removeTestImages());

/** The HTTP status of a HEAD of a manifest (a tag or a digest) in the local registry. */
async function manifestStatus(repo: string, reference: string): Promise<number> {
  const res = await fetch(`http://${stack.registry}/v2/${repo}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
  });
  return res.status;
}

const errors = (run: ActionRun) => annotations(run.main.stdout).filter((a) => a.level === 'error');
const warnings = (run: ActionRun) => annotations(run.main.stdout).filter((a) => a.level === 'warning');

describe('a 2-platform push whose Dockerfile hard-codes GOARCH=amd64', () => {
  const app = copyApp('examples/hello');
  const repo = uniqueName('e2e/tagging-goarch');
  const image = `${stack.registry}/${repo}`;
  let run: ActionRun;

  beforeAll(async () => {
    const dockerfile = join(app.dir, 'Dockerfile');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('GOARCH=$TARGETARCH', 'GOARCH=amd64'));
    run = await runAction({
      workspace: app.dir,
      inputs: {
        platforms: 'linux/amd64,linux/arm64',
        tags: `${image}:1.0.0\n${image}:latest`,
        push: 'true',
        'build-args': `GO_IMAGE=${stack.goImage}`,
        'dockerfile-checks': 'off',
      },
    });
  }, 600_000);
  afterAll(() => app.remove());

  it('fails the step, naming linux/arm64, the binary and what it was built for', () => {
    expect(run.main.exitCode, run.main.stdout).toBe(1);
    const failure = errors(run)
      .map((a) => a.message)
      .join('\n');
    expect(failure).toContain('Platform check failed');
    expect(failure).toContain('linux/arm64: /hello was built for linux/amd64 (GOARCH=amd64)');
    expect(failure).not.toContain('linux/amd64: /hello');
  });

  it('leaves the registry without a tag for the image, says so, and names the pushed digest', async () => {
    expect((await registryTags(repo)).tags).toEqual([]);
    expect(await manifestStatus(repo, 'latest')).toBe(404);
    expect(await manifestStatus(repo, '1.0.0')).toBe(404);
    expect(warnings(run).map((a) => a.message)).toContainEqual(
      expect.stringMatching(/^Tags not moved \(not tagged: the platform check failed\)/),
    );
    expect(run.summary).toContain('<br>_not tagged: the platform check failed_ |');
    expect(run.summary).toContain('| Output | pushed by digest only |');
  });

  it('sets the digest output to the image it pushed, which the registry holds by digest', async () => {
    expect(run.main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await manifestStatus(repo, run.main.outputs.digest!)).toBe(200);
    const index = await registryManifest(repo, run.main.outputs.digest!);
    expect(index.digest).toBe(run.main.outputs.digest);
  });

  it('still writes the size report, which the PR comment and the summary carry', () => {
    expect(run.main.outputs['size-report']).toBeTruthy();
    expect(run.summary).toContain('Image size');
  });
});

describe('a push of a dynamically linked Go binary in scratch (-buildmode=pie: a loader without cgo)', () => {
  const app = copyApp('examples/hello');
  const repo = uniqueName('e2e/tagging-loader');
  let run: ActionRun;

  beforeAll(async () => {
    const dockerfile = join(app.dir, 'Dockerfile');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('go build -trimpath', 'go build -buildmode=pie -trimpath'));
    run = await runAction({
      workspace: app.dir,
      inputs: {
        platforms: 'linux/amd64',
        tags: `${stack.registry}/${repo}:latest`,
        push: 'true',
        'build-args': `GO_IMAGE=${stack.goImage}`,
        'dockerfile-checks': 'off',
      },
    });
  }, 600_000);
  afterAll(() => app.remove());

  it('fails, naming the loader the image does not have, and tags nothing', async () => {
    expect(run.main.exitCode, run.main.stdout).toBe(1);
    expect(
      errors(run)
        .map((a) => a.message)
        .join('\n'),
    ).toContain(
      'linux/amd64: /hello is dynamically linked (-buildmode=pie) and needs /lib64/ld-linux-x86-64.so.2, which the image does not have',
    );
    expect((await registryTags(repo)).tags).toEqual([]);
    expect(await manifestStatus(repo, run.main.outputs.digest!)).toBe(200);
  });
});

describe('a push whose smoke test fails after a good one', () => {
  const app = copyApp('test/fixtures/smoke');
  const repo = uniqueName('e2e/tagging-smoke');
  const image = `${stack.registry}/${repo}`;
  let good: ActionRun;
  let bad: ActionRun;

  beforeAll(async () => {
    const port = await freePort();
    const inputs = {
      platforms: 'linux/amd64',
      push: 'true',
      'build-args': `GO_IMAGE=${stack.goImage}`,
      'dockerfile-checks': 'off',
      'smoke-timeout': '90s',
    };
    good = await runAction({
      workspace: app.dir,
      env: { SMOKE_PORT: String(port) },
      inputs: { ...inputs, version: '1.0.0', tags: `${image}:latest\n${image}:1.0.0`, 'compose-file': 'healthy.compose.yaml' },
    });
    bad = await runAction({
      workspace: app.dir,
      inputs: { ...inputs, version: '1.0.1', tags: `${image}:latest\n${image}:1.0.1`, 'compose-file': 'crash.compose.yaml' },
    });
  }, 600_000);
  afterAll(() => app.remove());

  it('the good run passes and moves latest to the digest it outputs', async () => {
    expect(good.main.exitCode, good.main.stdout).toBe(0);
    expect(good.main.outputs['smoke-status']).toBe('passed');
    expect((await registryManifest(repo, 'latest')).digest).toBe(good.main.outputs.digest);
    expect(good.summary).toContain('| Output | pushed by digest, then tagged |');
  });

  it('the failing run leaves latest on the good digest and tags nothing, but pushed its own by digest', async () => {
    expect(bad.main.exitCode).toBe(1);
    expect(bad.main.outputs['smoke-status']).toBe('failed');
    expect(bad.main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(bad.main.outputs.digest).not.toBe(good.main.outputs.digest);
    expect((await registryManifest(repo, 'latest')).digest).toBe(good.main.outputs.digest);
    expect((await registryTags(repo)).tags).toEqual(['1.0.0', 'latest']);
    expect(await manifestStatus(repo, bad.main.outputs.digest!)).toBe(200);
    expect(warnings(bad).map((a) => a.message)).toContainEqual(
      expect.stringMatching(
        /^Tags not moved \(not tagged: the smoke test failed\): .*:latest, .*:1\.0\.1 stay where they were\. The image was pushed by digest only/,
      ),
    );
    expect(bad.summary).toContain('<br>_not tagged: the smoke test failed_ |');
  });
});

describe('a push over its size budget (size-budget-mode: fail, the default)', () => {
  const app = copyApp('examples/hello');
  const repo = uniqueName('e2e/tagging-budget');
  let run: ActionRun;

  beforeAll(async () => {
    run = await runAction({
      workspace: app.dir,
      inputs: {
        platforms: 'linux/amd64',
        tags: `${stack.registry}/${repo}:latest`,
        push: 'true',
        'size-budget': '1KB',
        'build-args': `GO_IMAGE=${stack.goImage}`,
        'dockerfile-checks': 'off',
      },
    });
  }, 600_000);
  afterAll(() => app.remove());

  it('fails on the budget and moves no tag, but pushed its image by digest', async () => {
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['budget-status']).toBe('fail');
    expect((await registryTags(repo)).tags).toEqual([]);
    expect(await manifestStatus(repo, run.main.outputs.digest!)).toBe(200);
    expect(warnings(run).map((a) => a.message)).toContainEqual(
      expect.stringMatching(/^Tags not moved \(not tagged: the size budget failed\)/),
    );
  });
});

describe('a passing push to two repositories of the registry, loaded as well', () => {
  const app = copyApp('examples/hello');
  const repo = uniqueName('e2e/tagging-ok');
  const mirror = `${repo}-mirror`;
  let run: ActionRun;

  beforeAll(async () => {
    run = await runAction({
      workspace: app.dir,
      inputs: {
        platforms: 'linux/amd64,linux/arm64',
        tags: `${stack.registry}/${repo}:2.0.0\n${stack.registry}/${repo}:latest\n${stack.registry}/${mirror}:2.0.0`,
        push: 'true',
        load: 'true',
        'build-args': `GO_IMAGE=${stack.goImage}`,
      },
    });
  }, 600_000);
  afterAll(() => app.remove());

  it('passes, and every tag in both repositories names the digest it outputs', async () => {
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.stdout).toMatch(/Platform check passed/);
    expect((await registryTags(repo)).tags).toEqual(['2.0.0', 'latest']);
    expect((await registryTags(mirror)).tags).toEqual(['2.0.0']);
    for (const [r, tag] of [
      [repo, '2.0.0'],
      [repo, 'latest'],
      [mirror, '2.0.0'],
    ] as const) {
      expect((await registryManifest(r, tag)).digest, `${r}:${tag}`).toBe(run.main.outputs.digest);
    }
  });

  it("loaded both platforms into the engine's image store under the tags", () => {
    const ref = `${stack.registry}/${repo}:2.0.0`;
    const platforms = JSON.parse(docker(['image', 'inspect', '--format', '{{json .Architecture}}', ref])) as string;
    expect(platforms).toBe('amd64');
    // Without pulling, a container for a platform can be created only from that platform's
    // image in the store (for one it lacks, create fails: "No such image").
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const container = docker(['create', '--pull', 'never', '--platform', platform, ref]).trim();
      expect(container, platform).toMatch(/^[0-9a-f]{64}$/);
      docker(['rm', container]);
    }
    expect(() => docker(['create', '--pull', 'never', '--platform', 'linux/s390x', ref])).toThrow();
    expect(run.summary).toContain('| Output | pushed by digest, then tagged, loaded into the image store |');
  });

  it("mounted the second repository's blobs from the first instead of uploading them again", () => {
    expect(run.main.stdout).toMatch(new RegExp(`${mirror}@sha256:[0-9a-f]{64}: 0 blobs uploaded \\(0 B\\), \\d+ mounted`));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { docker, registryManifest, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('examples/hello');
afterAll(() => app.remove());

describe('a 2-platform build pushed to the local registry', () => {
  const repo = uniqueName('e2e/hello');
  const image = `${stack.registry}/${repo}`;
  let run: ActionRun;

  beforeAll(async () => {
    run = await runAction({
      workspace: app.dir,
      ref: 'refs/heads/feature/x',
      inputs: {
        platforms: 'linux/amd64,linux/arm64',
        tags: `${image}:4.5.6\n${image}:latest`,
        push: 'true',
        'build-args': `GO_IMAGE=${stack.goImage}\nVERSION=4.5.6`,
      },
    });
  });

  it('exits 0 in main and post', () => {
    expect(run.main.stderr + run.main.stdout).not.toMatch(/::error::/);
    expect(run.main.exitCode).toBe(0);
    expect(run.post?.exitCode).toBe(0);
  });

  it('sets digest to the index digest the registry serves', async () => {
    const manifest = await registryManifest(repo, '4.5.6');
    expect(manifest.body.mediaType).toMatch(/index|manifest\.list/);
    expect(run.main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.main.outputs.digest).toBe(manifest.digest);
    const platforms = (manifest.body.manifests as { platform: { os: string; architecture: string } }[])
      .map((m) => `${m.platform.os}/${m.platform.architecture}`)
      .filter((p) => p !== 'unknown/unknown');
    expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('sets the other outputs', () => {
    const { outputs } = run.main;
    expect(outputs.version).toBe('4.5.6');
    expect(outputs.tags!.split('\n')).toEqual([`${image}:4.5.6`, `${image}:latest`]);
    expect(outputs.imageid).toMatch(/^sha256:[0-9a-f]{64}$/);
    const metadata = JSON.parse(outputs.metadata!) as Record<string, unknown>;
    expect(metadata['containerimage.digest']).toBe(outputs.digest);
  });

  it('serves the VERSION passed in build-args, on both platforms', async () => {
    const ref = `${image}@${run.main.outputs.digest}`;
    expect(docker(['run', '--rm', '--platform', 'linux/arm64', ref, '-version']).trim()).toBe('4.5.6');
    const id = docker(['run', '-d', '--rm', '--platform', 'linux/amd64', '-p', '127.0.0.1::8080', ref]).trim();
    try {
      const port = docker(['port', id, '8080/tcp']).trim().split('\n')[0]!.split(':').pop();
      let body = '';
      for (let i = 0; i < 50 && !body; i++) {
        body = await fetch(`http://127.0.0.1:${port}/version`)
          .then((r) => r.text())
          .catch(() => '');
        if (!body) await new Promise((r) => setTimeout(r, 100));
      }
      expect(body.trim()).toBe('4.5.6');
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it('labels the image with OCI version, revision, source and created', () => {
    const config = JSON.parse(docker(['buildx', 'imagetools', 'inspect', `${image}:4.5.6`, '--format', '{{json .Image}}'])) as Record<
      string,
      { config: { Labels: Record<string, string> } }
    >;
    const labels = config['linux/amd64']!.config.Labels;
    expect(labels['org.opencontainers.image.version']).toBe('4.5.6');
    expect(labels['org.opencontainers.image.revision']).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(labels['org.opencontainers.image.source']).toBe('https://github.com/octo-org/hello');
    expect(new Date(labels['org.opencontainers.image.created']!).getTime()).toBeGreaterThan(Date.now() - 3600_000);
  });

  it('writes a job summary and leaves nothing in RUNNER_TEMP', () => {
    expect(run.summary).toContain('Go container build');
    expect(run.summary).toContain(run.main.outputs.digest);
    expect(run.leftovers).toEqual([]);
  });

  it('prints no annotations of error level', () => {
    expect(annotations(run.main.stdout).filter((a) => a.level === 'error')).toEqual([]);
  });
});

describe('a build without push keeps every platform inspectable', () => {
  it('builds two platforms into an OCI layout, derives the version from the ref; summary: false writes no job summary', async () => {
    const run = await runAction({
      workspace: app.dir,
      ref: 'refs/heads/feature/Some_Branch',
      sha: 'abcdef0123456789abcdef0123456789abcdef01',
      inputs: { platforms: 'linux/amd64,linux/arm64', 'build-args': `GO_IMAGE=${stack.goImage}`, summary: 'false' },
    });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.summary).toBe('');
    expect(run.main.outputs['size-report']).toBeTruthy();
    expect(run.main.outputs.version).toBe('feature-Some_Branch-abcdef0');
    expect(run.main.outputs.digest).toMatch(/^sha256:/);
    expect(run.leftovers).toEqual([]);
  });
});

describe('a failing build', () => {
  it("sets the known outputs, then fails with buildx's last error line", async () => {
    const broken = copyApp('examples/hello');
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${broken.dir}/main.go`, 'package main\n\nfunc main() { undefinedCall() }\n');
      const run = await runAction({
        workspace: broken.dir,
        inputs: { 'build-args': `GO_IMAGE=${stack.goImage}`, version: '0.0.1' },
      });
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs.version).toBe('0.0.1');
      expect(run.main.outputs['smoke-status']).toBe('skipped');
      const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/^Build failed: ERROR: .*did not complete successfully/);
      expect(run.summary).toMatch(/Go container build[\s\S]*❌ failed/);
      expect(run.main.stdout).not.toMatch(/\n\s+at .*\.js:\d+/);
      expect(run.post?.exitCode).toBe(0);
      expect(run.leftovers).toEqual([]);
    } finally {
      broken.remove();
    }
  });
});

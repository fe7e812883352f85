import { afterAll, describe, expect, it } from 'vitest';
import { runAction } from '../support/runner.js';
import { registryManifest, registryTags, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

// Tags do not need Go: a busybox fixture that builds in a second keeps these runs short.
const app = copyApp('test/fixtures/dockerfile/tiny');
afterAll(() => app.remove());

const common = { platforms: 'linux/amd64', 'dockerfile-checks': 'off' };

describe('release tags for a semver tag, then a pre-release, pushed to a registry', () => {
  const repo = uniqueName('e2e/release');
  const image = `${stack.registry}/${repo}`;
  let releaseDigest = '';

  it('v1.2.3 pushes exactly 1.2.3, 1.2, 1 and latest', async () => {
    const run = await runAction({ workspace: app.dir, ref: 'refs/tags/v1.2.3', inputs: { ...common, images: image, push: 'true' } });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.outputs.tags!.split('\n')).toEqual([`${image}:1.2.3`, `${image}:1.2`, `${image}:1`, `${image}:latest`]);
    expect(run.main.outputs.version).toBe('1.2.3');
    expect(run.main.stdout).toContain('Release tags from semver tag v1.2.3');
    expect(run.summary).toContain('<br>_release tags from semver tag v1.2.3_ |');
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['1', '1.2', '1.2.3', 'latest'] });
    releaseDigest = (await registryManifest(repo, 'latest')).digest;
    expect(releaseDigest).toBe(run.main.outputs.digest);
  });

  it('v1.3.0-rc.1 pushes only itself and leaves latest where it was', async () => {
    const run = await runAction({ workspace: app.dir, ref: 'refs/tags/v1.3.0-rc.1', inputs: { ...common, images: image, push: 'true' } });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.outputs.tags).toBe(`${image}:1.3.0-rc.1`);
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['1', '1.2', '1.2.3', '1.3.0-rc.1', 'latest'] });
    expect((await registryManifest(repo, 'latest')).digest).toBe(releaseDigest);
    expect((await registryManifest(repo, '1.3.0-rc.1')).digest).toBe(run.main.outputs.digest);
    expect(run.main.outputs.digest).not.toBe(releaseDigest);
  });
});

describe('release tags for branches and pull requests', () => {
  it('the default branch (from the push payload) pushes edge and sha-<short>', async () => {
    const repo = uniqueName('e2e/release-edge');
    const image = `${stack.registry}/${repo}`;
    const run = await runAction({
      workspace: app.dir,
      ref: 'refs/heads/trunk',
      sha: 'abcdef0123456789abcdef0123456789abcdef01',
      event: { ref: 'refs/heads/trunk', repository: { default_branch: 'trunk', full_name: 'octo-org/hello' } },
      inputs: { ...common, images: image, push: 'true' },
    });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.outputs.tags!.split('\n')).toEqual([`${image}:edge`, `${image}:sha-abcdef0`]);
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['edge', 'sha-abcdef0'] });
  });

  it('a pull request (pull_request payload) is tagged pr-<n> and not pushed without push', async () => {
    const repo = uniqueName('e2e/release-pr');
    const image = `${stack.registry}/${repo}`;
    const run = await runAction({
      workspace: app.dir,
      eventName: 'pull_request',
      ref: 'refs/pull/7/merge',
      event: {
        number: 7,
        pull_request: {
          number: 7,
          head: { ref: 'fix/typo', sha: 'fedcba9876543210fedcba9876543210fedcba98', repo: { full_name: 'octo-org/hello' } },
          base: { ref: 'trunk', repo: { full_name: 'octo-org/hello' } },
        },
        repository: { default_branch: 'trunk', full_name: 'octo-org/hello' },
      },
      inputs: { ...common, images: image },
    });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.outputs.tags).toBe(`${image}:pr-7`);
    expect(run.main.stdout).toContain('Release tags from pull request #7 (not pushed: push is false)');
    expect(run.main.outputs.digest).toMatch(/^sha256:/);
    expect((await registryTags(repo)).status).toBe(404);
  });

  it('another branch gets its sanitized name; explicit tags win over images', async () => {
    const image = `${stack.registry}/${uniqueName('e2e/release-branch')}`;
    const branch = await runAction({ workspace: app.dir, ref: 'refs/heads/feature/Login page', inputs: { ...common, images: image } });
    expect(branch.main.exitCode, branch.main.stdout).toBe(0);
    expect(branch.main.outputs.tags).toBe(`${image}:feature-Login-page`);
    const explicit = await runAction({
      workspace: app.dir,
      ref: 'refs/tags/v2.0.0',
      inputs: { ...common, images: image, tags: `${image}:custom` },
    });
    expect(explicit.main.exitCode, explicit.main.stdout).toBe(0);
    expect(explicit.main.outputs.tags).toBe(`${image}:custom`);
  });
});

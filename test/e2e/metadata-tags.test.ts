/**
 * docker/metadata-action's tag rules and flavor, run by the bundled action against the real
 * registry: for each event, the registry's tags are what metadata-action gives for the same
 * rules and event. The expected lists are worked out from metadata-action's documented rules
 * (priority order, latest under auto only for a non-prerelease semver, a rule's own suffix over
 * the flavor's) and written down here, not computed by our code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { runAction } from '../support/runner.js';
import { registryBlob, registryManifest, registryTags, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('test/fixtures/dockerfile/tiny');
const TOKEN = 'ghs_fake_token_for_metadata_rules_0123';
const github = new FakeGitHub({ token: TOKEN });
beforeAll(async () => {
  await github.start();
});
afterAll(async () => {
  await github.stop();
  app.remove();
});

const common = { platforms: 'linux/amd64', 'dockerfile-checks': 'off', push: 'true' };
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const repository = { name: 'hello', full_name: 'octo-org/hello', html_url: 'https://github.com/octo-org/hello', default_branch: 'trunk' };

// The rules metadata-action's README recommends for a release workflow, with the sha.
const RELEASE_RULES = [
  'type=schedule',
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
  'type=semver,pattern={{major}}',
  'type=sha',
].join('\n');

/** The labels of the image a tag names (the linux/amd64 manifest's config). */
async function imageLabels(repo: string, tag: string): Promise<Record<string, string>> {
  let { body } = await registryManifest(repo, tag);
  const manifests = body.manifests as { digest: string; platform?: { architecture?: string } }[] | undefined;
  if (manifests) body = (await registryManifest(repo, manifests.find((m) => m.platform?.architecture === 'amd64')!.digest)).body;
  const config = JSON.parse((await registryBlob(repo, (body.config as { digest: string }).digest)).toString('utf8')) as {
    config: { Labels?: Record<string, string> };
  };
  return config.config.Labels ?? {};
}

const env = (): Record<string, string> => ({ GITHUB_API_URL: github.url });

describe('metadata-action rules on a release tag, then a prerelease', () => {
  const repo = uniqueName('e2e/meta-release');
  const image = `${stack.registry}/${repo}`;
  let releaseDigest = '';

  it('v1.2.3: semver rules first, then the sha, then latest; a plain reference beside them', async () => {
    const run = await runAction({
      workspace: app.dir,
      ref: 'refs/tags/v1.2.3',
      sha: SHA,
      token: TOKEN,
      env: env(),
      event: { ref: 'refs/tags/v1.2.3', repository: { ...repository, description: 'from the payload' } },
      inputs: { ...common, images: image, tags: `${RELEASE_RULES}\n${image}:pinned` },
    });
    expect(run.main.exitCode, run.main.stdout + run.main.stderr).toBe(0);
    // metadata-action: 1.2.3, 1.2, 1, sha-abcdef0, latest (semver is the first rule that applies: latest=auto gives latest).
    const expected = ['1.2.3', '1.2', '1', 'sha-abcdef0', 'latest'];
    expect(run.main.outputs.tags!.split('\n')).toEqual([`${image}:pinned`, ...expected.map((t) => `${image}:${t}`)]);
    expect(await registryTags(repo)).toEqual({ status: 200, tags: [...expected, 'pinned'].sort() });
    expect(run.main.outputs.version).toBe('1.2.3');
    releaseDigest = (await registryManifest(repo, 'latest')).digest;
    expect(releaseDigest).toBe(run.main.outputs.digest);
    // The token may not read the repository (the fake answers 404): the labels come from the payload.
    const labels = run.main.outputs.labels!.split('\n');
    expect(labels).toContain('org.opencontainers.image.description=from the payload');
    expect(labels).toContain('org.opencontainers.image.version=1.2.3');
    expect(labels).toContain(`org.opencontainers.image.revision=${SHA}`);
    expect(run.main.stdout).not.toContain('::warning::Could not read the repository');
  });

  it('v2.0.0-rc.1: only {{version}} and the sha; latest stays on v1.2.3', async () => {
    const run = await runAction({
      workspace: app.dir,
      ref: 'refs/tags/v2.0.0-rc.1',
      sha: SHA.replace('abcdef0', '1234567'),
      env: env(),
      event: { ref: 'refs/tags/v2.0.0-rc.1', repository },
      inputs: { ...common, images: image, tags: RELEASE_RULES },
    });
    expect(run.main.exitCode, run.main.stdout + run.main.stderr).toBe(0);
    // metadata-action: a prerelease extends only {{version}} (three semver rules give one tag) and never gets latest.
    expect(run.main.outputs.tags!.split('\n')).toEqual([`${image}:2.0.0-rc.1`, `${image}:sha-1234567`]);
    expect(await registryTags(repo)).toEqual({
      status: 200,
      tags: ['1', '1.2', '1.2.3', '2.0.0-rc.1', 'latest', 'pinned', 'sha-1234567', 'sha-abcdef0'],
    });
    expect((await registryManifest(repo, 'latest')).digest).toBe(releaseDigest);
    expect(run.main.outputs.version).toBe('2.0.0-rc.1');
  });
});

describe('metadata-action rules on the default branch with a suffix flavor and latest=false', () => {
  it('the rules in priority order, each with the suffix unless it has its own; the API describes the repository', async () => {
    const repo = uniqueName('e2e/meta-branch');
    const image = `${stack.registry}/${repo}`;
    github.options.repository = { ...repository, description: 'A Go service', license: { spdx_id: 'MIT' } };
    try {
      const run = await runAction({
        workspace: app.dir,
        ref: 'refs/heads/trunk',
        sha: SHA,
        token: TOKEN,
        env: { ...env(), DOCKER_METADATA_SHORT_SHA_LENGTH: '10', DOCKER_METADATA_ANNOTATIONS_LEVELS: 'manifest,index' },
        event: { ref: 'refs/heads/trunk', repository, head_commit: { id: SHA, timestamp: '2026-12-01T23:30:00-05:00' } },
        inputs: {
          ...common,
          images: image,
          tags: [
            'type=sha',
            "type=raw,value=build-{{commit_date 'YYYYMMDD'}}",
            'type=raw,value=stable,enable={{is_default_branch}}',
            'type=raw,value=own,suffix=-x',
            'type=ref,event=branch',
            'type=ref,event=pr',
            'type=edge',
            'type=semver,pattern={{version}}',
          ].join('\n'),
          flavor: 'latest=false\nsuffix=-slim',
          labels: 'org.opencontainers.image.title=Custom title',
        },
      });
      expect(run.main.exitCode, run.main.stdout + run.main.stderr).toBe(0);
      // metadata-action: edge (700), the branch (600), the raw ones as written (200), the sha (100, 10 characters); no latest.
      const expected = ['edge-slim', 'trunk-slim', 'build-20261202-slim', 'stable-slim', 'own-x', 'sha-abcdef0123-slim'];
      expect(run.main.outputs.tags!.split('\n')).toEqual(expected.map((t) => `${image}:${t}`));
      expect(await registryTags(repo)).toEqual({ status: 200, tags: [...expected].sort() });
      expect(run.main.outputs.version).toBe('edge-slim');
      expect(github.requests.some((r) => r.method === 'GET' && r.path === '/repos/octo-org/hello')).toBe(true);

      const labels = run.main.outputs.labels!.split('\n');
      expect(labels.map((l) => l.slice(0, l.indexOf('=')))).toEqual([
        'org.opencontainers.image.created',
        'org.opencontainers.image.description',
        'org.opencontainers.image.licenses',
        'org.opencontainers.image.revision',
        'org.opencontainers.image.source',
        'org.opencontainers.image.title',
        'org.opencontainers.image.url',
        'org.opencontainers.image.version',
      ]);
      expect(labels).toEqual(
        expect.arrayContaining([
          'org.opencontainers.image.description=A Go service',
          'org.opencontainers.image.licenses=MIT',
          'org.opencontainers.image.title=Custom title',
          'org.opencontainers.image.url=https://github.com/octo-org/hello',
          'org.opencontainers.image.version=edge-slim',
        ]),
      );
      const annotations = run.main.outputs.annotations!.split('\n');
      expect(annotations).toHaveLength(16);
      expect(annotations).toContain('manifest:org.opencontainers.image.title=hello');
      expect(annotations).toContain('index:org.opencontainers.image.licenses=MIT');
      const json = JSON.parse(run.main.outputs.json!) as {
        tags: string[];
        'tag-names': string[];
        labels: Record<string, string>;
        annotations: string[];
      };
      expect(json.tags).toEqual(expected.map((t) => `${image}:${t}`));
      expect(json['tag-names']).toEqual(expected);
      expect(json.labels['org.opencontainers.image.licenses']).toBe('MIT');
      expect(json.annotations).toEqual(annotations);

      // The image carries the labels the output lists.
      const carried = await imageLabels(repo, 'edge-slim');
      for (const line of labels) expect(carried[line.slice(0, line.indexOf('='))], line).toBe(line.slice(line.indexOf('=') + 1));
    } finally {
      delete github.options.repository;
    }
  });
});

describe('metadata-action rules on a pull request', () => {
  it('pr-<n> and the sha of the merge commit, no latest', async () => {
    const repo = uniqueName('e2e/meta-pr');
    const image = `${stack.registry}/${repo}`;
    const merge = 'fedcba9876543210fedcba9876543210fedcba98';
    const run = await runAction({
      workspace: app.dir,
      eventName: 'pull_request',
      ref: 'refs/pull/7/merge',
      sha: merge,
      env: env(),
      event: {
        number: 7,
        pull_request: {
          number: 7,
          head: { ref: 'fix/typo', sha: '1111111111111111111111111111111111111111', repo: { full_name: 'octo-org/hello' } },
          base: { ref: 'trunk', repo: { full_name: 'octo-org/hello' } },
        },
        repository,
      },
      inputs: {
        ...common,
        images: image,
        tags: `${RELEASE_RULES}\ntype=raw,value=latest,enable={{is_default_branch}}\ntype=raw,value=to-{{base_ref}}`,
      },
    });
    expect(run.main.exitCode, run.main.stdout + run.main.stderr).toBe(0);
    // metadata-action: pr-7 (600), to-trunk (200), sha-fedcba9 (100); is_default_branch is false on a pull request.
    expect(run.main.outputs.tags!.split('\n')).toEqual([`${image}:pr-7`, `${image}:to-trunk`, `${image}:sha-fedcba9`]);
    expect(await registryTags(repo)).toEqual({ status: 200, tags: ['pr-7', 'sha-fedcba9', 'to-trunk'] });
    expect(run.main.outputs.version).toBe('pr-7');
  });
});

describe('metadata-action rules refused before any build', () => {
  it.each<[Record<string, string>, string]>([
    [{ tags: 'type=foo' }, "Input 'tags': Unknown tag type attribute: foo. Expected one of schedule, semver, match, edge, ref, raw, sha."],
    [{ tags: 'type=semver' }, "Input 'tags': Missing pattern attribute for type=semver. Expected e.g. type=semver,pattern={{version}}."],
    [
      { tags: 'type=sha', flavor: 'latest=maybe' },
      "Input 'flavor': Invalid latest flavor entry: latest=maybe. Expected latest=auto, latest=true or latest=false.",
    ],
    [
      { tags: 'type=raw,value=x,enable=yes' },
      "Input 'tags': Invalid value for enable attribute: yes (in type=raw,value=x,enable=yes). Expected true, false or {{is_default_branch}}.",
    ],
  ])('%j', async (inputs, message) => {
    const image = `${stack.registry}/${uniqueName('e2e/meta-bad')}`;
    const run = await runAction({
      workspace: app.dir,
      ref: 'refs/heads/trunk',
      env: env(),
      inputs: { ...common, images: image, ...inputs },
    });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.stdout).toContain(`::error::${message}`);
    expect(run.main.stdout).not.toContain('Checking docker and buildx');
  });
});

import { describe, expect, it } from 'vitest';
import type { PullRequestInfo } from '../../src/context.js';
import { applyTags, resolveTags, sanitizeTag, tagsForRef, type TagContext } from '../../src/release/tags.js';
import { releaseTags } from '../../src/release/stage.js';
import { renderBuildSummary } from '../../src/buildx/summary.js';
import type { BuildPlan } from '../../src/buildx/plan.js';
import type { BuildResult } from '../../src/buildx/docker.js';
import { contextFromEnv } from '../../src/context.js';
import { defaultVersion, isValidVersion } from '../../src/release/version.js';
import { RecordingReporter } from '../support/recording-reporter.js';

const sha = '0123456789abcdef0123456789abcdef01234567';
const pr = (number: number): PullRequestInfo => ({
  number,
  headRef: 'fix/x',
  headSha: 'fedcba9876543210',
  baseRef: 'main',
  fromFork: false,
});
const ctx = (over: Partial<TagContext>): TagContext => ({ eventName: 'push', ref: '', sha, defaultBranch: 'main', ...over });

describe('tagsForRef', () => {
  it.each<[string, Partial<TagContext>, string[], string]>([
    ['a semver tag', { ref: 'refs/tags/v1.2.3' }, ['1.2.3', '1.2', '1', 'latest'], 'semver'],
    ['a semver tag without v', { ref: 'refs/tags/2.0.10' }, ['2.0.10', '2.0', '2', 'latest'], 'semver'],
    ['major version zero: no floating 0', { ref: 'refs/tags/v0.4.1' }, ['0.4.1', '0.4', 'latest'], 'semver'],
    ['a pre-release: only itself', { ref: 'refs/tags/v1.3.0-rc.1' }, ['1.3.0-rc.1'], 'prerelease'],
    ['a pre-release with several identifiers', { ref: 'refs/tags/v2.0.0-beta.2.x' }, ['2.0.0-beta.2.x'], 'prerelease'],
    [
      'build metadata is dropped (+ is not allowed in a tag)',
      { ref: 'refs/tags/v1.2.3+build.5' },
      ['1.2.3', '1.2', '1', 'latest'],
      'semver',
    ],
    ['a tag that is not semver', { ref: 'refs/tags/nightly' }, ['nightly'], 'tag'],
    ['a two-part version is not semver', { ref: 'refs/tags/v1.2' }, ['v1.2'], 'tag'],
    ['a tag with characters a tag cannot hold', { ref: 'refs/tags/release/2024 q1' }, ['release-2024-q1'], 'tag'],
    ['the default branch from the payload', { ref: 'refs/heads/trunk', defaultBranch: 'trunk' }, ['edge', 'sha-0123456'], 'default-branch'],
    ['main when the payload names another default branch', { ref: 'refs/heads/main', defaultBranch: 'trunk' }, ['main'], 'branch'],
    [
      'main when the payload names none (fallback)',
      { ref: 'refs/heads/main', defaultBranch: undefined },
      ['edge', 'sha-0123456'],
      'default-branch',
    ],
    [
      'master when the payload names none (fallback)',
      { ref: 'refs/heads/master', defaultBranch: undefined },
      ['edge', 'sha-0123456'],
      'default-branch',
    ],
    ['the default branch without a sha', { ref: 'refs/heads/main', sha: '' }, ['edge'], 'default-branch'],
    ['another branch: its sanitized name', { ref: 'refs/heads/feature/Login page' }, ['feature-Login-page'], 'branch'],
    ['a branch of dots and slashes only gives nothing', { ref: 'refs/heads/./' }, [], 'none'],
    ['a pull request ref', { ref: 'refs/pull/7/merge', eventName: 'pull_request', pullRequest: pr(7) }, ['pr-7'], 'pull-request'],
    ['a pull request ref without payload', { ref: 'refs/pull/12/head' }, ['pr-12'], 'pull-request'],
    [
      'pull_request_target (ref is the base branch)',
      { ref: 'refs/heads/main', eventName: 'pull_request_target', pullRequest: pr(9) },
      ['pr-9'],
      'pull-request',
    ],
    ['no ref', { ref: '' }, [], 'none'],
    ['an odd ref', { ref: 'refs/remotes/origin/x' }, [], 'none'],
  ])('%s', (_, over, tags, rule) => {
    const result = tagsForRef(ctx(over));
    expect(result.tags).toEqual(tags);
    expect(result.rule).toBe(rule);
  });

  it('says when the default branch was assumed', () => {
    expect(tagsForRef(ctx({ ref: 'refs/heads/main', defaultBranch: undefined })).reason).toMatch(/assumed/);
    expect(tagsForRef(ctx({ ref: 'refs/heads/main' })).reason).toBe('default branch main');
  });
});

describe('sanitizeTag', () => {
  it.each([
    ['feature/x', 'feature-x'],
    ['-lead.ing', 'lead.ing'],
    ['a//b', 'a-b'],
    ['trailing-', 'trailing'],
    ['dependabot/go_modules/golang.org/x/net-0.23.0', 'dependabot-go_modules-golang.org-x-net-0.23.0'],
    ['ü-umlaut', 'umlaut'],
    ['x'.repeat(200), 'x'.repeat(128)],
  ])('%s -> %s', (input, expected) => {
    const tag = sanitizeTag(input);
    expect(tag).toBe(expected);
    expect(tag).toMatch(/^(?:[\w][\w.-]{0,127})?$/);
  });
});

describe('resolveTags', () => {
  const tagCtx = ctx({ ref: 'refs/tags/v1.2.3' });
  it('explicit tags win over images', () => {
    expect(resolveTags({ tags: ['r/a:custom'], images: ['r/b'] }, tagCtx)).toMatchObject({ tags: ['r/a:custom'], source: 'tags-input' });
  });
  it('applies every tag to every image, image by image', () => {
    expect(resolveTags({ tags: [], images: ['ghcr.io/o/a', 'o/b'] }, tagCtx).tags).toEqual([
      'ghcr.io/o/a:1.2.3',
      'ghcr.io/o/a:1.2',
      'ghcr.io/o/a:1',
      'ghcr.io/o/a:latest',
      'o/b:1.2.3',
      'o/b:1.2',
      'o/b:1',
      'o/b:latest',
    ]);
  });
  it('gives nothing without tags or images', () => {
    expect(resolveTags({ tags: [], images: [] }, tagCtx)).toMatchObject({ tags: [], source: 'none' });
  });
  it('applyTags keeps a registry port', () => {
    expect(applyTags(['127.0.0.1:5000/a'], ['edge'])).toEqual(['127.0.0.1:5000/a:edge']);
  });
});

describe('releaseTags (the stage)', () => {
  const run = (env: Record<string, string>, payload: Record<string, unknown>) => contextFromEnv(env, payload, '/ws', '/tmp');
  it('reads the default branch from a push payload', () => {
    const reporter = new RecordingReporter();
    const c = run({ GITHUB_REF: 'refs/heads/develop', GITHUB_SHA: sha }, { repository: { default_branch: 'develop' } });
    expect(releaseTags({ tags: [], images: ['o/a'], push: true }, c, reporter).tags).toEqual(['o/a:edge', 'o/a:sha-0123456']);
    expect(reporter.lines.join('\n')).toContain('Release tags from default branch develop: o/a:edge, o/a:sha-0123456');
  });
  it('reads the pull request number from a pull_request payload, and says it is not pushed', () => {
    const reporter = new RecordingReporter();
    const c = run(
      { GITHUB_REF: 'refs/pull/31/merge', GITHUB_EVENT_NAME: 'pull_request' },
      { number: 31, pull_request: { number: 31, head: { ref: 'x' } } },
    );
    expect(releaseTags({ tags: [], images: ['o/a'], push: false }, c, reporter).tags).toEqual(['o/a:pr-31']);
    expect(reporter.lines.join('\n')).toContain('(not pushed: push is false)');
  });
  it('says images is unused when tags are given', () => {
    const reporter = new RecordingReporter();
    releaseTags({ tags: ['o/a:1'], images: ['o/b'], push: false }, run({ GITHUB_REF: 'refs/heads/x' }, {}), reporter);
    expect(reporter.lines.join('\n')).toContain('images (o/b) is not used');
  });
  it('stops a push that has no tags to push to', () => {
    const c = run({ GITHUB_REF: 'refs/remotes/x' }, {});
    const { result } = releaseTags({ tags: [], images: ['o/a'], push: true }, c, new RecordingReporter());
    expect(result.failures).toEqual([expect.stringMatching(/^Input 'push' is true, but ref refs\/remotes\/x gives no tags/)]);
  });
  it('lets a build without push go on without tags', () => {
    expect(releaseTags({ tags: [], images: ['o/a'], push: false }, run({ GITHUB_REF: '' }, {}), new RecordingReporter()).tags).toEqual([]);
  });
});

describe('the summary says where release tags came from', () => {
  const c = (ref: string) =>
    contextFromEnv({ GITHUB_REF: ref, GITHUB_SHA: sha }, { repository: { default_branch: 'main' } }, '/ws', '/tmp');
  it.each<[string, { tags: string[]; images: string[]; push: boolean }, string | undefined]>([
    ['refs/tags/v1.2.3', { tags: [], images: ['o/a'], push: true }, 'release tags from semver tag v1.2.3'],
    ['refs/tags/v1.3.0-rc.1', { tags: [], images: ['o/a'], push: true }, 'release tags from pre-release tag v1.3.0-rc.1'],
    ['refs/heads/main', { tags: [], images: ['o/a'], push: false }, 'release tags from default branch main, not pushed'],
    ['refs/heads/main', { tags: ['o/a:x'], images: ['o/a'], push: false }, undefined],
    ['refs/heads/main', { tags: [], images: [], push: false }, undefined],
  ])('%s %j', (ref, inputs, note) => {
    expect(releaseTags(inputs, c(ref), new RecordingReporter()).note).toBe(note);
  });

  it('renders the note under the tags, escaped', () => {
    const plan = { platforms: ['linux/amd64'], tags: ['o/a:pr-7'], push: false, load: false } as BuildPlan;
    const build = { ok: true, metadata: { raw: {} } } as BuildResult;
    const md = renderBuildSummary({ plan, version: '1.0.0', build, seconds: 1, tagsNote: 'release tags from pull request #7, not pushed' });
    expect(md).toContain('| Tags | `o/a:pr-7`<br>_release tags from pull request &#35;7, not pushed_ |');
    expect(renderBuildSummary({ plan, version: '1.0.0', build, seconds: 1 })).toContain('| Tags | `o/a:pr-7` |');
  });
});

describe('the default version and the release tag of a tag ref follow one rule', () => {
  it.each<[string, string]>([
    ['nightly/2024<x>', 'nightly-2024-x'],
    ['release/7', 'release-7'],
    ['a//b', 'a-b'],
    ['<<x>>', 'x'],
    ['-.lead.-', 'lead'],
    ['trail.', 'trail'],
    ['x-', 'x'],
    ['ü-umlaut', 'umlaut'],
    ['ünïcödé', 'n-c-d'],
    ['日本/v1', 'v1'],
    ['a b\tc', 'a-b-c'],
    [`${'y'.repeat(127)}.z`, 'y'.repeat(127)],
    [`${'y'.repeat(127)}/z`, 'y'.repeat(127)],
    ['x'.repeat(300), 'x'.repeat(128)],
    ['under_score', 'under_score'],
    ['v1.2.3+build.5', '1.2.3'],
  ])('refs/tags/%s -> %s', (name, expected) => {
    const ref = `refs/tags/${name}`;
    const tags = tagsForRef(ctx({ ref }));
    expect(defaultVersion({ ref, sha })).toBe(expected);
    expect(tags.tags[0]).toBe(expected);
    expect(isValidVersion(expected)).toBe(true);
  });

  it.each(['%%%', '...', '-', '<>', '日本'])(
    'a tag of only punctuation (%s) gives no tag, and the version falls back to the commit',
    (name) => {
      const ref = `refs/tags/${name}`;
      expect(tagsForRef(ctx({ ref })).tags).toEqual([]);
      expect(defaultVersion({ ref, sha })).toBe('0123456');
    },
  );

  it.each<[string, string, string]>([
    ['feature/x<y>', 'feature-x-y', 'feature-x-y-0123456'],
    ['fix/', 'fix', 'fix-0123456'],
    [`${'b'.repeat(119)}.c`, `${'b'.repeat(119)}.c`, `${'b'.repeat(119)}-0123456`],
  ])('a branch %s: tag %s, version %s (the tag, then the commit)', (branch, tag, version) => {
    const ref = `refs/heads/${branch}`;
    expect(tagsForRef(ctx({ ref })).tags).toEqual([tag]);
    expect(defaultVersion({ ref, sha })).toBe(version);
    expect(isValidVersion(version)).toBe(true);
  });

  it('sanitizeTag cuts to the length it is given and trims again', () => {
    expect(sanitizeTag('ab.-cd', 3)).toBe('ab');
    expect(sanitizeTag('abc', 0)).toBe('');
  });
});

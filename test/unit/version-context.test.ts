import { describe, expect, it } from 'vitest';
import { defaultVersion } from '../../src/release/version.js';
import { contextFromEnv, describeRef } from '../../src/context.js';

describe('defaultVersion', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';
  it.each([
    ['refs/tags/v1.2.3', undefined, '1.2.3'],
    ['refs/tags/1.2.3', undefined, '1.2.3'],
    ['refs/tags/v1.3.0-rc.1', undefined, '1.3.0-rc.1'],
    ['refs/tags/release-7', undefined, 'release-7'],
    ['refs/heads/main', undefined, 'main-0123456'],
    ['refs/heads/feature/login page', undefined, 'feature-login-page-0123456'],
    [
      'refs/pull/12/merge',
      { number: 12, headRef: 'fix/bug', headSha: 'fedcba9876543210', baseRef: 'main', fromFork: false },
      'fix-bug-fedcba9',
    ],
    ['', undefined, '0123456'],
  ])('%s -> %s', (ref, pullRequest, expected) => {
    expect(defaultVersion({ ref, sha, pullRequest })).toBe(expected);
  });
  it('is dev when nothing is known', () => {
    expect(defaultVersion({ ref: '', sha: '' })).toBe('dev');
  });
});

describe('describeRef', () => {
  it.each([
    ['refs/heads/a/b', { kind: 'branch', name: 'a/b' }],
    ['refs/tags/v1', { kind: 'tag', name: 'v1' }],
    ['refs/pull/7/merge', { kind: 'pull', name: '7' }],
    ['weird', { kind: 'other', name: 'weird' }],
  ])('%s', (ref, expected) => {
    expect(describeRef(ref)).toEqual(expected);
  });
});

describe('contextFromEnv', () => {
  it('reads a pull_request payload and recognises a fork', () => {
    const ctx = contextFromEnv(
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REPOSITORY: 'o/r', GITHUB_REF: 'refs/pull/3/merge', GITHUB_SHA: 'm' },
      {
        repository: { default_branch: 'trunk' },
        pull_request: {
          number: 3,
          head: { ref: 'x', sha: 'h', repo: { full_name: 'fork/r' } },
          base: { ref: 'trunk', repo: { full_name: 'o/r' } },
        },
      },
      '/ws',
      '/tmp',
    );
    expect(ctx.pullRequest).toEqual({ number: 3, headRef: 'x', headSha: 'h', baseRef: 'trunk', fromFork: true });
    expect(ctx.defaultBranch).toBe('trunk');
    expect(ctx.workspace).toBe('/ws');
    expect(ctx.apiUrl).toBe('https://api.github.com');
  });
  it('has no pull request on a push', () => {
    const ctx = contextFromEnv({ GITHUB_EVENT_NAME: 'push', RUNNER_TEMP: '/rt', GITHUB_API_URL: 'http://127.0.0.1:1' }, {}, '/ws', '/tmp');
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.tempDir).toBe('/rt');
    expect(ctx.apiUrl).toBe('http://127.0.0.1:1');
  });
  it.each([
    [{}, true],
    [{ GO_CONTAINER_ACTION_CACHE_STREAM: 'true' }, true],
    [{ GO_CONTAINER_ACTION_CACHE_STREAM: 'false' }, false],
  ])('reads whether the Go cache may stream from %j', (env, stream) => {
    expect(contextFromEnv(env, {}, '/ws', '/tmp').cacheStream).toBe(stream);
  });
  it.each([
    [{}, 1],
    [{ GO_CONTAINER_ACTION_DEADLINE_SCALE: '' }, 1],
    [{ GO_CONTAINER_ACTION_DEADLINE_SCALE: '0.1' }, 0.1],
    [{ GO_CONTAINER_ACTION_DEADLINE_SCALE: ' 1 ' }, 1],
  ])('reads the deadline scale from %j', (env, scale) => {
    expect(contextFromEnv(env, {}, '/ws', '/tmp').deadlineScale).toBe(scale);
  });
  it.each(['0', '-0.5', '1.5', 'fast', 'NaN', 'Infinity'])('refuses the deadline scale %j, naming the variable and the form', (value) => {
    expect(() => contextFromEnv({ GO_CONTAINER_ACTION_DEADLINE_SCALE: value }, {}, '/ws', '/tmp')).toThrow(
      `GO_CONTAINER_ACTION_DEADLINE_SCALE is '${value}': expected a number greater than 0 and at most 1 (e.g. 0.1), or unset for 1.`,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { defaultVersion } from '../../src/release/version.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextFromEnv, describeRef, loadContext, readPayload } from '../../src/context.js';
import { tagsForRef } from '../../src/release/tags.js';
import { planCache } from '../../src/size/baseline.js';
import { tempDir } from '../support/temp.js';

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

describe('odd event payloads: the pull request is decided once, with one warning', () => {
  const head = { ref: 'fix/x', sha: 'fedcba9876543210', repo: { full_name: 'o/r' } };
  const base = { ref: 'trunk', repo: { full_name: 'o/r' } };
  const runner = { GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'merge0', GITHUB_HEAD_REF: 'env-head', GITHUB_BASE_REF: 'env-base' };
  const PR7 = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', ...runner };
  type Row = [
    string,
    Record<string, string>,
    Record<string, unknown>,
    { number: number; headRef: string; headSha: string; baseRef: string } | undefined,
    RegExp | undefined,
  ];
  it.each<Row>([
    [
      'a whole pull_request payload',
      PR7,
      { pull_request: { number: 7, head, base } },
      { number: 7, headRef: 'fix/x', headSha: 'fedcba9876543210', baseRef: 'trunk' },
      undefined,
    ],
    [
      'no pull_request: the number from the ref, the rest from the runner',
      PR7,
      { repository: {} },
      { number: 7, headRef: 'env-head', headSha: '', baseRef: 'env-base' },
      /^The pull_request event's payload lacks pull_request: it is taken as pull request #7 \(its number from the ref refs\/pull\/7\/merge\)/,
    ],
    [
      'pull_request is a string',
      PR7,
      { pull_request: 'x' },
      { number: 7, headRef: 'env-head', headSha: '', baseRef: 'env-base' },
      /lacks pull_request: .*#7/,
    ],
    [
      'number 0: the top-level number',
      PR7,
      { number: 7, pull_request: { number: 0, head, base } },
      { number: 7, headRef: 'fix/x', headSha: 'fedcba9876543210', baseRef: 'trunk' },
      undefined,
    ],
    [
      'number a string: the ref',
      PR7,
      { pull_request: { number: '7', head, base } },
      { number: 7, headRef: 'fix/x', headSha: 'fedcba9876543210', baseRef: 'trunk' },
      /^The pull_request event's payload lacks pull_request\.number: it is taken as pull request #7 \(its number from the ref/,
    ],
    [
      'head and base missing',
      PR7,
      { pull_request: { number: 7 } },
      { number: 7, headRef: 'env-head', headSha: '', baseRef: 'env-base' },
      /^The pull_request event's payload lacks pull_request\.head\.sha, pull_request\.head\.ref, pull_request\.base\.ref: it is taken as pull request #7, the rest/,
    ],
    [
      'head.sha missing',
      PR7,
      { pull_request: { number: 7, head: { ref: 'fix/x' }, base } },
      { number: 7, headRef: 'fix/x', headSha: '', baseRef: 'trunk' },
      /lacks pull_request\.head\.sha: /,
    ],
    [
      'pull_request_target on the base branch, without a pull request',
      { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/heads/trunk', ...runner },
      {},
      undefined,
      /^The pull_request_target event's payload lacks pull_request, and the ref refs\/heads\/trunk names no pull request: it is taken as a pull request of unknown number/,
    ],
    [
      'a push without head_commit',
      { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/trunk', ...runner },
      { ref: 'refs/heads/trunk' },
      undefined,
      undefined,
    ],
    [
      'a workflow_dispatch',
      { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/heads/trunk', ...runner },
      { inputs: {} },
      undefined,
      undefined,
    ],
    ['an empty payload on a push', { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1', ...runner }, {}, undefined, undefined],
  ])('%s', (_, env, payload, expected, warning) => {
    const ctx = contextFromEnv(env, payload, '/ws', '/tmp');
    if (expected) expect(ctx.pullRequest).toEqual({ ...expected, fromFork: false });
    else expect(ctx.pullRequest).toBeUndefined();
    if (warning) expect(ctx.eventWarning).toMatch(warning);
    else expect(ctx.eventWarning).toBeUndefined();
    // The consumers agree with the context: a pull request is tagged pr-<n> and saves no baseline.
    const tags = tagsForRef(ctx);
    if (expected) expect(tags.tags).toEqual([`pr-${expected.number}`]);
    if (ctx.pullRequestEvent) expect(planCache('img', ctx).saveKey).toBeUndefined();
    if (ctx.pullRequestEvent && !expected) expect(tags.tags).toEqual([]);
  });

  it.each<[string, string | undefined, RegExp | undefined]>([
    ['{"ref":"refs/heads/main"}', '{"ref":"refs/heads/main"}', undefined],
    ['an empty file', '', /^The event payload \(GITHUB_EVENT_PATH\) is not JSON: it is taken as empty\.$/],
    ['not JSON', '{"ref": truncated', /is not JSON: it is taken as empty/],
    ['an array', '[1,2]', /is not a JSON object: it is taken as empty/],
    ['null', 'null', /is not a JSON object/],
    ['a missing file', undefined, /could not be read: it is taken as empty/],
  ])('reads a payload that is %s', (_, text, warning) => {
    const dir = tempDir('payload');
    const path = join(dir, 'event.json');
    if (text !== undefined) writeFileSync(path, text);
    const read = readPayload(path);
    expect(read.warning).toEqual(warning ? expect.stringMatching(warning) : undefined);
    if (warning) expect(read.payload).toEqual({});
    // The message never shows the path: a runner's temp path is no business of the log.
    expect(read.warning ?? '').not.toContain(dir);
    const ctx = loadContext({ GITHUB_EVENT_PATH: path, GITHUB_EVENT_NAME: 'push' }, '/ws', '/tmp');
    expect(ctx.eventWarning).toBe(read.warning);
  });

  it('says both when a pull request event has a payload that is not JSON, in one warning', () => {
    const dir = tempDir('payload');
    const path = join(dir, 'event.json');
    writeFileSync(path, 'oops');
    const ctx = loadContext({ GITHUB_EVENT_PATH: path, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/9/merge' }, '/ws', '/tmp');
    expect(ctx.eventWarning).toMatch(
      /^The event payload \(GITHUB_EVENT_PATH\) is not JSON: it is taken as empty\. The pull_request event's payload lacks pull_request: it is taken as pull request #9/,
    );
    expect(ctx.pullRequest?.number).toBe(9);
  });
});

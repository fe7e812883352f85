/**
 * Event payloads that are not what their event promises: the context decides once what the run
 * is, says so in one warning, and the release tags, the version and the size comment agree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { stack, uniqueName } from '../support/stack.js';
import { tempDir } from '../support/temp.js';
import { copyApp } from '../support/workspace.js';

// Tags do not need Go: a busybox fixture that builds in a second keeps these runs short.
const app = copyApp('test/fixtures/dockerfile/tiny');
const TOKEN = 'ghs_odd_payload_token_0123456789abcdef';
const github = new FakeGitHub({ token: TOKEN });
const common = { platforms: 'linux/amd64', 'dockerfile-checks': 'off', 'go-cache': 'false', baseline: 'none' };
const SHA = '0123456789abcdef0123456789abcdef01234567';

beforeAll(() => github.start());
afterAll(async () => {
  await github.stop();
  app.remove();
});

const warningsOf = (run: ActionRun) => annotations(run.main.stdout).filter((a) => a.level === 'warning');

describe('a pull_request event whose payload lacks pull_request', () => {
  const image = `${stack.registry}/${uniqueName('e2e/odd-pr')}`;
  let run: ActionRun;

  beforeAll(async () => {
    run = await runAction({
      workspace: app.dir,
      eventName: 'pull_request',
      ref: 'refs/pull/7/merge',
      sha: SHA,
      token: TOKEN,
      event: { repository: { default_branch: 'trunk', full_name: 'octo-org/hello' } },
      env: { GITHUB_API_URL: github.url, GITHUB_HEAD_REF: 'fix/typo', GITHUB_BASE_REF: 'trunk' },
      inputs: { ...common, images: image },
    });
  }, 600_000);

  it('warns once, naming the event and what was missing, and what the run is taken as', () => {
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    const warnings = warningsOf(run);
    expect(warnings.map((w) => w.message)).toEqual([
      "The pull_request event's payload lacks pull_request: it is taken as pull request #7 (its number from the ref refs/pull/7/merge), " +
        "the rest from the runner's GITHUB_HEAD_REF, GITHUB_BASE_REF and GITHUB_SHA.",
    ]);
  });

  it('tags, versions and comments as pull request #7 alike', () => {
    expect(run.main.outputs.tags).toBe(`${image}:pr-7`);
    expect(run.main.stdout).toContain('Release tags from pull request #7 (not pushed: push is false)');
    expect(run.main.outputs.version).toBe('fix-typo-0123456');
    expect(github.comments.filter((c) => c.issue === 7)).toHaveLength(1);
    expect(run.main.outputs['comment-url']).toContain('#issuecomment-');
    expect(run.main.stdout).not.toContain('not a pull request');
  });
});

describe('a pull_request_target event with an empty payload', () => {
  it('is no pull request of a known number, and gives no tags: it never pushes the base branch edge tag', async () => {
    const image = `${stack.registry}/${uniqueName('e2e/odd-prt')}`;
    const run = await runAction({
      workspace: app.dir,
      eventName: 'pull_request_target',
      ref: 'refs/heads/trunk',
      sha: SHA,
      event: {},
      inputs: { ...common, images: image, push: 'true' },
    });
    expect(run.main.exitCode, run.main.stdout).toBe(1);
    expect(warningsOf(run).map((w) => w.message)).toEqual([
      "The pull_request_target event's payload lacks pull_request, and the ref refs/heads/trunk names no pull request: " +
        'it is taken as a pull request of unknown number (no release tags, no size comment, no size baseline saved).',
    ]);
    const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
    expect(errors.map((e) => e.message)).toEqual([
      "Input 'push' is true, but a pull_request_target event naming no pull request gives no tags for `images`. Expected a branch, a tag or a pull request ref, or explicit `tags`.",
    ]);
    expect(run.main.stdout).not.toMatch(/buildx build\s/);
  });
});

describe('an event payload that is not JSON', () => {
  it('warns once and builds as a push without a payload', async () => {
    const dir = tempDir('odd-payload');
    const path = join(dir, 'event.json');
    writeFileSync(path, '{"ref": "refs/heads/main", truncated');
    const image = `${stack.registry}/${uniqueName('e2e/odd-json')}`;
    const run = await runAction({ workspace: app.dir, sha: SHA, env: { GITHUB_EVENT_PATH: path }, inputs: { ...common, images: image } });
    // @actions/github parsed the payload when it was imported: a stack trace before the action ran.
    expect(run.main.exitCode, run.main.stdout + run.main.stderr).toBe(0);
    expect(run.main.stderr).not.toMatch(/SyntaxError|^\s+at /m);
    expect(warningsOf(run).map((w) => w.message)).toEqual(['The event payload (GITHUB_EVENT_PATH) is not JSON: it is taken as empty.']);
    // main counts as the default branch when the payload names none.
    expect(run.main.outputs.tags).toBe(`${image}:edge\n${image}:sha-0123456`);
  });
});

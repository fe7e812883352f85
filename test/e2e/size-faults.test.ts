/**
 * The size stage's outside services misbehaving, with the bundled action and the real Octokit:
 * a GitHub API that hangs or answers garbage, a baseline registry that answers after 2 minutes,
 * runs of one pull request at once, and markers quoted where they must not count. The image is
 * a tiny one (a fake Go program on scratch, or on the local busybox), built without pushing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/report/render.js';
import { GITHUB_API_BUDGET } from '../../src/github/api.js';
import { REGISTRY_CALL_MS } from '../../src/oci/registry-client.js';
import { DEADLINE_SCALE_ENV, formatDuration } from '../../src/util/deadline.js';
import type { SizeReport } from '../../src/size/report.js';
import { FakeGitHub, type FakeComment } from '../support/fake-github.js';
import { FakeRegistry } from '../support/fake-registry.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { fakeGoBinary } from '../support/size-fixtures.js';
import { tempDir } from '../support/temp.js';

const TOKEN = 'ghs_size_faults_token_0123456789abcdef';
/** Generous: the requirement is "about a minute", not a timing; the measured worst case goes in the report. */
const BOUND_MS = 90_000;
/**
 * The fault runs shorten every deadline tenfold (GO_CONTAINER_ACTION_DEADLINE_SCALE): what they
 * check is how the guards end a call or a run, and the margins below are ratios of the deadlines.
 */
const SCALE = 0.1;
const API_CALL_MS = GITHUB_API_BUDGET.callMs * SCALE;
const API_TOTAL_MS = GITHUB_API_BUDGET.totalMs * SCALE;

/** A workspace with a fake Go program and two Dockerfiles: on scratch, and on busybox with a line of our choice. */
function workspace(): string {
  const dir = tempDir('size-faults');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hello'), fakeGoBinary(20_000), { mode: 0o755 });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY hello /hello\nENTRYPOINT ["/hello"]\n');
  writeFileSync(join(dir, '.dockerignore'), '.git\n');
  return dir;
}

function prEvent(number: number): Record<string, unknown> {
  return {
    number,
    pull_request: {
      number,
      head: { ref: 'feature/x', sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: 'octo-org/hello' } },
      base: { ref: 'main', repo: { full_name: 'octo-org/hello' } },
    },
    repository: { full_name: 'octo-org/hello', default_branch: 'main' },
  };
}

interface PrRun {
  pr: number;
  github: FakeGitHub;
  tag?: string;
  file?: string;
  inputs?: Record<string, string>;
  /** Deadlines scaled (SCALE) for the run. */
  scaled?: boolean;
}

function runOnPr(dir: string, { pr, github, tag = 'local.test/app:pr', file, inputs = {}, scaled = false }: PrRun): Promise<ActionRun> {
  return runAction({
    workspace: dir,
    eventName: 'pull_request',
    event: prEvent(pr),
    ref: `refs/pull/${pr}/merge`,
    token: TOKEN,
    env: { GITHUB_API_URL: github.url, ...(scaled ? { [DEADLINE_SCALE_ENV]: String(SCALE) } : {}) },
    inputs: { tags: tag, baseline: 'none', 'go-cache': 'false', 'dockerfile-checks': 'off', ...(file ? { file } : {}), ...inputs },
  });
}

function warnings(run: ActionRun): string[] {
  return annotations(run.main.stdout)
    .filter((a) => a.level === 'warning')
    .map((a) => a.message);
}

function sizeReport(run: ActionRun): SizeReport {
  return JSON.parse(run.main.outputs['size-report'] ?? 'null') as SizeReport;
}

function ours(github: FakeGitHub, pr: number, marker: string): FakeComment[] {
  return github.comments.filter((c) => c.issue === pr && c.login === 'github-actions[bot]' && c.body.startsWith(marker));
}

/** What the worst cases measured, printed for the report. */
const measured: Record<string, number> = {};

const dir = workspace();
const marker = commentMarker('local.test/app');

afterAll(() => {
  console.log(`measured main-step durations (ms): ${JSON.stringify(measured)}`);
});

describe.concurrent('a GitHub API that misbehaves costs a warning, bounded, and the step goes on', () => {
  it('accepts and never answers: the comment is skipped with a warning naming the GitHub API and the deadline', async () => {
    const github = new FakeGitHub({ token: TOKEN, hang: /./ });
    await github.start();
    try {
      const run = await runOnPr(dir, { pr: 5, github, scaled: true });
      measured.apiHangs = run.main.durationMs;
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(warnings(run)).toContainEqual(
        `Could not write the size comment: the GitHub API (GET /user) did not answer in ${formatDuration(API_CALL_MS)}`,
      );
      expect(run.main.outputs['comment-url']).toBe('');
      expect(run.main.outputs['budget-status']).toBe('pass');
      // The guard gave up after the first deadline: nothing else was asked.
      expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /user']);
      expect(run.main.durationMs).toBeLessThan(BOUND_MS);
    } finally {
      await github.stop();
    }
  });

  it('answers every request well within its deadline (at 47% of it): the run budget ends it', async () => {
    // 0.7 s a call against 1.5 s, so no call meets its own deadline; the run's 6 s are 8.6 calls.
    const latencyMs = Math.round(API_CALL_MS * 0.47);
    const github = new FakeGitHub({ token: TOKEN, latencyMs });
    await github.start();
    try {
      // 9 pages of comments: GET /user, the 9 pages and the create are 11 calls, 1.3 times the run's budget.
      for (let i = 0; i < 850; i++) github.seed(8, `reviewer-${i % 5}`, `comment ${i}`);
      expect((11 * latencyMs) / API_TOTAL_MS).toBeGreaterThan(1.25);
      const run = await runOnPr(dir, { pr: 8, github, scaled: true });
      measured.apiSlowBudget = run.main.durationMs;
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      // Which call the budget cuts depends on how loaded the machine is (each call takes its
      // latency and a little more); what must hold is that the budget, not a call's own
      // deadline, ended it: the last call got less than its own deadline.
      const message = warnings(run).find((w) => w.startsWith('Could not write the size comment'));
      const cut =
        /^Could not write the size comment: the GitHub API \((?:GET|POST) \/repos\/octo-org\/hello\/issues\/8\/comments\) did not answer in (\d+(?:\.\d)?) (s|ms)$/.exec(
          message ?? '',
        );
      expect(cut, message).not.toBeNull();
      expect(Number(cut![1]) * (cut![2] === 's' ? 1000 : 1)).toBeLessThan(API_CALL_MS);
      expect(github.requests.slice(0, 2).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
        'GET /user',
        'GET /repos/octo-org/hello/issues/8/comments',
      ]);
      console.log(
        `slow GitHub API: ${github.requests.map((r, i) => `${r.method} +${i ? r.at - github.requests[i - 1]!.at : 0} ms`).join(', ')}`,
      );
      expect(run.main.outputs['comment-url']).toBe('');
      expect(run.main.durationMs).toBeLessThan(BOUND_MS);
    } finally {
      await github.stop();
    }
  });

  it.each([
    ['not JSON', '<html>upstream hiccup'],
    ['JSON of another kind', '{"comments":"soon"}'],
  ])('answers the comment list with a 200 of %s: a clear warning, no TypeError', async (_what, garbageBody) => {
    const github = new FakeGitHub({ token: TOKEN, garbage: /^GET \/repos\/.*\/comments$/, garbageBody });
    await github.start();
    try {
      const run = await runOnPr(dir, { pr: 6, github });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(warnings(run)).toContainEqual(
        'Could not write the size comment: the GitHub API answered with something that is not a comment list',
      );
      expect(run.main.outputs['comment-url']).toBe('');
      expect(run.main.stdout + run.main.stderr).not.toMatch(/TypeError|Cannot read properties/);
      expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    } finally {
      await github.stop();
    }
  });
});

describe('a baseline registry that misbehaves costs a warning, bounded, and the report has no baseline', () => {
  const registry = new FakeRegistry();
  const github = new FakeGitHub({ token: TOKEN });
  beforeAll(async () => {
    await registry.start();
    await github.start();
  });
  afterAll(async () => {
    await registry.stop();
    await github.stop();
  });

  it('answers after 80 times its deadline: given up after the deadline', async () => {
    registry.faults = { delayMs: 80 * REGISTRY_CALL_MS * SCALE };
    const run = await runOnPr(dir, { pr: 7, github, inputs: { baseline: registry.image }, scaled: true });
    measured.baselineRegistryHangs = run.main.durationMs;
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(warnings(run)).toContainEqual(
      `The baseline ${registry.image} could not be read (the registry ${registry.host} (GET manifests/main) did not answer in ${formatDuration(REGISTRY_CALL_MS * SCALE)}); the report has no baseline.`,
    );
    expect(sizeReport(run).baseline).toBeNull();
    expect(run.main.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    expect(run.main.durationMs).toBeLessThan(BOUND_MS);
  });

  it('answers 200 with something that is not JSON: a clear warning', async () => {
    registry.faults = { manifestBody: '<html>Bad Gateway</html>' };
    const run = await runOnPr(dir, { pr: 7, github, inputs: { baseline: registry.image } });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(warnings(run)).toContainEqual(
      `The baseline ${registry.image} could not be read (the registry ${registry.host} answered manifests/main with something that is not JSON); the report has no baseline.`,
    );
    expect(sizeReport(run).baseline).toBeNull();
  });

  it('works when nothing is wrong (the same fake registry, as the baseline)', async () => {
    registry.faults = {};
    const run = await runOnPr(dir, { pr: 7, github, inputs: { baseline: registry.image } });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(sizeReport(run).baseline).toBe(registry.image);
    expect(warnings(run)).toEqual([]);
  });
});

describe("runs of one pull request at once leave one comment of the action's, with a complete body", () => {
  const github = new FakeGitHub({ token: TOKEN, latencyMs: 400 });
  beforeAll(async () => {
    await github.start();
    // Warm the build, so the runs at once reach the comment close together.
    await runOnPr(dir, { pr: 99, github });
  });
  afterAll(async () => {
    await github.stop();
  });

  const complete = (body: string): boolean =>
    body.startsWith(`${marker}\n### ✅ Image size: \`local.test/app:pr\``) && body.trimEnd().endsWith('1 MB = 1,000,000 bytes.</sub>');

  it.each([
    [21, 2],
    [22, 2],
    [23, 2],
    [24, 3],
  ])('PR %i, %i runs at once, every one listing before any creates', async (pr, n) => {
    github.comments.length = 0;
    github.seed(pr, 'github-actions[bot]', `Another workflow quotes ${marker} mid-body`);
    github.gateListings(n);
    const started = Date.now();
    const runs = await Promise.all(Array.from({ length: n }, () => runOnPr(dir, { pr, github })));
    measured[`concurrent${n}-pr${pr}`] = Date.now() - started;
    for (const run of runs) expect(run.main.exitCode, run.main.stdout).toBe(0);
    const posts = github.requests.filter((r) => r.method === 'POST' && r.path.includes(`/issues/${pr}/`) && r.at >= started);
    // They raced: each created one.
    expect(posts).toHaveLength(n);
    const left = ours(github, pr, marker);
    expect(left).toHaveLength(1);
    expect(complete(left[0]!.body)).toBe(true);
    for (const run of runs)
      expect(run.main.outputs['comment-url']).toBe(`https://github.com/octo-org/hello/pull/${pr}#issuecomment-${left[0]!.id}`);
    expect(github.comments.filter((c) => c.issue === pr && c.body.startsWith('Another workflow'))).toHaveLength(1);
    // A later run updates that one.
    const later = await runOnPr(dir, { pr, github });
    expect(ours(github, pr, marker).map((c) => c.id)).toEqual([left[0]!.id]);
    expect(later.main.outputs['comment-url']).toBe(runs[0]!.main.outputs['comment-url']);
  });
});

describe('a marker quoted elsewhere never counts', () => {
  const github = new FakeGitHub({ token: TOKEN });
  const PR = 40;
  beforeAll(async () => {
    await github.start();
  });
  afterAll(async () => {
    await github.stop();
  });

  it("neither a bot comment quoting it mid-body nor a Dockerfile line echoing another image's marker", async () => {
    const quoting = github.seed(PR, 'github-actions[bot]', `Deploy preview ready.\n\n${marker}\n\nThat line above is quoted.`);
    const quoted = { ...quoting };
    const first = await runOnPr(dir, { pr: PR, github });
    expect(first.main.exitCode, first.main.stdout).toBe(0);
    const [a] = ours(github, PR, marker);
    expect(a, JSON.stringify(github.comments)).toBeDefined();
    expect(github.comments.find((c) => c.id === quoting.id)).toEqual(quoted);

    // Image b's Dockerfile echoes image a's marker: its layer instruction is printed in b's comment.
    writeFileSync(
      join(dir, 'Dockerfile.b'),
      `FROM gca-local/busybox:latest\nRUN echo '${marker}' > /motd\nCOPY hello /hello\nENTRYPOINT ["/hello"]\n`,
    );
    const b = await runOnPr(dir, { pr: PR, github, tag: 'local.test/b:pr', file: 'Dockerfile.b' });
    expect(b.main.exitCode, b.main.stdout).toBe(0);
    const [bComment] = ours(github, PR, commentMarker('local.test/b'));
    expect(bComment).toBeDefined();
    expect(bComment!.body).toContain('echo');
    expect(bComment!.body).not.toContain(marker);
    expect(bComment!.body.split('<!--')).toHaveLength(2);
    const bBody = bComment!.body;

    // Image a's next run updates a's comment, and leaves b's and the quoting one alone.
    const again = await runOnPr(dir, { pr: PR, github });
    expect(again.main.outputs['comment-url']).toBe(first.main.outputs['comment-url']);
    expect(ours(github, PR, marker).map((c) => c.id)).toEqual([a!.id]);
    expect(github.comments.find((c) => c.id === bComment!.id)!.body).toBe(bBody);
    expect(github.comments.find((c) => c.id === quoting.id)).toEqual(quoted);
    expect(github.comments.filter((c) => c.issue === PR)).toHaveLength(3);
  });
});

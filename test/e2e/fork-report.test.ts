/**
 * Pull requests from forks, end to end: the fork's run (read-only token) writes its report and no
 * comment; a workflow_run run posts the one comment from that report with comment-from, without
 * docker; reports of another pull request, with markup, garbage or too large are refused and post
 * nothing.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullRequestReport } from '../../src/report/pr-report.js';
import { commentMarker } from '../../src/report/render.js';
import { FakeGitHub } from '../support/fake-github.js';
import { editedJson } from '../support/json-edit.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { tempDir } from '../support/temp.js';
import { copyApp } from '../support/workspace.js';

const TOKEN = 'ghs_fork_report_e2e_token_0123456789ab';
const PR = 41;
const HEAD = 'feedbeef'.repeat(5);
const FORK = 'forker/hello';

function prEvent(headRepository: string): Record<string, unknown> {
  return {
    number: PR,
    pull_request: {
      number: PR,
      head: { ref: 'feature/fork', sha: HEAD, repo: { full_name: headRepository } },
      base: { ref: 'main', repo: { full_name: 'octo-org/hello' } },
    },
    repository: { full_name: 'octo-org/hello', default_branch: 'main' },
  };
}

const workflowRunEvent = {
  action: 'completed',
  workflow_run: { id: 777, event: 'pull_request', head_sha: HEAD, head_repository: { full_name: FORK }, pull_requests: [] },
  repository: { full_name: 'octo-org/hello', default_branch: 'main' },
};

/** Errors and warnings a step printed: a run that may not comment prints none. */
function complaints(run: ActionRun): string[] {
  return annotations(run.main.stdout)
    .filter((a) => a.level !== 'notice')
    .map((a) => `${a.level}: ${a.message}`);
}

describe('a pull request from a fork, then the workflow_run job that posts its comment', () => {
  const app = copyApp('examples/hello');
  // The privileged job's workspace: no checkout, only the downloaded artifact.
  const ws = tempDir('fork-report-ws');
  const github = new FakeGitHub({ token: TOKEN, readOnly: true, pulls: { [PR]: { headSha: HEAD, headRepository: FORK } } });
  let fork: ActionRun;
  let sameRepo403: ActionRun;
  let report: PullRequestReport;
  let requestsOfFork = -1;
  const reportPath = join(ws, 'size-report', 'pull-request-report.json');

  /** Runs the action in comment-only mode in `ws`, where docker is not even on the PATH. */
  const commentFrom = (path: string, event: Record<string, unknown> = workflowRunEvent): Promise<ActionRun> =>
    runAction({
      workspace: ws,
      eventName: 'workflow_run',
      event,
      ref: 'refs/heads/main',
      token: TOKEN,
      env: { GITHUB_API_URL: github.url, PATH: dirname(process.execPath), DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      inputs: { 'comment-from': path },
      timeoutMs: 60_000,
    });

  /** A copy of the fork's report with `edits`, written into the workspace as `name`. */
  const variant = (name: string, ...edits: [string, unknown][]): string => {
    writeFileSync(join(ws, name), editedJson(report, ...edits));
    return name;
  };

  beforeAll(async () => {
    await github.start();
    const common = {
      workspace: app.dir,
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      token: TOKEN,
      env: { GITHUB_API_URL: github.url },
      // The report lives until the job's post steps: an upload-artifact step runs before them.
      post: false,
    };
    const inputs = { 'build-args': `GO_IMAGE=${stack.goImage}`, 'go-cache': 'false', baseline: 'none', 'size-budget': '50MB' };
    fork = await runAction({ ...common, event: prEvent(FORK), inputs });
    requestsOfFork = github.requests.length;
    const path = fork.main.outputs.report ?? '';
    if (existsSync(path)) {
      mkdirSync(dirname(reportPath), { recursive: true });
      copyFileSync(path, reportPath);
      report = JSON.parse(readFileSync(reportPath, 'utf8')) as PullRequestReport;
    }
    // A pull request of the repository itself, whose token turns out to be read-only: 403 on the first write.
    sameRepo403 = await runAction({ ...common, event: prEvent('octo-org/hello'), inputs });
  }, 600_000);

  afterAll(async () => {
    await github.stop();
    app.remove();
  });

  it("the fork's run passes with no comment, no error or warning, and a notice saying how to post it", () => {
    expect(fork.main.exitCode, fork.main.stdout + fork.main.stderr).toBe(0);
    expect(complaints(fork)).toEqual([]);
    expect(fork.main.outputs['comment-url']).toBe('');
    expect(github.comments).toEqual([]);
    // Not one request: the fork's token is known to be read-only.
    expect(requestsOfFork).toBe(0);
    const notices = annotations(fork.main.stdout).filter((a) => a.level === 'notice');
    expect(notices.map((n) => n.message)).toContainEqual(
      expect.stringMatching(/comes from a fork, whose token cannot write comments\. .*comment-from/),
    );
  });

  it('writes the report file in the runner temp dir, with the pull request, its head, the data and the rendered comment', () => {
    expect(fork.main.outputs.report!.startsWith(fork.runnerTemp)).toBe(true);
    expect(report).toMatchObject({ schema: 1, pull_request: PR, head_sha: HEAD, repository: 'octo-org/hello', image: 'Dockerfile' });
    expect(report.size_report.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
    expect(report.size_report.status).toBe('pass');
    expect(report.smoke).toEqual({ status: 'skipped' });
    expect(report.platform_check?.status).toBe('passed');
    expect(report.body.startsWith(`${commentMarker('Dockerfile')}\n### `)).toBe(true);
    expect(JSON.parse(fork.main.outputs['size-report']!)).toEqual(report.size_report);
  });

  it('puts the whole report, as the comment would show it, in the job summary', () => {
    const shown = report.body.slice(commentMarker('Dockerfile').length + 1);
    expect(fork.summary).toContain(shown);
  });

  it('a 403 on the first write is a notice too, with the report written', () => {
    expect(sameRepo403.main.exitCode, sameRepo403.main.stdout).toBe(0);
    expect(complaints(sameRepo403)).toEqual([]);
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(github.comments).toEqual([]);
    const notices = annotations(sameRepo403.main.stdout).filter((a) => a.level === 'notice');
    expect(notices.map((n) => n.message)).toContainEqual(
      expect.stringMatching(/may not write comments on this pull request \(HTTP 403\)\. .*comment-from/),
    );
    expect(sameRepo403.main.outputs.report).toMatch(/pull-request-report\.json$/);
  });

  describe('comment-from in a workflow_run job (no checkout, no docker)', () => {
    let posted: ActionRun;
    let again: ActionRun;
    let requestsBefore = 0;

    beforeAll(async () => {
      github.options.readOnly = false;
      github.requests.length = 0;
      posted = await commentFrom('size-report/pull-request-report.json');
      again = await commentFrom('size-report/pull-request-report.json');
      requestsBefore = github.requests.length;
    }, 120_000);

    it('posts the one comment, rendered from the data the fork run measured, and updates it the next time', () => {
      expect(posted.main.exitCode, posted.main.stdout + posted.main.stderr).toBe(0);
      expect(again.main.exitCode, again.main.stdout).toBe(0);
      expect(complaints(posted)).toEqual([]);
      const ours = github.comments.filter((c) => c.issue === PR);
      expect(ours).toHaveLength(1);
      expect(ours[0]!.body).toBe(report.body);
      expect(posted.main.outputs['comment-url']).toContain(`#issuecomment-${ours[0]!.id}`);
      expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
      expect(github.requests.filter((r) => r.path === `/repos/octo-org/hello/pulls/${PR}`)).toHaveLength(2);
      expect(posted.summary).toContain(`The size comment on pull request #${PR} (created`);
    });

    it('refuses a report of another pull request, naming the mismatch, and posts nothing', async () => {
      github.options.pulls![7] = { headSha: 'abcdef01'.repeat(5), headRepository: FORK };
      const bodyBefore = github.comments.map((c) => c.body);
      const run = await commentFrom(variant('other-pr.json', ['pull_request', 7]));
      expect(run.main.exitCode).toBe(1);
      const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
      expect(errors.map((e) => e.message)).toEqual([
        expect.stringMatching(
          /^comment-from: the report names pull request #7, whose head is abcdef01abcd, not feedbeeffeed that the triggering workflow run built/,
        ),
      ]);
      expect(github.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /repos/octo-org/hello/pulls/7']);
      expect(github.comments.map((c) => c.body)).toEqual(bodyBefore);
      expect(run.main.outputs['comment-url']).toBe('');
    });

    it('refuses a report from another fork or of another commit before posting', async () => {
      const otherFork = await commentFrom('size-report/pull-request-report.json', {
        ...workflowRunEvent,
        workflow_run: { ...workflowRunEvent.workflow_run, head_repository: { full_name: 'mallory/hello' } },
      });
      expect(otherFork.main.exitCode).toBe(1);
      expect(otherFork.main.stdout).toMatch(/whose head is in forker\/hello, not in mallory\/hello/);
      const otherCommit = await commentFrom(variant('old-commit.json', ['head_sha', '0123abcd'.repeat(5)]));
      expect(otherCommit.main.exitCode).toBe(1);
      expect(otherCommit.main.stdout).toMatch(
        /the report names pull request #41 at commit 0123abcd0123, but the triggering workflow run built feedbeeffeed/,
      );
      expect(github.requests.filter((r) => r.method !== 'GET')).toHaveLength(2);
    });

    it('never posts markup written into the report: its body is ignored, other text is escaped', async () => {
      const hostile = '<img src=x onerror=alert(1)> [click](https://evil.example) @octo-org/admins';
      const run = await commentFrom(
        variant(
          'hostile.json',
          ['body', `${commentMarker('Dockerfile')}\n# PWNED ${hostile}`],
          ['smoke', { status: 'failed', detail: hostile }],
          ['findings', [{ id: 'GO006', title: hostile, level: 'warning', file: 'Dockerfile', line: 3, message: hostile, text: hostile }]],
          ['size_report.platforms.0.reasons', [hostile]],
          ['size_report.baselineNote', hostile],
        ),
      );
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      const body = github.comments.find((c) => c.issue === PR)!.body;
      expect(body).not.toContain('PWNED');
      // Outside code spans, nothing of it is markup: no tag, no link, no mention.
      const outsideCode = body.replace(/(`+)[^`]*?\1/g, '');
      expect(outsideCode).not.toMatch(/<img|\]\(https|@octo-org/);
      expect(body).toContain('smoke test ❌ failed: &#60;img src=x onerror=alert&#40;1&#41;&#62;');
      expect(body).toContain('**GO006** Final stage runs as root');
    });

    it('refuses a markup image name, garbage and an oversized file, naming comment-from, and posts nothing', async () => {
      const writes = github.requests.filter((r) => r.method !== 'GET').length;
      writeFileSync(join(ws, 'garbage.json'), '<html>502 Bad Gateway</html>');
      writeFileSync(join(ws, 'huge.json'), `{"schema":1,"body":"${'x'.repeat(5 * 1024 * 1024)}"}`);
      const cases: [string, RegExp][] = [
        [variant('image.json', ['image', 'x <img src=x>']), /image is not an image reference/],
        ['garbage.json', /'garbage.json' is not a report of this action: it is not JSON/],
        ['huge.json', /'huge.json' is larger than 4194304 bytes/],
        ['missing.json', /file 'missing.json' does not exist/],
        ['../outside.json', /is outside the workspace/],
      ];
      for (const [path, message] of cases) {
        const run = await commentFrom(path);
        expect(run.main.exitCode, path).toBe(1);
        const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
        expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(new RegExp(`^Input 'comment-from': .*${message.source}`))]);
        expect(run.main.stdout + run.main.stderr).not.toMatch(/ at .*\.js:\d+/);
      }
      expect(github.requests.filter((r) => r.method !== 'GET')).toHaveLength(writes);
    });

    it('refuses comment-from when the event payload is not a workflow_run one', async () => {
      const run = await commentFrom('size-report/pull-request-report.json', prEvent(FORK));
      // A pull_request payload: no workflow_run.head_sha to check the report against.
      expect(run.main.exitCode).toBe(1);
      expect(run.main.stdout).toMatch(/Input 'comment-from': needs the workflow_run event .*payload lacks them/);
    });

    it('never prints the token', () => {
      for (const run of [fork, sameRepo403, posted, again]) {
        const printed = (run.main.stdout + run.main.stderr + run.summary).split('\n').filter((l) => !l.startsWith('::add-mask::'));
        expect(printed.join('\n')).not.toContain(TOKEN);
      }
    });
  });
});

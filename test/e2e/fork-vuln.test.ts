/**
 * A fork's pull request with known vulnerabilities, end to end: the fork's run (read-only token)
 * writes a report whose vulnerability section the workflow_run job's comment-from comment shows
 * as the run's own summary did, ❌ and all; markup written into a vulnerability field of the
 * report is refused and never reaches a comment.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullRequestReport } from '../../src/report/pr-report.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { FakeGitHub } from '../support/fake-github.js';
import { editedJson } from '../support/json-edit.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { tempDir } from '../support/temp.js';
import { startVulnDb, type VulnDbServer } from '../support/vuln-db.js';
import { copyApp } from '../support/workspace.js';

const TOKEN = 'ghs_fork_vuln_e2e_token_0123456789abcd';
const PR = 52;
const HEAD = 'c0ffee00'.repeat(5);
const FORK = 'forker/vulnapp';
const REPO = 'octo-org/vulnapp';

const prEvent = {
  number: PR,
  pull_request: {
    number: PR,
    head: { ref: 'feature/deps', sha: HEAD, repo: { full_name: FORK } },
    base: { ref: 'main', repo: { full_name: REPO } },
  },
  repository: { full_name: REPO, default_branch: 'main' },
};

const workflowRunEvent = {
  action: 'completed',
  workflow_run: { id: 901, event: 'pull_request', head_sha: HEAD, head_repository: { full_name: FORK }, pull_requests: [] },
  repository: { full_name: REPO, default_branch: 'main' },
};

/** The fork's change: vulnmod bumped to v1.0.1 (fixes GCA-2026-0001) and its (*Decoder).Decode now called (GCA-2026-0003, no fix). */
function forkChange(dir: string): void {
  for (const file of ['go.mod', 'vendor/modules.txt'])
    writeFileSync(
      join(dir, file),
      readFileSync(join(dir, file), 'utf8').replace('example.com/vulnmod v1.0.0', 'example.com/vulnmod v1.0.1'),
    );
  writeFileSync(
    join(dir, 'decode.go'),
    'package main\n\nimport (\n\t"os"\n\n\t"example.com/vulnmod"\n)\n\nfunc decode() int {\n\td := &vulnmod.Decoder{}\n\treturn d.Decode(os.Args[0])\n}\n',
  );
}

/** The vulnerability section of a rendered report: from its headline to the next blank line after its tables. */
function vulnSection(markdown: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.includes('Known vulnerabilities:**'));
  if (start < 0) return '';
  let end = start + 1;
  while (end < lines.length && !/^(#|\*\*(?!.*Known vulnerabilities))/.test(lines[end]!) && !lines[end]!.startsWith('<!--')) end++;
  return lines.slice(start, end).join('\n').trim();
}

describe('a fork pull request with known vulnerabilities, then comment-from', () => {
  const base = copyApp('test/fixtures/vuln-app');
  const fork = copyApp('test/fixtures/vuln-app');
  const ws = tempDir('fork-vuln-ws');
  const github = new FakeGitHub({ token: TOKEN, readOnly: true, pulls: { [PR]: { headSha: HEAD, headRepository: FORK } } });
  let cache: CacheServer;
  let db: VulnDbServer;
  let forkRun: ActionRun;
  let report: PullRequestReport;

  const commentFrom = (name: string): Promise<ActionRun> =>
    runAction({
      workspace: ws,
      eventName: 'workflow_run',
      event: workflowRunEvent,
      ref: 'refs/heads/main',
      token: TOKEN,
      env: { GITHUB_API_URL: github.url, PATH: dirname(process.execPath), DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      inputs: { 'comment-from': name },
      timeoutMs: 60_000,
    });

  beforeAll(async () => {
    forkChange(fork.dir);
    cache = await startCacheServer();
    db = await startVulnDb();
    await github.start();
    const inputs = { platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}`, 'go-cache': 'false', 'vuln-db': db.url };
    const onMain = await runAction({
      workspace: base.dir,
      eventName: 'push',
      ref: 'refs/heads/main',
      sha: 'a0b1c2d3'.repeat(5),
      event: { repository: { full_name: REPO, default_branch: 'main' } },
      env: cache.env,
      inputs,
    });
    expect(onMain.main.exitCode, onMain.main.stdout).toBe(0);
    forkRun = await runAction({
      workspace: fork.dir,
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      event: prEvent,
      token: TOKEN,
      env: { ...cache.env, GITHUB_API_URL: github.url },
      inputs: { ...inputs, 'vuln-check': 'fail-new' },
      post: false,
    });
    const path = forkRun.main.outputs.report ?? '';
    if (existsSync(path)) {
      mkdirSync(join(ws, 'size-report'), { recursive: true });
      copyFileSync(path, join(ws, 'size-report', 'report.json'));
      report = JSON.parse(readFileSync(path, 'utf8')) as PullRequestReport;
    }
    github.options.readOnly = false;
  }, 900_000);

  afterAll(async () => {
    await github.stop();
    await cache.close();
    await db.close();
    for (const app of [base, fork]) app.remove();
  });

  it("the fork's run fails fail-new on the vulnerability it starts to call, comments nothing, and writes its report", () => {
    expect(forkRun.main.exitCode).toBe(1);
    expect(github.comments).toEqual([]);
    expect(report.size_report.vulnerabilities).toMatchObject({
      checked: true,
      compared: true,
      policy: 'fail-new',
      failing: ['GCA-2026-0003'],
    });
    const section = vulnSection(forkRun.summary);
    expect(section).toMatch(/^\*\*❌ Known vulnerabilities:\*\* called: 1 new, 1 fixed, \d+ still there/);
    expect(section).toContain('fails vuln-check: fail-new');
  });

  it("posts a comment whose vulnerability section is the fork run's own, with ❌ in its headline and links built from the IDs", async () => {
    const run = await commentFrom('size-report/report.json');
    expect(run.main.exitCode, run.main.stdout + run.main.stderr).toBe(0);
    const ours = github.comments.filter((c) => c.issue === PR);
    expect(ours).toHaveLength(1);
    const body = ours[0]!.body;
    expect(vulnSection(body)).toBe(vulnSection(forkRun.summary));
    expect(body).toMatch(/^### ❌ Image size/m);
    expect(body).toMatch(/\*\*Why:\*\* ❌ known vulnerability called \(GCA-2026-0003\)/);
    expect(body).toContain('| ❌ 🆕 new | [GCA-2026-0003](https://pkg.go.dev/vuln/GCA-2026-0003) |');
    expect(body).toContain('| ✅ fixed | [GCA-2026-0001](https://pkg.go.dev/vuln/GCA-2026-0001) |');
  });

  it('refuses markup written into a vulnerability field, and no comment carries it', async () => {
    const before = github.comments.map((c) => c.body);
    const hostile: [string, string, unknown, RegExp][] = [
      [
        'id',
        'size_report.vulnerabilities.findings.0.id',
        '[GO-2025-1](https://evil.example)',
        /findings\[0\]\.id is not a vulnerability ID/,
      ],
      ['symbol', 'size_report.vulnerabilities.findings.0.symbols', ['x.Y</details><img src=x>'], /symbols\[0\] is not a package symbol/],
      ['module', 'size_report.vulnerabilities.findings.0.module', 'example.com/<b>pwned</b>', /module is not a module path/],
    ];
    for (const [name, path, value, reason] of hostile) {
      writeFileSync(join(ws, `${name}.json`), editedJson(report, [path, value]));
      const run = await commentFrom(`${name}.json`);
      expect(run.main.exitCode, name).toBe(1);
      const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
      expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(reason)]);
    }
    expect(github.comments.map((c) => c.body)).toEqual(before);
    for (const body of github.comments.map((c) => c.body)) expect(body).not.toMatch(/evil\.example|<img|pwned/);
  });
});

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheService } from '../../src/actions-cache/service.js';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { imageName, measureBuild } from '../../src/size/stage.js';
import { sizeReportStage, type SizeStageInput } from '../../src/report/stage.js';
import { parsePullRequestReport } from '../../src/report/pr-report-parse.js';
import { parseSizeInputs } from '../../src/size/inputs.js';
import { parseMetadata } from '../../src/buildx/metadata.js';
import type { BuildPlan } from '../../src/buildx/plan.js';
import type { RunContext } from '../../src/context.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { TerminalReporter } from '../../src/cli-reporter.js';
import type { CommentApi, IssueComment } from '../../src/github/comment.js';
import type { SizeReport } from '../../src/size/report.js';
import { fakeGoBinary, writeOciLayout } from '../support/size-fixtures.js';
import { tempDir } from '../support/temp.js';
import { testPlan } from '../support/samples.js';

const layout = writeOciLayout([
  {
    os: 'linux',
    architecture: 'amd64',
    files: [[{ name: 'hello', content: fakeGoBinary(400_000) }], [{ name: 'data.bin', content: Buffer.alloc(10_000, 7) }]],
  },
  { os: 'linux', architecture: 'arm64', files: [[{ name: 'hello', content: fakeGoBinary(300_000) }]] },
]);
afterAll(() => rmSync(layout.dir, { recursive: true, force: true }));

const plan: BuildPlan = testPlan({
  context: '/ws',
  file: '/ws/Dockerfile',
  platforms: ['linux/amd64', 'linux/arm64'],
  metadataFile: '/nonexistent/metadata.json',
  iidFile: '/nonexistent/iid.txt',
  ociLayoutDir: layout.dir,
});

function ctx(over: Partial<RunContext> = {}): RunContext {
  return {
    eventName: 'pull_request',
    ref: 'refs/pull/9/merge',
    sha: 'c0ffee'.padEnd(40, '0'),
    repository: 'octo-org/hello',
    serverUrl: 'https://github.com',
    apiUrl: 'http://127.0.0.1:9',
    runId: '1',
    runAttempt: '1',
    workspace: '/ws',
    tempDir: '/tmp',
    pullRequest: { number: 9, headRef: 'f', headSha: '', baseRef: 'main', fromFork: false },
    payload: {},
    cacheStream: true,
    deadlineScale: 1,
    ...over,
  };
}

class Api implements CommentApi {
  store: IssueComment[] = [];
  calls: string[] = [];
  constructor(
    private readonly fault?: { status: number },
    private readonly pulls: number[] = [],
  ) {}
  async identity(): Promise<string> {
    this.calls.push('identity');
    return 'github-actions[bot]';
  }
  async *comments(issue: number): AsyncIterable<IssueComment[]> {
    this.calls.push(`list ${issue}`);
    yield this.store;
  }
  async create(issue: number, body: string): Promise<IssueComment> {
    this.calls.push(`create ${issue}`);
    if (this.fault) throw Object.assign(new Error(`HTTP ${this.fault.status}`), this.fault);
    const c = { id: 1, body, author: 'github-actions[bot]', url: `https://github.com/octo-org/hello/pull/${issue}#issuecomment-1` };
    this.store.push(c);
    return c;
  }
  async remove(id: number): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.store = this.store.filter((c) => c.id !== id);
  }
  async update(id: number, body: string): Promise<IssueComment> {
    this.calls.push(`update ${id}`);
    const c = this.store.find((x) => x.id === id)!;
    c.body = body;
    return c;
  }
  async pullRequest(): Promise<undefined> {
    return undefined;
  }
  async pullsForCommit(sha: string): Promise<number[]> {
    this.calls.push(`pulls ${sha.slice(0, 6)}`);
    return this.pulls;
  }
}

/** The measurement, then the report, as the pipeline runs them. */
async function stage(sizeRaw: Record<string, string>, over: Partial<SizeStageInput> = {}, reporter = new RecordingReporter()) {
  const input: SizeStageInput = {
    size: parseSizeInputs((n) => sizeRaw[n] ?? '', plan.platforms),
    plan,
    ctx: ctx(),
    version: '1.2.3',
    githubToken: 'token',
    extras: { version: '1.2.3', smoke: { status: 'passed' } },
    ...over,
  };
  const measurement = await measureBuild(
    { plan: input.plan, build: { ok: true, metadata: parseMetadata(''), log: '' }, ctx: input.ctx },
    reporter,
  );
  const result = await sizeReportStage(input, measurement, reporter);
  // The stage hands back its outputs and summary section; only the pipeline writes them.
  if (reporter instanceof RecordingReporter) {
    expect(reporter.outputs).toEqual({});
    expect(reporter.summary).toEqual([]);
  }
  const outputs = result.outputs;
  return {
    result,
    outputs,
    summary: result.summary ?? '',
    reporter,
    report: JSON.parse(outputs['size-report'] ?? 'null') as SizeReport | null,
  };
}

describe('measureBuild and sizeReportStage on an OCI layout', () => {
  it('measures every platform, finds the Go binaries, sets the outputs and comments on the pull request', async () => {
    const api = new Api();
    const { result, outputs, summary, report } = await stage({ baseline: 'none' }, { commentApi: api });
    expect(result.failures).toEqual([]);
    expect(outputs['budget-status']).toBe('pass');
    expect(report!.platforms.map((p) => [p.platform, p.compressedBytes])).toEqual([
      ['linux/amd64', layout.layerSizes['linux/amd64']![0]! + layout.layerSizes['linux/amd64']![1]!],
      ['linux/arm64', layout.layerSizes['linux/arm64']![0]!],
    ]);
    expect(report!.platforms[0]!.go).toMatchObject({ path: '/hello', goVersion: 'go1.24.4', mainModule: 'example.com/hello' });
    expect(report!.baseline).toBeNull();
    expect(report!.baselineNote).toBe('baseline: none');
    expect(outputs['comment-url']).toBe('https://github.com/octo-org/hello/pull/9#issuecomment-1');
    expect(api.calls).toEqual(['identity', 'list 9', 'create 9', 'list 9']);
    expect(summary).toContain('| `linux/amd64` | — |');
    expect(summary).toContain('smoke test ✅ passed');
    expect(imageName(plan, '/ws')).toBe('Dockerfile');
  });

  it.each([
    ['fail', 'fail', 1],
    ['warn', 'warn', 0],
  ])('over the absolute budget with mode %s: status %s', async (mode, status, failures) => {
    const { result, outputs, reporter, summary } = await stage({
      baseline: 'none',
      'size-budget': 'linux/arm64=1KB',
      'size-budget-mode': mode,
      comment: 'never',
    });
    expect(outputs['budget-status']).toBe(status);
    expect(result.failures).toHaveLength(failures);
    if (failures)
      expect(result.failures[0]).toMatch(/^Image size over budget:\n- linux\/arm64: [\d.]+ KB is [\d.]+ K?B over the size budget of 1KB$/);
    else
      expect(reporter.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
        expect.stringMatching(/^Over size budget: linux\/arm64: /),
      ]);
    // Outputs and summary are written either way.
    expect(outputs['size-report']).toBeTruthy();
    expect(summary).toContain('Over budget');
  });

  it('skips the comment on a fork PR with a notice, and the budget still decides', async () => {
    const api = new Api();
    const { result, outputs, reporter } = await stage(
      { baseline: 'none', 'size-budget': '1KB' },
      { commentApi: api, ctx: ctx({ pullRequest: { number: 9, headRef: 'f', headSha: 'x', baseRef: 'main', fromFork: true } }) },
    );
    expect(api.calls).toEqual([]);
    expect(outputs['comment-url']).toBe('');
    expect(reporter.annotations).toContainEqual({
      level: 'notice',
      message: expect.stringMatching(/comes from a fork, whose token cannot write comments\. .*`comment-from`/),
      props: undefined,
    });
    expect(result.failures).toHaveLength(1);
  });

  it('writes the report file of a pull request (the comment it posted as body), none for a push or one part of a merge', async () => {
    const dir = tempDir('pr-report');
    const api = new Api();
    const { outputs } = await stage({ baseline: 'none' }, { commentApi: api, reportDir: dir });
    expect(outputs.report).toBe(join(dir, 'pull-request-report.json'));
    const parsed = parsePullRequestReport(readFileSync(outputs.report!, 'utf8'));
    if ('invalid' in parsed) throw new Error(parsed.invalid);
    expect(parsed).toMatchObject({ pull_request: 9, repository: 'octo-org/hello', image: 'Dockerfile', version: '1.2.3' });
    // The payload's head sha when it has one; this one has none that is a sha, so GITHUB_SHA.
    expect(parsed.head_sha).toBe('c0ffee'.padEnd(40, '0'));
    expect(parsed.body).toBe(api.store[0]!.body);
    expect(parsed.size_report).toEqual(JSON.parse(outputs['size-report']!));
    const push = await stage(
      { baseline: 'none' },
      { commentApi: api, reportDir: dir, ctx: ctx({ pullRequest: undefined, eventName: 'push' }) },
    );
    expect(push.outputs.report).toBe('');
    const part = await stage({ baseline: 'none' }, { commentApi: api, reportDir: dir, partOfMerge: true });
    expect(part.outputs.report).toBe('');
  });

  it.each([
    [403, 'notice', /may not write comments on this pull request \(HTTP 403\)/],
    [404, 'notice', /HTTP 404/],
    [500, 'warning', /Could not write the size comment: HTTP 500/],
  ])('a comment refused with HTTP %i is a %s, not a failure', async (status, level, message) => {
    const { result, outputs, reporter } = await stage({ baseline: 'none' }, { commentApi: new Api({ status }) });
    expect(result.failures).toEqual([]);
    expect(outputs['comment-url']).toBe('');
    expect(reporter.annotations.filter((a) => a.level === level).map((a) => a.message)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['auto', [7], []],
    ['never', [7], []],
    ['always', [7], ['identity', 'list 7', 'create 7', 'list 7']],
    ['always', [], []],
  ] as const)('on a push, comment %s with open PRs %j', async (mode, pulls, calls) => {
    const api = new Api(undefined, [...pulls]);
    const { reporter } = await stage(
      { baseline: 'none', comment: mode },
      { commentApi: api, ctx: ctx({ eventName: 'push', ref: 'refs/heads/feat', pullRequest: undefined }) },
    );
    expect(api.calls.filter((c) => !c.startsWith('pulls'))).toEqual(calls);
    if (mode === 'always' && pulls.length === 0)
      expect(reporter.annotations.map((a) => a.message)).toContainEqual(expect.stringMatching(/No open pull request has commit c0ffee/));
  });

  it('baseline auto: a push to the default branch saves the report, a pull request restores the newest of its base', async () => {
    const workspace = tempDir('size-ws');
    const stored = new Map<string, string>();
    const calls: string[] = [];
    const cacheService: CacheService = {
      available: () => true,
      restore: async (paths, primary, restoreKeys) => {
        calls.push(`restore ${primary === restoreKeys[0] ? 'by prefix' : primary}`);
        const hit = [...stored.keys()].reverse().find((k) => k.startsWith(primary));
        if (!hit) return undefined;
        mkdirSync(join(workspace, '.go-container-action-size'), { recursive: true });
        writeFileSync(join(workspace, paths[0]!), stored.get(hit)!);
        return hit;
      },
      save: async (paths, key) => {
        calls.push('save');
        stored.set(key, readFileSync(join(workspace, paths[0]!), 'utf8'));
      },
      has: async (_paths, key) => {
        calls.push('has');
        return stored.has(key);
      },
    };
    try {
      const push = ctx({ eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main', pullRequest: undefined, workspace });
      const first = await stage({ comment: 'never' }, { ctx: push, cacheService });
      expect(first.report!.baseline).toBeNull();
      expect([...stored.keys()]).toEqual([expect.stringMatching(/-main-c0ffee0+$/)]);
      const second = await stage({ comment: 'never', 'size-budget-increase': '0B' }, { ctx: ctx({ workspace }), cacheService });
      expect(second.report!.baselineSource).toBe('cache');
      expect(second.report!.baseline).toBe(`${first.report!.image}@${first.report!.digest}`);
      expect(second.report!.platforms.map((p) => p.deltaBytes)).toEqual([0, 0]);
      expect(second.outputs['budget-status']).toBe('pass');
      expect(calls).toEqual(['restore by prefix', 'has', 'save', 'restore by prefix']);
      // A re-run of the same commit keeps the stored report and does not try to save it again.
      const rerun = await stage({ comment: 'never' }, { ctx: push, cacheService });
      expect(calls.slice(4)).toEqual(['restore by prefix', 'has']);
      expect(rerun.reporter.lines.join('\n')).toMatch(/for this commit is already saved .*: kept as it is/);
      expect(rerun.reporter.annotations).toEqual([]);
      // The report file is gone from the workspace.
      expect(readdirSync(workspace)).toEqual([]);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('without a cache service, baseline auto says so and carries on', async () => {
    const saved = { url: process.env.ACTIONS_RESULTS_URL, cacheUrl: process.env.ACTIONS_CACHE_URL };
    delete process.env.ACTIONS_RESULTS_URL;
    delete process.env.ACTIONS_CACHE_URL;
    try {
      const { result, report } = await stage({ comment: 'never', 'size-budget-increase': '1%' });
      expect(result.failures).toEqual([]);
      expect(report!.baseline).toBeNull();
      expect(report!.baselineNote).toBe('the Actions cache service is not available to this run');
    } finally {
      if (saved.url !== undefined) process.env.ACTIONS_RESULTS_URL = saved.url;
      if (saved.cacheUrl !== undefined) process.env.ACTIONS_CACHE_URL = saved.cacheUrl;
    }
  });

  it('with nothing to measure: a warning, or a failure when a budget needs the size', async () => {
    const gone = { ...plan, ociLayoutDir: '/nonexistent/layout' };
    const warned = await stage({ baseline: 'none', comment: 'never' }, { plan: gone });
    expect(warned.result.failures).toEqual([]);
    expect(warned.reporter.annotations[0]!.level).toBe('warning');
    expect(warned.outputs).toEqual({ 'budget-status': 'pass', 'comment-url': '' });
    expect(warned.result.summary).toBeUndefined();
    const failed = await stage({ baseline: 'none', comment: 'never', 'size-budget': '10MB' }, { plan: gone });
    expect(failed.result.failures).toEqual(['The built image cannot be measured: it was neither pushed nor written as an OCI layout.']);
    expect(failed.outputs).toEqual({ 'budget-status': 'fail', 'comment-url': '' });
    expect(failed.reporter.annotations).toEqual([]);
  });

  it("the CLI's terminal reporter prints the same table, as columns", async () => {
    const terminal = new TerminalReporter(new PassThrough(), false);
    const { summary } = await stage({ baseline: 'none', comment: 'never' }, {}, terminal as unknown as RecordingReporter);
    terminal.addSummary(summary);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    terminal.printReport(out);
    expect(text).toMatch(/^Platform +Before +After +Δ +Budget +Status$/m);
    expect(text).toMatch(/^linux\/amd64 +— +[\d.]+ KB +— +— +✅$/m);
    expect(text).not.toMatch(/\||`|<details>/);
  });
});

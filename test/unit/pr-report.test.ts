import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ActionError } from '../../src/errors.js';
import type { CommentApi, IssueComment, PullRequestHead } from '../../src/github/comment.js';
import { commentFromReport, readReportFile, reportMismatch, triggeringRun } from '../../src/report/comment-from.js';
import { MAX_REPORT_BYTES, parsePullRequestReport } from '../../src/report/pr-report-parse.js';
import { pullRequestReport, reportExtras, type PullRequestReport } from '../../src/report/pr-report.js';
import { commentMarker, renderComment } from '../../src/report/render.js';
import { parseBudget } from '../../src/size/budget.js';
import { buildReport, type Baseline } from '../../src/size/report.js';
import type { VulnCheck } from '../../src/vuln/policy.js';
import type { VulnFinding } from '../../src/vuln/scan.js';
import { vulnReport } from '../../src/vuln/stage.js';
import { inputErrorOf } from '../support/inputs.js';
import { editedJson } from '../support/json-edit.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { tempDir } from '../support/temp.js';

const HEAD = 'a1b2c3d4'.repeat(5);
const OTHER = 'f0e1d2c3'.repeat(5);
const digestOf = (c: string): string => `sha256:${c.repeat(64)}`;
const PLATFORMS = ['linux/amd64', 'linux/arm64'];

const baseline: Baseline = {
  label: 'main@0123456',
  source: 'cache',
  platforms: PLATFORMS.map((platform) => ({
    platform,
    compressedBytes: 5_000_000,
    uncompressedBytes: 12_000_000,
    layers: [{ digest: digestOf('1'), compressedBytes: 5_000_000, uncompressedBytes: 12_000_000, instruction: 'COPY /out/app /app' }],
    go: {
      path: '/app',
      sizeBytes: 11_000_000,
      goVersion: 'go1.24.4',
      package: 'example.com/app',
      mainModule: 'example.com/app',
      modules: [{ path: 'example.com/greeting', version: 'v1.0.0' }],
    },
  })),
};

function sample(): PullRequestReport {
  const report = buildReport({
    image: 'ghcr.io/octo-org/hello:pr-7',
    digest: digestOf('9'),
    version: 'pr-7',
    commit: HEAD,
    measured: {
      digest: digestOf('9'),
      platforms: PLATFORMS.map((platform, i) => ({
        platform,
        manifestDigest: digestOf(String(i + 2)),
        compressedBytes: 5_600_000,
        uncompressedBytes: 13_000_000,
        layers: [{ digest: digestOf('4'), compressedBytes: 5_600_000, uncompressedBytes: 13_000_000, instruction: 'COPY /out/app /app' }],
      })),
    },
    go: {},
    goSummaries: Object.fromEntries(
      PLATFORMS.map((p) => [p, { ...baseline.platforms[0]!.go!, modules: [{ path: 'example.com/greeting', version: 'v1.1.0' }] }]),
    ),
    baseline,
    budget: parseBudget('size-budget', '5MB', PLATFORMS, false),
    increase: parseBudget('size-budget-increase', '', PLATFORMS, true),
    mode: 'fail',
  });
  return pullRequestReport({
    pullRequest: 7,
    headSha: HEAD,
    repository: 'octo-org/hello',
    image: 'ghcr.io/octo-org/hello',
    report,
    baseline,
    extras: {
      version: 'pr-7',
      smoke: { status: 'passed' },
      findings: [{ id: 'GO006', title: 'Final stage runs as root', level: 'warning', file: 'Dockerfile', line: 9, message: 'add USER' }],
      platformCheck: { status: 'passed', problems: [] },
    },
  });
}

/** A copy of the sample with `patch` applied to its JSON. */
function patched(...edits: [string, unknown][]): string {
  return editedJson(sample(), ...edits);
}

describe('parsePullRequestReport', () => {
  it('gives back the report a run wrote, and renders the same comment from its data', () => {
    const written = sample();
    expect(written.size_report.status).toBe('fail');
    const parsed = parsePullRequestReport(JSON.stringify(written));
    if ('invalid' in parsed) throw new Error(parsed.invalid);
    expect(parsed.pull_request).toBe(7);
    expect(parsed.head_sha).toBe(HEAD);
    const again = renderComment(parsed.image, parsed.size_report, parsed.baseline, reportExtras(parsed));
    // The budget text and reasons are escaped (entities that read the same), the rest is as the run rendered it.
    const unescape = (t: string): string => t.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
    expect(unescape(again)).toBe(unescape(written.body));
    expect(again).toContain('changed: `example.com/greeting` `v1.0.0` → `v1.1.0`');
    expect(again).toContain('**GO006** Final stage runs as root');
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"schema": 1,', /it is not JSON/],
    ['a list', '[]', /the report is not an object/],
    ['another schema', patched(['schema', 2]), /schema is not 1/],
    ['a number as text', patched(['pull_request', '7']), /pull_request is not a pull request number/],
    ['pull request 0', patched(['pull_request', 0]), /pull_request is not/],
    ['a short sha', patched(['head_sha', 'abc123']), /head_sha is not a 40-hex commit sha/],
    ['a repository with a space', patched(['repository', 'octo org/hello']), /repository is not owner\/name/],
    ['an image name with markup', patched(['image', 'x<img src=x>']), /^image is not an image reference/],
    [
      'a shown image with markup',
      patched(['size_report.image', '[a](https://evil.example)']),
      /size_report.image is not an image reference/,
    ],
    ['no size report', patched(['size_report', undefined]), /size_report is not an object/],
    ['a bad status', patched(['size_report.status', 'great']), /size_report.status is not pass, warn, fail/],
    [
      'a platform with markup',
      patched(['size_report.platforms.0.platform', 'linux/<b>x</b>']),
      /platforms\[0\].platform is not a platform/,
    ],
    [
      '65 platforms',
      patched(['size_report.platforms', Array(65).fill(sample().size_report.platforms[0])]),
      /platforms is not a list of at most 64/,
    ],
    [
      'a layer without digest',
      patched(['size_report.platforms.1.layers.0.digest', 'x']),
      /platforms\[1\].layers\[0\].digest is not a sha256/,
    ],
    ['a negative size', patched(['size_report.platforms.0.compressedBytes', -1]), /compressedBytes is not a byte count/],
    ['an unknown check', patched(['findings.0.id', 'XSS1']), /findings\[0\].id is not a check of the catalog/],
    [
      'a long module path',
      patched(['baseline.platforms.0.go.modules.0.path', 'm'.repeat(501)]),
      /modules\[0\].path is not a string of at most 500/,
    ],
    ['a body over the comment limit', patched(['body', 'x'.repeat(65_537)]), /body is not a string of at most 65536/],
    ['a smoke status of its own', patched(['smoke.status', 'ok']), /smoke.status is not passed, failed, skipped/],
    ['too large', ' '.repeat(MAX_REPORT_BYTES + 1), /larger than/],
  ])('refuses %s', (_, raw, reason) => {
    const parsed = parsePullRequestReport(raw);
    expect('invalid' in parsed && parsed.invalid).toMatch(reason);
  });

  it('escapes what the renderer prints as it is, and takes a finding title from the catalog', () => {
    const parsed = parsePullRequestReport(
      patched(
        ['size_report.platforms.0.reasons', ['<img src=x onerror=alert(1)> [pwn](https://evil.example) @octo-org/admins']],
        ['size_report.platforms.0.budget', '<script>alert(1)</script>'],
        ['findings.0.title', '<a href="https://evil.example">click</a>'],
        ['body', '<!-- go-container-action:size image=x -->\n# pwned @everyone'],
      ),
    );
    if ('invalid' in parsed) throw new Error(parsed.invalid);
    const body = renderComment(parsed.image, parsed.size_report, parsed.baseline, reportExtras(parsed));
    expect(body).not.toMatch(/<img|<script|<a |\]\(|@octo-org|pwned/);
    expect(body).toContain('&#60;img src=x onerror=alert&#40;1&#41;&#62;');
    expect(body).toContain('Final stage runs as root');
  });
});

describe('triggeringRun and reportMismatch', () => {
  const run = { headSha: HEAD, headRepository: 'forker/hello' };
  const pull = (over: Partial<PullRequestHead> = {}): PullRequestHead => ({
    number: 7,
    headSha: HEAD,
    headRepository: 'forker/hello',
    ...over,
  });
  const report = { pull_request: 7, head_sha: HEAD, repository: 'octo-org/hello' };

  it('reads the workflow_run payload, and refuses any other event naming comment-from', () => {
    const payload = { workflow_run: { head_sha: HEAD, head_repository: { full_name: 'forker/hello' } } };
    expect(triggeringRun({ eventName: 'workflow_run', payload })).toEqual(run);
    expect(inputErrorOf(() => triggeringRun({ eventName: 'pull_request_target', payload })).message).toMatch(
      /^Input 'comment-from': needs the workflow_run event .* this run has the pull_request_target event/,
    );
    expect(inputErrorOf(() => triggeringRun({ eventName: 'workflow_run', payload: { workflow_run: {} } })).message).toMatch(
      /payload lacks them/,
    );
  });

  it.each<[string, Partial<typeof report>, PullRequestHead | undefined, RegExp | undefined]>([
    ['the same pull request', {}, pull(), undefined],
    [
      'another pull request number',
      { pull_request: 8 },
      pull({ number: 8, headSha: OTHER }),
      /^the report names pull request #8, whose head is f0e1d2c3f0e1, not a1b2c3d4a1b2/,
    ],
    [
      'a pull request that does not exist',
      { pull_request: 99 },
      undefined,
      /^the report names pull request #99, which octo-org\/hello does not have$/,
    ],
    ['another commit', { head_sha: OTHER }, pull(), /at commit f0e1d2c3f0e1, but the triggering workflow run built a1b2c3d4a1b2/],
    ['another repository', { repository: 'octo-org/other' }, pull(), /of octo-org\/other, but this workflow runs in octo-org\/hello/],
    ['a head from another fork', {}, pull({ headRepository: 'mallory/hello' }), /whose head is in mallory\/hello, not in forker\/hello/],
    ['a deleted head repository', {}, pull({ headRepository: null }), /whose head is in a deleted repository/],
  ])('%s', (_, over, answer, expected) => {
    const mismatch = reportMismatch({ ...report, ...over }, answer, run, 'octo-org/hello');
    if (expected) expect(mismatch).toMatch(expected);
    else expect(mismatch).toBeUndefined();
  });
});

describe('readReportFile', () => {
  const ws = tempDir('comment-from-ws');
  const outside = tempDir('comment-from-outside');
  afterAll(() => {
    rmSync(ws, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  writeFileSync(join(ws, 'report.json'), JSON.stringify(sample()));
  writeFileSync(join(ws, 'garbage.json'), '<html>not a report');
  writeFileSync(join(ws, 'big.json'), 'x'.repeat(2_000));
  mkdirSync(join(ws, 'dir'));
  writeFileSync(join(outside, 'report.json'), JSON.stringify(sample()));
  symlinkSync(join(outside, 'report.json'), join(ws, 'link.json'));

  it('reads a report inside the workspace', () => {
    expect(readReportFile('report.json', ws).pull_request).toBe(7);
  });

  it.each<[string, RegExp, number?]>([
    ['../x/report.json', /is outside the workspace/],
    ['/etc/passwd', /is outside the workspace/],
    ['link.json', /leads \(through a symbolic link\) outside the workspace/],
    ['missing.json', /file 'missing.json' does not exist/],
    ['dir', /'dir' is not a file/],
    ['garbage.json', /'garbage.json' is not a report of this action: it is not JSON\. Nothing was posted\./],
    ['big.json', /'big.json' is larger than 1000 bytes/, 1_000],
  ])('refuses %s with an InputError naming comment-from', (raw, message, max) => {
    const error = inputErrorOf(() => readReportFile(raw, ws, max));
    expect(error.input).toBe('comment-from');
    expect(error.message).toMatch(message);
  });
});

/** An in-memory API: one pull request, comments kept in order. */
class MemoryApi implements CommentApi {
  readonly store: IssueComment[] = [];
  readonly calls: string[] = [];
  constructor(private readonly pulls: Record<number, PullRequestHead>) {}
  async identity(): Promise<string> {
    return 'github-actions[bot]';
  }
  async *comments(issue: number): AsyncIterable<IssueComment[]> {
    this.calls.push(`list ${issue}`);
    yield this.store;
  }
  async create(issue: number, body: string): Promise<IssueComment> {
    this.calls.push(`create ${issue}`);
    const c = {
      id: this.store.length + 1,
      body,
      author: 'github-actions[bot]',
      url: `https://github.com/o/r/pull/${issue}#issuecomment-1`,
    };
    this.store.push(c);
    return c;
  }
  async update(id: number, body: string): Promise<IssueComment> {
    this.calls.push(`update ${id}`);
    const c = this.store.find((x) => x.id === id)!;
    c.body = body;
    return c;
  }
  async remove(): Promise<void> {}
  async pullsForCommit(): Promise<number[]> {
    return [];
  }
  async pullRequest(n: number): Promise<PullRequestHead | undefined> {
    this.calls.push(`pull ${n}`);
    return this.pulls[n];
  }
}

describe('commentFromReport', () => {
  const ws = tempDir('comment-from-run');
  afterAll(() => rmSync(ws, { recursive: true, force: true }));
  const ctx = {
    eventName: 'workflow_run',
    payload: { workflow_run: { head_sha: HEAD, head_repository: { full_name: 'forker/hello' } } },
    repository: 'octo-org/hello',
    workspace: ws,
  };

  it('posts the comment rendered from the data, then updates the same one', async () => {
    writeFileSync(join(ws, 'r.json'), patched(['body', `${commentMarker('ghcr.io/octo-org/hello')}\n# pwned`]));
    const api = new MemoryApi({ 7: { number: 7, headSha: HEAD, headRepository: 'forker/hello' } });
    const deps = { reporter: new RecordingReporter(), ctx, github: () => api };
    const first = await commentFromReport('r.json', 'token', deps);
    const second = await commentFromReport('r.json', 'token', deps);
    expect(api.calls).toEqual(['pull 7', 'list 7', 'create 7', 'list 7', 'pull 7', 'list 7', 'update 1']);
    expect(api.store).toHaveLength(1);
    expect(api.store[0]!.body).toBe(sample().body);
    expect(api.store[0]!.body).not.toContain('pwned');
    expect(first.outputs['comment-url']).toContain('#issuecomment-1');
    expect(second.summary).toContain('The size comment on pull request #7 (updated');
  });

  it('refuses a report of another pull request, and posts nothing', async () => {
    writeFileSync(join(ws, 'other.json'), patched(['pull_request', 8]));
    const api = new MemoryApi({ 8: { number: 8, headSha: OTHER, headRepository: 'forker/hello' } });
    const error = await commentFromReport('other.json', 'token', { reporter: new RecordingReporter(), ctx, github: () => api }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(
      /^comment-from: the report names pull request #8, whose head is f0e1d2c3f0e1, .* Nothing was posted\.$/,
    );
    expect(api.calls).toEqual(['pull 8']);
  });

  it('asks for a token before reading anything', async () => {
    const error = await commentFromReport('r.json', '', { reporter: new RecordingReporter(), ctx, github: () => new MemoryApi({}) }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/^Input 'github-token': is empty/);
  });
});

describe('parsePullRequestReport: the vulnerability section', () => {
  const finding = (over: Partial<VulnFinding>): VulnFinding => ({
    id: 'GCA-2026-0001',
    aliases: ['CVE-2026-12345', 'GHSA-2222-3333-4444'],
    module: 'example.com/vulnmod',
    version: 'v1.0.0',
    fixed: 'v1.0.1',
    called: true,
    symbols: ['example.com/vulnmod.Decode', 'example.com/vulnmod.Reader.Read'],
    platforms: PLATFORMS,
    status: 'new',
    ...over,
  });
  const findings = [
    finding({}),
    finding({
      id: 'GO-2025-3849',
      aliases: [],
      module: 'stdlib',
      version: 'go1.24.4',
      fixed: 'go1.24.6',
      symbols: ['database/sql.Rows.Scan'],
      status: 'unchanged',
    }),
    finding({
      id: 'GCA-2026-0004',
      module: 'example.com/greeting',
      version: 'v1.0.0',
      fixed: 'v1.1.0',
      status: 'fixed',
      symbols: ['example.com/greeting.Hello'],
    }),
    finding({ id: 'GCA-2026-0003', fixed: null, called: false, symbols: [], platforms: ['linux/amd64'] }),
  ];
  /** The sample with a vulnerability report under `policy`, its body rendered as the run would. */
  function withVulns(policy: VulnCheck, compared = true): PullRequestReport {
    const report = sample();
    const scan = { checked: true as const, db: 'file:///db', findings: findings.filter((f) => f.status !== 'fixed'), bytes: 1, scanMs: 1 };
    const before = compared ? findings.filter((f) => f.status !== 'new').map((f) => ({ ...f, status: 'unchanged' as const })) : undefined;
    report.size_report.vulnerabilities = vulnReport(scan, before, policy);
    report.body = renderComment(report.image, report.size_report, report.baseline, reportExtras(report));
    return report;
  }
  const vulnPatched = (...edits: [string, unknown][]): string => editedJson(withVulns('fail-new'), ...edits);

  it.each<[VulnCheck, boolean]>([
    ['warn', true],
    ['fail-new', true],
    ['fail', true],
    ['fail-new', false],
  ])('gives back the section under %s (compared: %s), rendered the same, with its ❌ recomputed', (policy, compared) => {
    const written = withVulns(policy, compared);
    const parsed = parsePullRequestReport(JSON.stringify(written));
    if ('invalid' in parsed) throw new Error(parsed.invalid);
    expect(parsed.size_report.vulnerabilities).toEqual(written.size_report.vulnerabilities);
    const again = renderComment(parsed.image, parsed.size_report, parsed.baseline, reportExtras(parsed));
    const unescape = (t: string): string => t.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
    expect(unescape(again)).toBe(unescape(written.body));
    expect(again).toContain('[GCA-2026-0001](https://pkg.go.dev/vuln/GCA-2026-0001)');
    expect(again.split('\n')[1]!.startsWith('### ❌')).toBe(true); // over the size budget in every case
    expect(again.includes('fails vuln-check')).toBe(policy !== 'warn');
  });

  it('recomputes the failing IDs from the findings, whatever the file says', () => {
    const claimed = editedJson(withVulns('warn'), ['size_report.vulnerabilities.failing', []]);
    const parsed = parsePullRequestReport(editedJson(JSON.parse(claimed) as unknown, ['size_report.vulnerabilities.policy', 'fail']));
    if ('invalid' in parsed) throw new Error(parsed.invalid);
    expect(parsed.size_report.vulnerabilities!.failing).toEqual(['GCA-2026-0001', 'GO-2025-3849']);
    const hidden = parsePullRequestReport(vulnPatched(['size_report.vulnerabilities.failing', ['<b>x</b>', 'GO-2025-3849']]));
    if ('invalid' in hidden) throw new Error(hidden.invalid);
    expect(hidden.size_report.vulnerabilities!.failing).toEqual(['GCA-2026-0001']);
  });

  it('keeps a scan that was not checked, with its reason escaped when rendered', () => {
    const parsed = parsePullRequestReport(
      vulnPatched([
        'size_report.vulnerabilities',
        {
          checked: false,
          note: 'db down <img src=x> [x](https://evil.example)',
          policy: 'warn',
          compared: false,
          findings: [],
          failing: ['GO-2025-3849'],
        },
      ]),
    );
    if ('invalid' in parsed) throw new Error(parsed.invalid);
    expect(parsed.size_report.vulnerabilities).toMatchObject({ checked: false, failing: [], findings: [] });
    const body = renderComment(parsed.image, parsed.size_report, parsed.baseline, reportExtras(parsed));
    expect(body).toContain('Known vulnerabilities:** not checked');
    expect(body).not.toMatch(/<img|\]\(https:\/\/evil/);
  });

  const at = 'size_report.vulnerabilities';
  it.each<[string, [string, unknown], RegExp]>([
    ['an ID with markup', [`${at}.findings.0.id`, 'GO-2025-1<img>'], /findings\[0\].id is not a vulnerability ID/],
    ['an ID that is a link', [`${at}.findings.0.id`, '[GO-2025-1](https://evil.example)'], /findings\[0\].id is not a vulnerability ID/],
    ['a URL as ID', [`${at}.findings.0.id`, 'https://evil.example/x'], /is not a vulnerability ID/],
    ['an alias with markup', [`${at}.findings.0.aliases`, ['CVE-2026-1 @admins']], /aliases\[0\] is not a vulnerability ID/],
    ['17 aliases', [`${at}.findings.0.aliases`, Array(17).fill('CVE-2026-1')], /aliases is not a list of at most 16/],
    ['a module with a space', [`${at}.findings.0.module`, 'example.com/a b'], /findings\[0\].module is not a module path/],
    ['a module with markup', [`${at}.findings.0.module`, 'example.com/<b>'], /module is not a module path/],
    ['a long module path', [`${at}.findings.0.module`, `example.com/${'m'.repeat(300)}`], /module is not a module path/],
    ['a version that is text', [`${at}.findings.0.version`, 'latest and greatest'], /version is not a module or Go version/],
    ['a fixed version with a backtick', [`${at}.findings.0.fixed`, 'v1.0.1`'], /fixed is not a module or Go version/],
    ['a symbol with markup', [`${at}.findings.0.symbols`, ['pkg.F</details>']], /symbols\[0\] is not a package symbol/],
    ['201 symbols', [`${at}.findings.0.symbols`, Array(201).fill('pkg.F')], /symbols is not a list of at most 200/],
    ['a platform with markup', [`${at}.findings.0.platforms`, ['linux/<b>']], /platforms\[0\] is not a platform/],
    ['a status of its own', [`${at}.findings.0.status`, 'patched'], /status is not new, fixed, unchanged/],
    ['called as text', [`${at}.findings.0.called`, 'yes'], /called is not true or false/],
    ['a policy of its own', [`${at}.policy`, 'off'], /policy is not warn, fail-new, fail/],
    ['too many findings', [`${at}.findings`, Array(2_001).fill(findings[0])], /findings is not a list of at most 2000/],
    ['a long note', [`${at}`, { checked: false, note: 'x'.repeat(301), policy: 'warn' }], /note is not a string of at most 300/],
  ])('refuses %s', (_, edit, reason) => {
    const parsed = parsePullRequestReport(vulnPatched(edit));
    expect('invalid' in parsed && parsed.invalid).toMatch(reason);
  });
});

/** metadata-action's expressions, dates, labels, annotations and json, and where the repository comes from. The clock is frozen. */
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../src/context.js';
import type { CommentApi } from '../../src/github/comment.js';
import { formatDate } from '../../src/release/metadata/date-format.js';
import { repoInfoOf } from '../../src/release/metadata/labels.js';
import { metadataOutputs, payloadCommitDate, repositoryInfo, ruleRef, shortShaLength } from '../../src/release/metadata/stage.js';
import { isRawStatement, renderTemplate, TemplateError } from '../../src/release/metadata/template.js';
import { RecordingReporter } from '../support/recording-reporter.js';

const NOW = new Date('2020-01-10T00:30:00.000Z');

describe('renderTemplate', () => {
  const scope = { branch: () => 'dev', major: 1, prerelease: ['rc', 1], amp: 'a&b', date: (args: unknown[]) => `d(${String(args[0])})` };
  it.each<[string, string]>([
    ['plain', 'plain'],
    ['{{branch}}', 'dev'],
    ['{{ branch }}-{{major}}', 'dev-1'],
    ['{{prerelease}}', 'rc,1'],
    ['{{unknown}}', ''],
    ['{{amp}}', 'a&amp;b'],
    ['{{{amp}}}', 'a&b'],
    ["{{date 'YYYY'}}", 'd(YYYY)'],
    ['{{date "YYYY"}}', 'd(YYYY)'],
    ['{{date YYYY}}', 'd(undefined)'],
  ])('%s → %s', (template, expected) => {
    expect(renderTemplate(template, scope)).toBe(expected);
  });

  it.each<[string, string]>([
    ['{{branch', 'never closes'],
    ['{{#if x}}y{{/if}}', 'not supported'],
    ["{{nothing 'x'}}", 'Missing helper: "nothing"'],
  ])('%s is refused', (template, message) => {
    expect(() => renderTemplate(template, scope)).toThrow(TemplateError);
    expect(() => renderTemplate(template, scope)).toThrow(message);
  });

  it.each<[string, boolean]>([
    ['{{ raw }}.{{ version }}', false],
    ['{{ version }},{{raw }.', false],
    ['{{ raw }}', true],
    ['{{ raw}}', true],
    ['{{raw}}', true],
  ])('isRawStatement(%s) is %s', (pattern, expected) => {
    expect(isRawStatement(pattern)).toBe(expected);
  });
});

describe('formatDate (moment tokens, IANA zones)', () => {
  it.each<[string, string, string]>([
    ['YYYYMMDD', 'UTC', '20200110'],
    ['YYYYMMDD-HHmmss', 'Asia/Tokyo', '20200110-093000'],
    ['YYYY-MM-DDTHH:mm:ss.SSS[Z]', 'UTC', '2020-01-10T00:30:00.000Z'],
    ['dddd, MMMM Do YYYY, h:mm:ss a', 'UTC', 'Friday, January 10th 2020, 12:30:00 am'],
    ['YYYY-MM-DDTHH:mm:ssZ', 'UTC', '2020-01-10T00:30:00Z'],
    ['YYYY-MM-DDTHH:mm:ssZ', 'America/New_York', '2020-01-09T19:30:00-05:00'],
    ['ZZ [at] X', 'Asia/Kolkata', '+0530 at 1578616200'],
    ['DDDD Q E', 'UTC', '010 1 5'],
  ])('%s in %s', (format, tz, expected) => {
    expect(formatDate(NOW, format, tz)).toBe(expected);
  });

  it('an unknown zone is refused by name', () => {
    expect(() => formatDate(NOW, 'YYYY', 'Mars/Olympus')).toThrow("unknown time zone 'Mars/Olympus'");
  });
});

const repo = repoInfoOf({
  name: 'Hello-World',
  description: 'This your first repo!',
  html_url: 'https://github.com/octocat/Hello-World',
  license: { spdx_id: 'MIT' },
  default_branch: 'master',
})!;

describe('labels, annotations and json', () => {
  const run = {
    version: 'dev',
    created: NOW,
    sha: '860c1904a1ce19322e91ac35af1ab07466440c37',
    repo,
    tags: ['user/app:dev'],
    names: ['dev'],
  };
  const oci = [
    'org.opencontainers.image.created=2020-01-10T00:30:00.000Z',
    'org.opencontainers.image.description=This your first repo!',
    'org.opencontainers.image.licenses=MIT',
    'org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37',
    'org.opencontainers.image.source=https://github.com/octocat/Hello-World',
    'org.opencontainers.image.title=Hello-World',
    'org.opencontainers.image.url=https://github.com/octocat/Hello-World',
    'org.opencontainers.image.version=dev',
  ];

  it('the eight OCI labels, sorted; annotations at the manifest level by default', () => {
    const out = metadataOutputs(run, [], undefined);
    expect(out.labels.map((l) => `${l.key}=${l.value}`)).toEqual(oci);
    expect(out.annotations).toEqual(oci.map((l) => `manifest:${l}`));
    expect(JSON.parse(out.json)).toEqual({
      tags: ['user/app:dev'],
      'tag-names': ['dev'],
      labels: Object.fromEntries(oci.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
      annotations: oci.map((l) => `manifest:${l}`),
    });
  });

  it("the user's labels win and join the sorted list; annotations keep the OCI set, at each level", () => {
    const own = [
      { key: 'maintainer', value: 'CrazyMax' },
      { key: 'org.opencontainers.image.title', value: 'MyCustomTitle' },
      { key: 'org.opencontainers.image.vendor', value: 'MyCompany' },
    ];
    const out = metadataOutputs(run, own, 'manifest,index');
    const labels = out.labels.map((l) => `${l.key}=${l.value}`);
    expect(labels[0]).toBe('maintainer=CrazyMax');
    expect(labels).toContain('org.opencontainers.image.title=MyCustomTitle');
    expect(labels.at(-1)).toBe('org.opencontainers.image.version=dev');
    expect(labels).toContain('org.opencontainers.image.vendor=MyCompany');
    expect(out.annotations).toEqual([...oci.map((l) => `manifest:${l}`), ...oci.map((l) => `index:${l}`)]);
  });

  it('with rules, label values may use the expressions', () => {
    const meta = {
      eventName: 'push',
      ref: 'refs/heads/dev',
      sha: run.sha,
      payload: {},
      defaultBranch: 'master',
      now: NOW,
      commitDate: NOW,
      shortShaLength: 7,
    };
    const rules = { version: { main: 'dev', partial: [], latest: false, warnings: [] }, names: ['dev'], repo, meta };
    const out = metadataOutputs(
      { ...run, rules },
      [{ key: 'org.opencontainers.image.created', value: "{{commit_date 'YYYY-MM-DDTHH:mm:ss.SSS[Z]'}}" }],
      undefined,
    );
    expect(out.labels.find((l) => l.key === 'org.opencontainers.image.created')?.value).toBe('2020-01-10T00:30:00.000Z');
  });
});

describe('what the rules see of the run', () => {
  it('a pull_request_target run is its pull request; DOCKER_METADATA_PR_HEAD_SHA takes the head commit', () => {
    const payload = { number: 7, pull_request: { head: { sha: 'head1234' } } };
    expect(ruleRef({ eventName: 'pull_request_target', ref: 'refs/heads/main', sha: 'base', payload })).toEqual({
      ref: 'refs/pull/7/merge',
      sha: 'base',
    });
    expect(
      ruleRef({ eventName: 'pull_request', ref: 'refs/pull/7/merge', sha: 'merge', payload, metadataEnv: { prHeadSha: 'true' } }),
    ).toEqual({
      ref: 'refs/pull/7/merge',
      sha: 'head1234',
    });
  });

  it.each<[string | undefined, number | string]>([
    [undefined, 7],
    ['12', 12],
    ['40', 40],
    ['abc', 'DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: abc'],
    ['0', 'DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: 0'],
  ])('short sha length %s', (raw, expected) => {
    if (typeof expected === 'number') expect(shortShaLength(raw)).toBe(expected);
    else expect(() => shortShaLength(raw)).toThrow(expected);
  });

  it("the commit's date from a push payload (its commits, else its head commit), only for its own sha", () => {
    const payload = {
      commits: [{ id: 'a', timestamp: '2021-01-01T00:00:00Z' }],
      head_commit: { id: 'b', timestamp: '2022-02-02T00:00:00+01:00' },
    };
    expect(payloadCommitDate(payload, 'a')?.toISOString()).toBe('2021-01-01T00:00:00.000Z');
    expect(payloadCommitDate(payload, 'b')?.toISOString()).toBe('2022-02-01T23:00:00.000Z');
    expect(payloadCommitDate(payload, 'c')).toBeUndefined();
  });
});

describe('repositoryInfo', () => {
  const ctx = {
    repository: 'octo-org/hello',
    serverUrl: 'https://github.example',
    payload: {
      repository: {
        name: 'hello',
        description: 'from the payload',
        html_url: 'https://github.example/octo-org/hello',
        default_branch: 'trunk',
      },
    },
    defaultBranch: 'trunk',
  } as unknown as RunContext;
  const api = (repository: () => Promise<unknown>) => (): CommentApi => ({ repository }) as unknown as CommentApi;

  it('the API when the token may read the repository', async () => {
    const reporter = new RecordingReporter();
    const info = await repositoryInfo(
      ctx,
      't',
      api(async () => ({ name: 'hello', description: 'from the API', html_url: 'u', license: { spdx_id: 'MIT' } })),
      reporter,
    );
    expect(info).toMatchObject({ description: 'from the API', license: 'MIT' });
    expect(reporter.annotations).toEqual([]);
  });

  it('the payload, quietly, when the token may not (404)', async () => {
    const reporter = new RecordingReporter();
    const info = await repositoryInfo(
      ctx,
      't',
      api(() => Promise.reject(Object.assign(new Error('Not Found'), { status: 404 }))),
      reporter,
    );
    expect(info).toMatchObject({ description: 'from the payload', defaultBranch: 'trunk' });
    expect(reporter.annotations).toEqual([]);
    expect(reporter.lines.join('\n')).toContain('may not read the repository (HTTP 404)');
  });

  it('the payload with one warning when the API fails or answers nonsense', async () => {
    for (const answer of [() => Promise.reject(new Error('socket hang up')), async () => '<html>']) {
      const reporter = new RecordingReporter();
      expect(await repositoryInfo(ctx, 't', api(answer), reporter)).toMatchObject({ description: 'from the payload' });
      expect(reporter.annotations).toHaveLength(1);
    }
  });

  it("the run's own name when there is no token and no payload", async () => {
    const reporter = new RecordingReporter();
    const bare: RunContext = { ...ctx, payload: {} };
    expect(
      await repositoryInfo(
        bare,
        '',
        api(() => Promise.reject(new Error('not called'))),
        reporter,
      ),
    ).toEqual({
      name: 'hello',
      description: '',
      htmlUrl: 'https://github.example/octo-org/hello',
      license: '',
      defaultBranch: 'trunk',
    });
  });
});

/**
 * The tags docker/metadata-action gives for an event and a set of rules: its README's examples,
 * and cases of its own test fixtures (events captured on real runners), each as one row:
 * event, ref, rules, flavor → the tags (without repository). The clock is frozen.
 */
import { describe, expect, it } from 'vitest';
import { computeVersion, tagNames, type MetaContext } from '../../src/release/metadata/meta.js';
import { parseFlavor, parseRule } from '../../src/release/metadata/rules.js';

const NOW = new Date('2020-01-10T00:30:00.000Z');
const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';

interface Row {
  event: string;
  ref: string;
  rules: string[];
  flavor?: string[];
  payload?: Record<string, unknown>;
  sha?: string;
  shortShaLength?: number;
  commitDate?: Date;
  tags: string[];
}

function tagsFor(row: Row): string[] {
  const flavor = parseFlavor(row.flavor ?? []);
  const ctx: MetaContext = {
    eventName: row.event,
    ref: row.ref,
    sha: row.sha ?? SHA,
    payload: row.payload ?? { repository: { default_branch: 'master' } },
    defaultBranch: 'master',
    now: NOW,
    commitDate: row.commitDate ?? NOW,
    shortShaLength: row.shortShaLength ?? 7,
  };
  return tagNames(computeVersion(row.rules.map(parseRule), flavor, ctx), flavor);
}

const semverRules = [
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
];

describe("metadata-action's README: the Semver workflow", () => {
  it.each<[string, string, string[]]>([
    ['pull_request', 'refs/pull/2/merge', ['pr-2']],
    ['push', 'refs/heads/master', ['master']],
    ['push', 'refs/heads/releases/v1', ['releases-v1']],
    ['push', 'refs/tags/v1.2.3', ['1.2.3', '1.2', 'latest']],
    ['push', 'refs/tags/v2.0.8-beta.67', ['2.0.8-beta.67']],
  ])('%s %s → %j', (event, ref, tags) => {
    expect(tagsFor({ event, ref, rules: semverRules, tags })).toEqual(tags);
  });
});

describe("metadata-action's README: the rule types", () => {
  it.each<[string, Row]>([
    // type=schedule
    ['schedule: nightly by default', { event: 'schedule', ref: 'refs/heads/master', rules: ['type=schedule'], tags: ['nightly'] }],
    [
      'schedule: a date',
      { event: 'schedule', ref: 'refs/heads/master', rules: ["type=schedule,pattern={{date 'YYYYMMDD'}}"], tags: ['20200110'] },
    ],
    [
      'schedule: a date in a time zone',
      {
        event: 'schedule',
        ref: 'refs/heads/master',
        rules: ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}"],
        tags: ['20200110-093000'],
      },
    ],
    ['schedule: nothing on a push', { event: 'push', ref: 'refs/heads/master', rules: ['type=schedule'], tags: [] }],
    // type=semver
    ['semver {{raw}}', { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=semver,pattern={{raw}}'], tags: ['v1.2.3', 'latest'] }],
    [
      'semver {{version}}',
      { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=semver,pattern={{version}}'], tags: ['1.2.3', 'latest'] },
    ],
    [
      'semver {{major}}.{{minor}}',
      { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=semver,pattern={{major}}.{{minor}}'], tags: ['1.2', 'latest'] },
    ],
    ['semver v{{major}}', { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=semver,pattern=v{{major}}'], tags: ['v1', 'latest'] }],
    ['semver {{minor}}', { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=semver,pattern={{minor}}'], tags: ['2', 'latest'] }],
    ['semver {{patch}}', { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=semver,pattern={{patch}}'], tags: ['3', 'latest'] }],
    [
      'semver with match',
      {
        event: 'push',
        ref: 'refs/tags/p1/v1.2.3',
        rules: ['type=semver,pattern={{version}},match=v(\\d.\\d.\\d)$'],
        tags: ['1.2.3', 'latest'],
      },
    ],
    [
      'semver with a value of its own, on a branch',
      { event: 'push', ref: 'refs/heads/master', rules: ['type=semver,pattern={{version}},value=v1.0.0'], tags: ['1.0.0', 'latest'] },
    ],
    [
      'prerelease {{raw}} stays raw',
      { event: 'push', ref: 'refs/tags/v2.0.8-beta.67', rules: ['type=semver,pattern={{raw}}'], tags: ['v2.0.8-beta.67'] },
    ],
    [
      'prerelease {{version}}',
      { event: 'push', ref: 'refs/tags/v2.0.8-beta.67', rules: ['type=semver,pattern={{version}}'], tags: ['2.0.8-beta.67'] },
    ],
    [
      'prerelease {{major}} extends only {{version}}',
      { event: 'push', ref: 'refs/tags/v2.0.8-beta.67', rules: ['type=semver,pattern={{major}}'], tags: ['2.0.8-beta.67'] },
    ],
    [
      'prerelease {{major}}.{{minor}} extends only {{version}}',
      { event: 'push', ref: 'refs/tags/v2.0.8-beta.67', rules: ['type=semver,pattern={{major}}.{{minor}}'], tags: ['2.0.8-beta.67'] },
    ],
    ['semver: nothing on a branch', { event: 'push', ref: 'refs/heads/master', rules: ['type=semver,pattern={{version}}'], tags: [] }],
    [
      'semver: a tag that is no semver gives nothing',
      { event: 'push', ref: 'refs/tags/release1', rules: ['type=semver,pattern={{version}}'], tags: [] },
    ],
    // type=match
    ['match group 0', { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=match,pattern=\\d.\\d.\\d'], tags: ['1.2.3', 'latest'] }],
    [
      'match group 1',
      { event: 'push', ref: 'refs/tags/v2.0.8-beta.67', rules: ['type=match,pattern=v(.*),group=1'], tags: ['2.0.8-beta.67', 'latest'] },
    ],
    [
      'match a part',
      { event: 'push', ref: 'refs/tags/v2.0.8-beta.67', rules: ['type=match,pattern=v(\\d.\\d),group=1'], tags: ['2.0', 'latest'] },
    ],
    ['match digits', { event: 'push', ref: 'refs/tags/20200110-RC2', rules: ['type=match,pattern=\\d+'], tags: ['20200110', 'latest'] }],
    [
      'match a path',
      { event: 'push', ref: 'refs/tags/p1/v1.2.3', rules: ['type=match,pattern=p1/v(\\d.\\d.\\d),group=1'], tags: ['1.2.3', 'latest'] },
    ],
    [
      'match with a value',
      { event: 'push', ref: 'refs/heads/dev', rules: ['type=match,pattern=v(.*),group=1,value=v1.0.0'], tags: ['1.0.0', 'latest'] },
    ],
    // type=edge
    ['edge on the default branch', { event: 'push', ref: 'refs/heads/master', rules: ['type=edge'], tags: ['edge'] }],
    ['edge on another branch: nothing', { event: 'push', ref: 'refs/heads/dev', rules: ['type=edge'], tags: [] }],
    ['edge with its own branch', { event: 'push', ref: 'refs/heads/dev', rules: ['type=edge,branch=dev'], tags: ['edge'] }],
    // type=ref
    ['ref pr', { event: 'pull_request', ref: 'refs/pull/2/merge', rules: ['type=ref,event=pr'], tags: ['pr-2'] }],
    ['ref branch', { event: 'push', ref: 'refs/heads/master', rules: ['type=ref,event=branch'], tags: ['master'] }],
    ['ref branch sanitised', { event: 'push', ref: 'refs/heads/my/branch', rules: ['type=ref,event=branch'], tags: ['my-branch'] }],
    ['ref tag', { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=ref,event=tag'], tags: ['v1.2.3', 'latest'] }],
    [
      'ref tag of a prerelease still gets latest',
      { event: 'push', ref: 'refs/tags/v2.0.8-beta.67', rules: ['type=ref,event=tag'], tags: ['v2.0.8-beta.67', 'latest'] },
    ],
    [
      'ref branch on workflow_dispatch',
      { event: 'workflow_dispatch', ref: 'refs/heads/master', rules: ['type=ref,event=branch'], tags: ['master'] },
    ],
    // type=raw
    ['raw values', { event: 'push', ref: 'refs/heads/master', rules: ['type=raw,value=foo', 'type=raw,value=bar'], tags: ['foo', 'bar'] }],
    ['raw bare values', { event: 'push', ref: 'refs/heads/master', rules: ['type=raw,foo', 'type=raw,bar'], tags: ['foo', 'bar'] }],
    // type=sha
    ['sha short', { event: 'push', ref: 'refs/heads/master', rules: ['type=sha'], tags: ['sha-860c190'] }],
    ['sha long', { event: 'push', ref: 'refs/heads/master', rules: ['type=sha,format=long'], tags: [`sha-${SHA}`] }],
    [
      'sha of 12 (DOCKER_METADATA_SHORT_SHA_LENGTH)',
      { event: 'push', ref: 'refs/heads/master', rules: ['type=sha'], shortShaLength: 12, tags: ['sha-860c1904a1ce'] },
    ],
  ])('%s', (_name, row) => {
    expect(tagsFor(row)).toEqual(row.tags);
  });
});

describe("metadata-action's README: latest, priority, major version zero, global expressions", () => {
  it.each<[string, Row]>([
    [
      'latest on the default branch with {{is_default_branch}}',
      { event: 'push', ref: 'refs/heads/master', rules: ['type=raw,value=latest,enable={{is_default_branch}}'], tags: ['latest'] },
    ],
    [
      '{{is_default_branch}} is false on another branch',
      {
        event: 'push',
        ref: 'refs/heads/dev',
        rules: ['type=ref,event=branch', 'type=raw,value=latest,enable={{is_default_branch}}'],
        tags: ['dev'],
      },
    ],
    [
      '{{is_default_branch}} is false on a tag',
      {
        event: 'push',
        ref: 'refs/tags/v1.2.3',
        rules: ['type=ref,event=tag', 'type=raw,value=stable,enable={{is_default_branch}}'],
        tags: ['v1.2.3', 'latest'],
      },
    ],
    [
      'priority puts a raw tag first, and it decides latest (raw: none)',
      {
        event: 'push',
        ref: 'refs/tags/v1.2.3',
        rules: ['type=semver,pattern={{version}}', 'type=raw,value=first,priority=2000'],
        tags: ['first', '1.2.3'],
      },
    ],
    [
      'major version zero: the {{major}} rule disabled',
      {
        event: 'push',
        ref: 'refs/tags/v0.1.2',
        rules: ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}', 'type=semver,pattern={{major}},enable=false'],
        tags: ['0.1.2', '0.1', 'latest'],
      },
    ],
    [
      '{{branch}} as a prefix',
      { event: 'push', ref: 'refs/heads/master', rules: ['type=sha,prefix={{branch}}-'], tags: ['master-860c190'] },
    ],
    [
      '{{branch}} and {{sha}} in a value',
      { event: 'push', ref: 'refs/heads/my/branch', rules: ['type=raw,value=mytag-{{branch}}-{{sha}}'], tags: ['mytag-my-branch-860c190'] },
    ],
    [
      '{{branch}} is empty on a pull request',
      { event: 'pull_request', ref: 'refs/pull/2/merge', rules: ['type=raw,value=b-{{branch}}'], tags: ['b-'] },
    ],
    ['{{tag}}', { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=raw,value=t-{{tag}}'], tags: ['t-v1.2.3'] }],
    [
      '{{base_ref}} of a pull request',
      {
        event: 'pull_request',
        ref: 'refs/pull/2/merge',
        payload: { pull_request: { base: { ref: 'master' } } },
        rules: ['type=raw,value={{base_ref}}-pr'],
        tags: ['master-pr'],
      },
    ],
    [
      '{{base_ref}} of a tag push',
      {
        event: 'push',
        ref: 'refs/tags/v1.2.3',
        payload: { base_ref: 'refs/heads/master' },
        rules: ['type=raw,value={{base_ref}}'],
        tags: ['master'],
      },
    ],
    [
      "{{date 'dddd, MMMM Do YYYY, h:mm:ss a'}}: a field with commas is quoted (CSV), the result sanitised",
      {
        event: 'push',
        ref: 'refs/heads/master',
        rules: ['type=raw,"value={{date \'dddd, MMMM Do YYYY, h:mm:ss a\'}}"'],
        tags: ['Friday-January-10th-2020-12-30-00-am'],
      },
    ],
    [
      '{{commit_date}} in a zone',
      {
        event: 'push',
        ref: 'refs/heads/master',
        commitDate: new Date('2024-03-31T23:15:00Z'),
        rules: ["type=raw,value={{commit_date 'YYYYMMDD-HHmm' tz='Europe/Paris'}}"],
        tags: ['20240401-0115'],
      },
    ],
    [
      '{{date}} without quotes is the default format',
      { event: 'push', ref: 'refs/heads/master', rules: ['type=raw,value={{date YYYYMMDD}}'], tags: ['2020-01-10T00-30-00Z'] },
    ],
  ])('%s', (_name, row) => {
    expect(tagsFor(row)).toEqual(row.tags);
  });
});

describe('flavor', () => {
  it.each<[string, Row]>([
    [
      'latest=false drops latest',
      { event: 'push', ref: 'refs/tags/v1.2.3', rules: ['type=semver,pattern={{version}}'], flavor: ['latest=false'], tags: ['1.2.3'] },
    ],
    [
      'latest=true adds latest on a branch',
      { event: 'push', ref: 'refs/heads/dev', rules: ['type=ref,event=branch'], flavor: ['latest=true'], tags: ['dev', 'latest'] },
    ],
    [
      'prefix and suffix on every tag, not on latest',
      {
        event: 'push',
        ref: 'refs/tags/v1.2.3',
        rules: ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}'],
        flavor: ['prefix=app-', 'suffix=-alpine'],
        tags: ['app-1.2.3-alpine', 'app-1-alpine', 'latest'],
      },
    ],
    [
      'onlatest=true dresses latest too',
      {
        event: 'push',
        ref: 'refs/tags/v1.2.3',
        rules: ['type=semver,pattern={{version}}'],
        flavor: ['suffix=-alpine,onlatest=true'],
        tags: ['1.2.3-alpine', 'latest-alpine'],
      },
    ],
    [
      "a rule's own prefix replaces the flavor's (an empty one too)",
      {
        event: 'push',
        ref: 'refs/heads/master',
        rules: ['type=sha', 'type=raw,value=x,prefix='],
        flavor: ['prefix=f-'],
        tags: ['x', 'sha-860c190'],
      },
    ],
    [
      "a rule's own suffix replaces the flavor's",
      {
        event: 'push',
        ref: 'refs/heads/master',
        rules: ['type=ref,event=branch,suffix=-own'],
        flavor: ['suffix=-flavor'],
        tags: ['master-own'],
      },
    ],
    [
      'default branch push, suffix flavor, latest=false',
      {
        event: 'push',
        ref: 'refs/heads/master',
        rules: ['type=edge', 'type=sha', 'type=raw,value=latest,enable={{is_default_branch}}'],
        flavor: ['latest=false', 'suffix=-slim'],
        tags: ['edge-slim', 'latest-slim', 'sha-860c190-slim'],
      },
    ],
    [
      'a prerelease never gets latest under auto',
      {
        event: 'push',
        ref: 'refs/tags/v2.0.0-rc.1',
        rules: ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}'],
        tags: ['2.0.0-rc.1'],
      },
    ],
  ])('%s', (_name, row) => {
    expect(tagsFor(row)).toEqual(row.tags);
  });
});

// Cases of metadata-action's own test fixtures (__tests__/meta.test.ts), their rules and events.
describe("metadata-action's fixtures", () => {
  it.each<[string, Row]>([
    [
      'tag01-like: semver, major.minor, edge and sha on v1.1.1',
      {
        event: 'push',
        ref: 'refs/tags/v1.1.1',
        rules: ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}', 'type=edge', 'type=sha'],
        tags: ['1.1.1', '1.1', 'sha-860c190', 'latest'],
      },
    ],
    [
      'tag with match and prefix',
      { event: 'push', ref: 'refs/tags/v1.1.1', rules: ['type=match,pattern=\\d.\\d,prefix=v'], tags: ['v1.1', 'latest'] },
    ],
    [
      'a PEP-440-style tag is no semver: ref,event=tag only',
      {
        event: 'push',
        ref: 'refs/tags/1.2.3rc2',
        rules: ['type=semver,pattern={{version}}', 'type=ref,event=tag'],
        tags: ['1.2.3rc2', 'latest'],
      },
    ],
    [
      'push with invalid characters in the branch',
      { event: 'push', ref: 'refs/heads/#my-branch', rules: ['type=ref,event=branch', 'type=sha'], tags: ['-my-branch', 'sha-860c190'] },
    ],
    [
      'pull_request: pr and sha, no latest',
      {
        event: 'pull_request',
        ref: 'refs/pull/15/merge',
        rules: ['type=ref,event=pr', 'type=sha', 'type=ref,event=branch'],
        tags: ['pr-15', 'sha-860c190'],
      },
    ],
    [
      'schedule with a prefix from a date and raw',
      {
        event: 'schedule',
        ref: 'refs/heads/master',
        rules: ["type=schedule,pattern={{date 'YYYYMMDD'}}", 'type=raw,value=latest,enable={{is_default_branch}}'],
        tags: ['20200110', 'latest'],
      },
    ],
    [
      'duplicates kept once',
      {
        event: 'push',
        ref: 'refs/heads/master',
        rules: ['type=ref,event=branch', 'type=raw,value=master', 'type=raw,value=x', 'type=raw,value=x'],
        tags: ['master', 'x'],
      },
    ],
  ])('%s', (_name, row) => {
    expect(tagsFor(row)).toEqual(row.tags);
  });
});

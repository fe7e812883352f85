/**
 * The hand-off between per-platform jobs and the merge job: keys, the record read back from the
 * cache (untrusted: every field checked), the verdict on the platforms, the merged report, and
 * the index imagetools composes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  handoffImage,
  handoffKey,
  handoffKeys,
  parseHandoff,
  serializeHandoff,
  type HandoffScope,
  type PlatformHandoff,
} from '../../src/merge/handoff.js';
import { missingFailure, platformFailures } from '../../src/merge/gather.js';
import { composedIndex } from '../../src/docker/imagetools.js';
import { dryRunArgv } from '../../src/merge/index-create.js';
import { handoffRecords } from '../../src/merge/publish.js';
import { mergedPlatformCheck, mergedReport, mergedSmoke } from '../../src/merge/report.js';
import { renderHandoffSummary, renderMergeSummary } from '../../src/merge/summary.js';
import { parseBudget } from '../../src/size/budget.js';
import { RegistryGuards } from '../../src/oci/registry-client.js';
import type { Measurement } from '../../src/size/stage.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const scope: HandoffScope = { runId: '7001', runAttempt: '1', image: 'ghcr.io/org/app' };

function record(platform: string, over: Partial<PlatformHandoff> = {}): PlatformHandoff {
  const digest = platform.endsWith('amd64') ? d('a') : d('b');
  return {
    schema: 1,
    ...scope,
    platform,
    digest,
    pushed: true,
    repositories: ['ghcr.io/org/app'],
    version: '1.2.3',
    size: {
      platform,
      manifestDigest: digest,
      compressedBytes: 3000,
      uncompressedBytes: 9000,
      layers: [
        { digest: d('1'), compressedBytes: 1000, uncompressedBytes: 3000, instruction: 'FROM scratch' },
        { digest: d('2'), diffId: d('3'), compressedBytes: 2000, uncompressedBytes: null, instruction: null },
      ],
      go: {
        path: '/hello',
        sizeBytes: 5000,
        goVersion: 'go1.24.4',
        package: 'example.com/hello',
        mainModule: 'example.com/hello',
        modules: [{ path: 'example.com/greeting', version: 'v1.0.0', replacedBy: { path: '../g', version: '' } }],
      },
    },
    smoke: { status: 'passed' },
    platformCheck: { errors: [], warnings: [], unchecked: [] },
    failures: [],
    ...over,
  };
}

describe('hand-off keys', () => {
  it('scope the run, the attempt, the image and the platform; the merge job looks from this attempt back to the first', () => {
    const keys = handoffKeys({ ...scope, runAttempt: '3' }, 'linux/arm64');
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^go-container-action-merge-v1-7001-3-[0-9a-f]{12}-linux-arm64-[0-9a-f]{8}$/);
    expect(keys.map((k) => k.split('-')[6])).toEqual(['3', '2', '1']);
    expect(handoffKey(scope, 'linux/amd64')).not.toBe(handoffKey({ ...scope, image: 'ghcr.io/org/other' }, 'linux/amd64'));
    expect(handoffKey(scope, 'linux/amd64')).not.toBe(handoffKey({ ...scope, runId: '7002' }, 'linux/amd64'));
  });

  it.each<[string, HandoffScope, string, HandoffScope, string]>([
    ['linux/arm is no prefix of linux/arm64', scope, 'linux/arm', scope, 'linux/arm64'],
    ['attempt 1 is no prefix of attempt 10', scope, 'linux/amd64', { ...scope, runAttempt: '10' }, 'linux/amd64'],
    ['run 7 is no prefix of run 70', { ...scope, runId: '7' }, 'linux/amd64', { ...scope, runId: '70' }, 'linux/amd64'],
  ])('%s (a restore key matches by prefix)', (_, a, pa, b, pb) => {
    expect(handoffKey(b, pb).startsWith(handoffKey(a, pa))).toBe(false);
  });

  it('name the image by its repositories in any order, else by its stable name', () => {
    expect(handoffImage(['b.io/x', 'a.io/y'], 'Dockerfile')).toBe('a.io/y,b.io/x');
    expect(handoffImage([], 'Dockerfile#app')).toBe('Dockerfile#app');
  });
});

describe('a record read back from the cache', () => {
  it('reads back what was written, field for field', () => {
    const r = record('linux/amd64');
    expect(parseHandoff(serializeHandoff(r), scope, 'linux/amd64')).toEqual(r);
  });

  it('keeps only the fields it knows', () => {
    const raw = JSON.parse(serializeHandoff(record('linux/amd64'))) as Record<string, unknown>;
    raw.extra = '<script>';
    (raw.size as Record<string, unknown>).baselineCompressedBytes = 5;
    const parsed = parseHandoff(JSON.stringify(raw), scope, 'linux/amd64');
    expect(parsed).not.toHaveProperty('extra');
    expect((parsed as PlatformHandoff).size).not.toHaveProperty('baselineCompressedBytes');
  });

  const mutate = (change: (r: Record<string, unknown>) => void): string => {
    const raw = JSON.parse(serializeHandoff(record('linux/amd64'))) as Record<string, unknown>;
    change(raw);
    return JSON.stringify(raw);
  };
  const sizeOf = (r: Record<string, unknown>): Record<string, unknown> => r.size as Record<string, unknown>;
  it.each<[string, string, RegExp]>([
    ['not JSON', '{"schema":1', /it is not JSON/],
    ['not an object', '[1,2]', /the record is not an object/],
    ['another schema', mutate((r) => (r.schema = 2)), /its schema is not 1/],
    ['another run', mutate((r) => (r.runId = '7000')), /it is of another run/],
    ['another image', mutate((r) => (r.image = 'ghcr.io/evil/app')), /it is of another image/],
    ['another platform', mutate((r) => (r.platform = 'linux/arm64')), /it is of another platform/],
    ['an attempt that is no number', mutate((r) => (r.runAttempt = '1; rm -rf /')), /runAttempt is not a number/],
    ['a digest that is not sha256', mutate((r) => (r.digest = 'sha256:../../etc')), /digest is not a sha256 digest/],
    ['pushed without a digest', mutate((r) => ((r.digest = null), (r.size = null))), /it was pushed without a digest/],
    ['a repository with a tag', mutate((r) => (r.repositories = ['ghcr.io/org/app:latest'])), /repositories\[0\] is not a repository/],
    ['a failure that is not text', mutate((r) => (r.failures = [{ toString: 1 }])), /failures\[0\] is not a string/],
    ['a failure too long', mutate((r) => (r.failures = ['x'.repeat(5000)])), /failures\[0\] is not a string of at most 4000/],
    ['too many failures', mutate((r) => (r.failures = Array.from({ length: 65 }, () => 'f'))), /failures is not a list of at most 64/],
    ['a smoke status it does not know', mutate((r) => (r.smoke = { status: 'great' })), /smoke\.status is not passed, failed or skipped/],
    ['a negative size', mutate((r) => (sizeOf(r).compressedBytes = -1)), /size\.compressedBytes is not a byte count/],
    ['a size that is not a number', mutate((r) => (sizeOf(r).uncompressedBytes = '9000')), /size\.uncompressedBytes is not a byte count/],
    ['a size report of another manifest', mutate((r) => (sizeOf(r).manifestDigest = d('c'))), /its size report is of another manifest/],
    [
      'a size report of another platform',
      mutate((r) => (sizeOf(r).platform = 'linux/arm64')),
      /size\.platform is not the record's platform/,
    ],
    [
      'too many layers',
      mutate((r) => (sizeOf(r).layers = Array.from({ length: 513 }, () => ({})))),
      /size\.layers is not a list of at most 512/,
    ],
    [
      'a layer without a digest',
      mutate((r) => ((sizeOf(r).layers as Record<string, unknown>[])[0]!.digest = 7)),
      /layers\[0\]\.digest is not a sha256 digest/,
    ],
    [
      'a Go module without a version',
      mutate((r) => ((sizeOf(r).go as { modules: Record<string, unknown>[] }).modules[0]!.version = undefined)),
      /go\.modules\[0\]\.version is not a string/,
    ],
    [
      'a platform check that is no list',
      mutate((r) => (r.platformCheck = { errors: 'none', warnings: [], unchecked: [] })),
      /platformCheck\.errors is not a list/,
    ],
  ])('refuses %s', (_, raw, why) => {
    const parsed = parseHandoff(raw, scope, 'linux/amd64');
    expect(parsed).toHaveProperty('invalid');
    expect((parsed as { invalid: string }).invalid).toMatch(why);
  });
});

describe('the verdict on the platforms', () => {
  it.each<[string, PlatformHandoff[], boolean, RegExp[]]>([
    ['every platform passed and was pushed', [record('linux/amd64'), record('linux/arm64')], true, []],
    [
      'a smoke test failed in its job',
      [record('linux/amd64', { failures: ['Compose smoke test failed: exited 2'] }), record('linux/arm64')],
      true,
      [/^linux\/amd64 failed in its job \(push-by-digest, attempt 1\): Compose smoke test failed: exited 2$/],
    ],
    [
      'a platform check failed in its job',
      [record('linux/amd64'), record('linux/arm64', { failures: ['Platform check failed: GOARCH=amd64'] })],
      true,
      [/^linux\/arm64 failed in its job .*Platform check failed/],
    ],
    [
      'a platform not pushed, with push',
      [record('linux/amd64', { pushed: false }), record('linux/arm64')],
      true,
      [/^linux\/amd64 was not pushed by its job \(push is false there\)/],
    ],
    [
      'a platform not pushed to every repository',
      [record('linux/amd64'), record('linux/arm64', { repositories: [] })],
      true,
      [/^linux\/arm64 was not pushed to ghcr\.io\/org\/app by its job\.$/],
    ],
    [
      'platforms not pushed, without push (a pull request)',
      [record('linux/amd64', { pushed: false }), record('linux/arm64', { pushed: false })],
      false,
      [],
    ],
  ])('%s', (_, records, push, expected) => {
    const failures = platformFailures(records, push, ['ghcr.io/org/app']);
    expect(failures).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(failures[i]).toMatch(re));
  });

  it('names the missing platforms, why, the attempts looked at, and the job that must produce them', () => {
    const text = missingFailure([{ platform: 'linux/arm64', missing: 'no result in the cache' }], { ...scope, runAttempt: '2' });
    expect(text).toBe(
      'No result of linux/arm64 in run 7001 (attempts 2 to 1): linux/arm64 (no result in the cache). Each comes from a job of this run with push-by-digest: true and platforms: linux/arm64 (and the same tags or images), which this merge job must need (needs:) and which must have finished.',
    );
  });
});

describe('the merged report', () => {
  it("holds every platform as its job measured it, judged against the merge job's budgets", () => {
    const records = [
      record('linux/amd64'),
      record('linux/arm64', { size: { ...record('linux/arm64').size!, compressedBytes: 9_000_000 } }),
    ];
    const size = {
      budget: parseBudget('size-budget', '5MB', ['linux/amd64', 'linux/arm64'], false),
      increase: parseBudget('size-budget-increase', '', ['linux/amd64', 'linux/arm64'], true),
      mode: 'fail' as const,
    };
    const report = mergedReport({ image: 'ghcr.io/org/app:1.2.3', digest: d('f'), version: '1.2.3', size }, records, {
      baseline: null,
      note: 'no baseline',
    });
    expect(report.digest).toBe(d('f'));
    expect(report.platforms.map((p) => [p.platform, p.compressedBytes, p.status, p.go?.path])).toEqual([
      ['linux/amd64', 3000, 'pass', '/hello'],
      ['linux/arm64', 9_000_000, 'fail', '/hello'],
    ]);
    expect(report.platforms[0]!.layers).toEqual(records[0]!.size!.layers);
    expect(report.status).toBe('fail');
  });

  it.each<[string, PlatformHandoff['smoke'][], string]>([
    ['every platform passed', [{ status: 'passed' }, { status: 'passed' }], 'passed'],
    ['one failed', [{ status: 'passed' }, { status: 'failed', detail: 'exited 2' }], 'failed'],
    ['one ran, one could not (another runner platform)', [{ status: 'passed' }, { status: 'skipped' }], 'skipped'],
  ])('smoke test over the platforms: %s', (_, smokes, status) => {
    expect(mergedSmoke(smokes.map((smoke, i) => record(i ? 'linux/arm64' : 'linux/amd64', { smoke }))).status).toBe(status);
  });

  it('puts the platform checks together', () => {
    const check = mergedPlatformCheck([
      record('linux/amd64', { platformCheck: { errors: ['e'], warnings: [], unchecked: [] } }),
      record('linux/arm64', { platformCheck: { errors: [], warnings: ['w'], unchecked: [] } }),
    ]);
    expect(check).toEqual({ status: 'failed', errors: ['e'], warnings: ['w'], unchecked: [] });
  });
});

describe('the records a per-platform job hands off', () => {
  const measurement = (platforms: string[]): Measurement => ({
    name: 'ghcr.io/org/app',
    guards: new RegistryGuards(),
    image: {
      measured: {
        digest: d('9'),
        platforms: platforms.map((platform, i) => ({
          platform,
          manifestDigest: d(String(i + 4)),
          configDigest: d('0'),
          compressedBytes: 10,
          uncompressedBytes: 20,
          layers: [],
          entrypoint: [],
          workingDir: '/',
        })),
      },
      programs: {},
    },
  });
  const input = {
    scope,
    repositories: ['ghcr.io/org/app'],
    version: '1',
    pushed: true,
    smoke: { status: 'skipped' as const },
    failures: ['Image size over budget'],
  };

  it("one per platform, each with its manifest, its job's failures and its own platform check", () => {
    const records = handoffRecords({
      ...input,
      platforms: ['linux/amd64', 'linux/arm64'],
      measurement: measurement(['linux/amd64', 'linux/arm64']),
    });
    expect(records.map((r) => [r.platform, r.digest, r.pushed, r.failures])).toEqual([
      ['linux/amd64', d('4'), true, ['Image size over budget']],
      ['linux/arm64', d('5'), true, ['Image size over budget']],
    ]);
    expect(records[0]!.platformCheck.unchecked.join(' ')).toContain('linux/amd64');
    expect(records[0]!.platformCheck.unchecked.join(' ')).not.toContain('linux/arm64');
  });

  it('a platform the image does not hold, or a failed build: no digest, and a failure', () => {
    const [missing] = handoffRecords({ ...input, failures: [], platforms: ['linux/arm64'], measurement: measurement(['linux/amd64']) });
    expect(missing).toMatchObject({ digest: null, pushed: false, size: null });
    expect(missing!.failures).toEqual(['The built image holds no linux/arm64 manifest (it holds linux/amd64).']);
    const [failed] = handoffRecords({ ...input, failures: ['Build failed: exit 1'], platforms: ['linux/arm64'] });
    expect(failed).toMatchObject({ digest: null, pushed: false, size: null, failures: ['Build failed: exit 1'] });
  });
});

describe('the index', () => {
  const printed = (digests: string[]): string =>
    `${JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: digests.map((digest) => ({ digest })) }, null, 3)}\n`;

  it('is the bytes imagetools printed (without its newline), with their digest', () => {
    const stdout = printed([d('a'), d('b')]);
    const index = composedIndex(stdout, [d('a'), d('b')]);
    expect(index.body.toString()).toBe(stdout.slice(0, -1));
    expect(index.digest).toBe(`sha256:${createHash('sha256').update(stdout.slice(0, -1)).digest('hex')}`);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('must list exactly the platforms asked for', () => {
    expect(() => composedIndex(printed([d('a')]), [d('a'), d('b')])).toThrow(/composed an index of sha256:a+, not of/);
    expect(() => composedIndex('not json', [d('a')])).toThrow(/printed no index/);
  });

  it("is composed by imagetools from one repository's copies, pushing nothing", () => {
    expect(dryRunArgv('ghcr.io/org/app', [d('a'), d('b')], 'b1')).toEqual([
      'buildx',
      'imagetools',
      'create',
      '--builder',
      'b1',
      '--dry-run',
      `ghcr.io/org/app@${d('a')}`,
      `ghcr.io/org/app@${d('b')}`,
    ]);
  });
});

describe('the summaries', () => {
  it('escape what came back from the cache', () => {
    const hostile = record('linux/amd64', { failures: ['<img src=x> | @team `x`'] });
    for (const text of [
      renderHandoffSummary([hostile]),
      renderMergeSummary({
        records: [hostile],
        missing: [],
        tags: ['ghcr.io/org/app:1'],
        push: true,
        tagging: { applied: false, reason: 'not tagged: a per-platform job failed' },
      }),
    ]) {
      expect(text).not.toContain('<img');
      expect(text).not.toContain('@team');
      expect(text).toContain('❌');
    }
  });

  it('say whether the tags now name the index', () => {
    const records = [record('linux/amd64'), record('linux/arm64')];
    expect(
      renderMergeSummary({ records, missing: [], tags: ['ghcr.io/org/app:1'], push: true, digest: d('f'), tagging: { applied: true } }),
    ).toContain('`ghcr.io/org/app:1` ✅ now name the index');
    expect(renderMergeSummary({ records, missing: ['linux/s390x'], tags: [], push: false })).toContain('❌ No result of `linux/s390x`');
  });
});

describe("a record's known vulnerabilities", () => {
  const vulns = {
    checked: true,
    findings: [
      {
        id: 'GO-2026-0001',
        aliases: ['CVE-2026-1'],
        module: 'example.com/m',
        version: 'v1.0.0',
        fixed: 'v1.0.1',
        called: true,
        symbols: ['example.com/m.T.M'],
        platforms: ['linux/amd64'],
        status: 'new' as const,
      },
    ],
  };

  it("reads them back, each finding of the record's platform only", () => {
    const r = record('linux/amd64', { vulns });
    expect(parseHandoff(serializeHandoff(r), scope, 'linux/amd64')).toEqual(r);
    const other = JSON.parse(serializeHandoff(r)) as { vulns: { findings: { platforms: string[] }[] } };
    other.vulns.findings[0]!.platforms = ['linux/s390x'];
    const parsed = parseHandoff(JSON.stringify(other), scope, 'linux/amd64') as PlatformHandoff;
    expect(parsed.vulns?.findings[0]?.platforms).toEqual(['linux/amd64']);
  });

  it.each([
    ['a finding without called', { ...vulns, findings: [{ ...vulns.findings[0], called: 'yes' }] }, /vulns\.findings\[0\]\.called/],
    ['an unknown status', { ...vulns, findings: [{ ...vulns.findings[0], status: 'gone' }] }, /status is not new, fixed or unchanged/],
    ['checked missing', { findings: [] }, /vulns\.checked/],
  ])('refuses %s', (_, value, why) => {
    const raw = JSON.parse(serializeHandoff(record('linux/amd64'))) as Record<string, unknown>;
    raw.vulns = value;
    const parsed = parseHandoff(JSON.stringify(raw), scope, 'linux/amd64');
    expect(parsed).toHaveProperty('invalid');
    expect((parsed as { invalid: string }).invalid).toMatch(why);
  });

  it('a record of an earlier version, without them, is read as not scanned', () => {
    const parsed = parseHandoff(serializeHandoff(record('linux/amd64')), scope, 'linux/amd64') as PlatformHandoff;
    expect(parsed.vulns).toBeUndefined();
  });
});

import type { ListedCacheEntry } from '../../src/github/caches.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseCacheList, parseCacheUsage } from '../../src/github/caches.js';
import type { CacheApi } from '../../src/github/caches.js';
import { fitArchive } from '../../src/go-cache/fit.js';
import { CachePruner } from '../../src/go-cache/prune.js';
import {
  lruKeep,
  parseGoCacheMaxSize,
  parseGoCacheSave,
  renderQuotaSummary,
  savePlan,
  supersededEntries,
} from '../../src/go-cache/quota.js';
import { readTar, TarWriter, type TarEntry } from '../../src/go-cache/tar.js';
import { planCache } from '../../src/size/baseline.js';
import { saveBaseline } from '../../src/size/find-baseline.js';
import type { CacheService } from '../../src/actions-cache/service.js';
import { sample } from '../support/size-samples.js';
import { RecordingReporter } from '../support/recording-reporter.js';

describe('go-cache-max-size', () => {
  it.each([
    ['500MB', 500_000_000],
    ['2GB', 2_000_000_000],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['750 MiB', 750 * 1024 ** 2],
    ['1048576', 1_048_576],
    [' 1gb ', 1_000_000_000],
  ])('reads %j as %d bytes', (raw, bytes) => {
    expect(parseGoCacheMaxSize(raw)).toBe(bytes);
  });

  it.each([
    ['lots', /'lots' is not a size\. Expected a number with KB, MB, GB, MiB or GiB \(e\.g\. 500MB, 2GB\), or bytes/],
    ['2TB', /'2TB' is not a size/],
    ['-5MB', /is not a size/],
    ['', /'' is not a size/],
    ['500KB', /'500KB' is too small\. Expected at least 1MB/],
    ['0', /too small/],
  ])('refuses %j with an InputError naming the input', (raw, message) => {
    const fn = (): number => parseGoCacheMaxSize(raw);
    expect(fn).toThrow(InputError);
    expect(fn).toThrow(/go-cache-max-size/);
    expect(fn).toThrow(message);
  });
});

describe('go-cache-save', () => {
  it.each([
    ['', 'auto'],
    ['auto', 'auto'],
    ['Always', 'always'],
    ['never', 'never'],
  ])('reads %j as %s', (raw, mode) => {
    expect(parseGoCacheSave(raw)).toBe(mode);
  });

  it('refuses anything else, naming the three modes', () => {
    expect(() => parseGoCacheSave('sometimes')).toThrow(/go-cache-save.*'sometimes' is not a save mode\. Expected auto .*always .*never/);
  });

  it.each([
    ['auto', 'refs/heads/main', { save: true, supersede: true }],
    ['auto', 'refs/pull/7/merge', { save: true, supersede: true }],
    ['auto', 'refs/tags/v1.2.0', { save: true, supersede: true }],
    ['auto', 'refs/heads/gh-readonly-queue/main/pr-7-abc', { save: false, supersede: false }],
    ['always', 'refs/pull/7/merge', { save: true, supersede: false }],
    ['always', 'refs/heads/gh-readonly-queue/main/pr-7-abc', { save: true, supersede: false }],
    ['never', 'refs/heads/main', { save: false, supersede: false }],
  ] as const)('%s on %s', (mode, ref, plan) => {
    expect(savePlan(mode, ref)).toMatchObject(plan);
  });
});

const entry = (id: number, key: string, ref: string, createdAt: string, sizeBytes = 100): ListedCacheEntry => ({
  id,
  key,
  ref,
  createdAt,
  sizeBytes,
});

describe('the entries a save supersedes', () => {
  const prefix = 'go-container-action-v1-go-build-gobuild-x-linux_amd64-default-';
  const saved = { key: `${prefix}run-3`, prefix, ref: 'refs/heads/main' };
  const ids = (list: ListedCacheEntry[]): number[] => list.map((e) => e.id).sort((a, b) => a - b);

  it('deletes the older entries of the same cache on the same ref only', () => {
    const listed = [
      entry(1, `${prefix}run-1`, 'refs/heads/main', '2026-12-07T10:00:00Z'),
      entry(2, `${prefix}run-2`, 'refs/heads/main', '2026-12-07T11:00:00Z'),
      entry(3, `${prefix}run-3`, 'refs/heads/main', '2026-12-07T12:00:00Z'),
      entry(4, `${prefix}run-2b`, 'refs/pull/7/merge', '2026-12-07T11:30:00Z'),
      entry(5, 'go-container-action-v1-go-modules-gomod-x-abc', 'refs/heads/main', '2026-12-07T09:00:00Z'),
      entry(6, 'go-container-action-v1-go-build-gobuild-x-linux_amd64-test-run-1', 'refs/heads/main', '2026-12-07T09:00:00Z'),
    ];
    expect(supersededEntries(listed, saved)).toEqual({ superseded: [listed[0], listed[1]], found: true });
  });

  it('keeps entries a run that finished later saved: two runs at once never delete each other', () => {
    const listed = [
      entry(7, `${prefix}run-3`, 'refs/heads/main', '2026-12-07T12:00:00Z'),
      entry(8, `${prefix}run-4`, 'refs/heads/main', '2026-12-07T12:00:05Z'),
    ];
    expect(supersededEntries(listed, saved).superseded).toEqual([]);
    expect(ids(supersededEntries(listed, { ...saved, key: `${prefix}run-4` }).superseded)).toEqual([7]);
  });

  it('orders entries created in the same second by id', () => {
    const listed = [
      entry(9, `${prefix}run-2`, 'refs/heads/main', '2026-12-07T12:00:00Z'),
      entry(10, `${prefix}run-3`, 'refs/heads/main', '2026-12-07T12:00:00Z'),
      entry(11, `${prefix}run-5`, 'refs/heads/main', '2026-12-07T12:00:00Z'),
    ];
    expect(ids(supersededEntries(listed, saved).superseded)).toEqual([9]);
  });

  it('deletes nothing when the saved entry is not listed (yet)', () => {
    const listed = [entry(1, `${prefix}run-1`, 'refs/heads/main', '2026-12-07T10:00:00Z')];
    expect(supersededEntries(listed, saved)).toEqual({ superseded: [], found: false });
    // The saved key on another ref is not ours either.
    expect(supersededEntries([entry(2, saved.key, 'refs/pull/1/merge', '2026-12-07T12:00:00Z')], saved).found).toBe(false);
  });
});

describe('least recently used first', () => {
  const f = (name: string, mtime: number, bytes: number) => ({ name, mtime, bytes });

  it('keeps the most recently used files that fit and drops the rest', () => {
    const files = [f('aa/old-a', 100, 400), f('bb/new-d', 300, 500), f('cc/mid-d', 200, 300), f('dd/new-a', 300, 100)];
    expect([...lruKeep(files, 900)].sort()).toEqual(['bb/new-d', 'cc/mid-d', 'dd/new-a']);
    expect([...lruKeep(files, 600)].sort()).toEqual(['bb/new-d', 'dd/new-a']);
    expect([...lruKeep(files, 50)]).toEqual([]);
  });

  it('never keeps an older file in place of a newer one that did not fit', () => {
    const files = [f('small-old', 1, 10), f('big-new', 5, 1000)];
    expect([...lruKeep(files, 500)]).toEqual([]);
  });

  it('among equal times, keeps the later in the archive (written after)', () => {
    const files = [f('first', 7, 100), f('second', 7, 100)];
    expect([...lruKeep(files, 150)]).toEqual(['second']);
  });
});

describe('fitting an archive to go-cache-max-size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gca-fit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tarEntry = (name: string, type: string, size: number, mtime: number): TarEntry => ({
    name,
    type,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size,
    mtime,
    linkname: '',
  });
  function write(path: string): void {
    const w = new TarWriter(path);
    w.add(tarEntry('aa', '5', 0, 1000));
    // Four files of 10 KiB, dated in the order they were last used by earlier builds.
    for (const [name, mtime] of [
      ['aa/one-d', 1000],
      ['aa/two-d', 4000],
      ['aa/three-d', 2000],
      ['aa/four-d', 3000],
    ] as const)
      w.add(tarEntry(name, '0', 10_240, mtime), Buffer.alloc(10_240, 1));
    w.add(tarEntry(`aa/${'long-name-'.repeat(12)}-d`, '0', 10_240, 500), Buffer.alloc(10_240, 2));
    w.close();
  }
  const mtimes = (path: string): Record<string, number> => {
    const out: Record<string, number> = {};
    readTar(path, (e) => void (e.type === '0' && (out[e.name] = e.mtime)));
    return out;
  };

  it('dates what the build used to now, and leaves an archive under the limit as it is', async () => {
    const path = join(dir, 'under.tar');
    write(path);
    const size = statSync(path).size;
    const fitted = await fitArchive(path, new Set(['aa/one-d']), 9000, size);
    expect(fitted).toMatchObject({ bytes: size, dropped: 0 });
    expect(statSync(path).size).toBe(size);
    expect(mtimes(path)['aa/one-d']).toBe(9000);
    expect(mtimes(path)['aa/two-d']).toBe(4000);
  });

  it('drops the least recently used files (a file this build used counts as newest) until it fits', async () => {
    const path = join(dir, 'over.tar');
    write(path);
    const limit = 40_000;
    const fitted = await fitArchive(path, new Set(['aa/one-d']), 9000, limit);
    expect(fitted.bytes).toBeLessThanOrEqual(limit);
    expect(statSync(path).size).toBe(fitted.bytes);
    expect(Object.keys(mtimes(path)).sort()).toEqual(['aa/four-d', 'aa/one-d', 'aa/two-d']);
    expect(fitted.dropped).toBe(2);
  });
});

describe('the cache REST answers', () => {
  it('reads a page of entries and refuses what is not one', () => {
    const page = {
      total_count: 1,
      actions_caches: [{ id: 5, ref: 'refs/heads/main', key: 'k-1', version: 'v', size_in_bytes: 42, created_at: '2026-12-07T10:00:00Z' }],
    };
    expect(parseCacheList(page)).toEqual([{ id: 5, key: 'k-1', ref: 'refs/heads/main', sizeBytes: 42, createdAt: '2026-12-07T10:00:00Z' }]);
    expect(parseCacheList({ actions_caches: [{ id: 'x' }] })).toBeUndefined();
    expect(parseCacheList('<html>')).toBeUndefined();
    expect(parseCacheUsage({ active_caches_size_in_bytes: 10, active_caches_count: 2 })).toEqual({ bytes: 10, count: 2 });
    expect(parseCacheUsage({})).toBeUndefined();
  });
});

describe('deleting superseded entries', () => {
  const prefix = 'p-';
  const listed = [entry(1, 'p-1', 'refs/heads/main', '2026-12-07T10:00:00Z'), entry(2, 'p-2', 'refs/heads/main', '2026-12-07T11:00:00Z')];
  const api = (over: Partial<CacheApi> = {}): CacheApi & { removed: number[] } => {
    const removed: number[] = [];
    return {
      removed,
      list: async () => listed,
      remove: async (id) => void removed.push(id),
      usage: async () => ({ bytes: 1000, count: 2 }),
      ...over,
    };
  };
  const saved = { key: 'p-2', prefix, ref: 'refs/heads/main' };

  it('deletes the older entry and says so', async () => {
    const reporter = new RecordingReporter();
    const a = api();
    const pruner = new CachePruner(a, reporter);
    await pruner.supersede(saved, 'Go cache: x');
    expect(a.removed).toEqual([1]);
    expect(pruner.deleted.map((e) => e.id)).toEqual([1]);
    expect(reporter.lines).toContain('Go cache: x: deleted the superseded entry p-1 (100 B) of refs/heads/main');
    expect(reporter.annotations).toEqual([]);
  });

  it('gives one notice naming actions: write on a 403, and asks no more', async () => {
    const reporter = new RecordingReporter();
    let deletes = 0;
    const denied = Object.assign(new Error('Resource not accessible by integration'), { status: 403 });
    const pruner = new CachePruner(
      api({
        remove: async () => {
          deletes++;
          throw denied;
        },
      }),
      reporter,
    );
    await pruner.supersede(saved, 'Go cache: a');
    await pruner.supersede(saved, 'Go cache: b');
    expect(deletes).toBe(1);
    expect(reporter.annotations).toHaveLength(1);
    expect(reporter.annotations[0]).toMatchObject({ level: 'notice', message: expect.stringContaining('permissions: actions: write') });
    expect(pruner.notDeleted).toBe('the token lacks actions: write');
  });

  it('gives one warning when the API fails, and reads no usage from it', async () => {
    const reporter = new RecordingReporter();
    let usageAsked = false;
    const pruner = new CachePruner(
      api({
        list: async () => {
          throw new Error('the GitHub API did not answer within 15 s');
        },
        usage: async () => ((usageAsked = true), { bytes: 0, count: 0 }),
      }),
      reporter,
    );
    await pruner.supersede(saved, 'Go cache: a');
    await pruner.supersede(saved, 'Go cache: b');
    expect(reporter.annotations.map((a) => a.level)).toEqual(['warning']);
    expect(await pruner.usage()).toBeUndefined();
    expect(usageAsked).toBe(false);
  });

  it('says only in the log that a server without the cache endpoints (404) deletes nothing', async () => {
    const reporter = new RecordingReporter();
    const missing = Object.assign(new Error('Not Found'), { status: 404 });
    const pruner = new CachePruner(
      api({
        list: async () => {
          throw missing;
        },
      }),
      reporter,
    );
    await pruner.supersede(saved, 'Go cache: a');
    expect(reporter.annotations).toEqual([]);
    expect(pruner.notDeleted).toMatch(/no Actions cache endpoints here \(404\)/);
  });

  it('says nothing again when an earlier step already heard the 403', async () => {
    const reporter = new RecordingReporter();
    const a = api();
    const pruner = new CachePruner(a, reporter, 'denied');
    await pruner.supersede(saved, 'Go cache: a');
    expect(a.removed).toEqual([]);
    expect(reporter.annotations).toEqual([]);
    expect(await pruner.usage()).toEqual({ bytes: 1000, count: 2 });
  });
});

describe('the job summary', () => {
  it('says what was saved and deleted and the use against the 10 GB default, keys as code', () => {
    const text = renderQuotaSummary({
      mode: 'auto',
      saved: [{ id: 'gobuild', key: 'k-`2`', bytes: 2_500_000 }],
      deleted: [entry(1, 'k-1', 'refs/heads/main', '2026-12-07T10:00:00Z', 1_200_000)],
      usage: { bytes: 2_500_000_000, count: 7 },
    });
    expect(text).toContain('- Saved: `` k-`2` `` (2.50 MB before compression).');
    expect(text).toContain('- Deleted 1 superseded entry (1.20 MB): `k-1`.');
    expect(text).toContain("- The repository's Actions cache: 2.50 GB in 7 entries, 25.0% of the 10 GB default");
  });

  it('says why nothing was deleted', () => {
    const text = renderQuotaSummary({ mode: 'auto', saved: [], deleted: [], notDeleted: 'the token lacks actions: write' });
    expect(text).toContain('- Deleted: nothing (the token lacks actions: write).');
    expect(text).toContain('could not be read');
    expect(renderQuotaSummary({ mode: 'always', saved: [], deleted: [] })).toContain('go-cache-save is always');
  });
});

describe('the cached size baseline', () => {
  it('names the prefix its save supersedes on the default branch and on tags', () => {
    const ctx = { eventName: 'push', sha: 'abc', defaultBranch: 'main' };
    const main = planCache('r/app', { ...ctx, ref: 'refs/heads/main' });
    expect(main.saveKey?.startsWith(main.savePrefix!)).toBe(true);
    expect(main.saveKey).toBe(`${main.savePrefix}abc`);
    const tag = planCache('r/app', { ...ctx, ref: 'refs/tags/v1.0.0' });
    expect(tag.saveKey).toBe(`${tag.savePrefix}abc`);
    expect(planCache('r/app', { ...ctx, ref: 'refs/heads/feature' }).savePrefix).toBeUndefined();
  });
});

describe('the cached size baseline, one per ref', () => {
  const plan = planCache('r/app', { eventName: 'push', sha: 'c0ffee', defaultBranch: 'main', ref: 'refs/heads/main' });
  const service: CacheService = {
    available: () => true,
    restore: async () => undefined,
    save: async () => undefined,
    has: async () => false,
  };
  const listed = (): ListedCacheEntry[] => [
    entry(1, `${plan.savePrefix}0ld`, 'refs/heads/main', '2026-12-07T10:00:00Z'),
    entry(2, plan.saveKey!, 'refs/heads/main', '2026-12-07T11:00:00Z'),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'gca-baseline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [403, 'denied', 'notice'],
    [500, 'fault', 'warning'],
  ] as const)(
    'deletes the older report of the ref once saved; a %d stops it, said once, and the post step is told',
    async (status, why, level) => {
      const removed: number[] = [];
      const reporter = new RecordingReporter();
      const stopped: string[] = [];
      const api = (fail?: number): CacheApi => ({
        list: async () => listed(),
        remove: async (id) => {
          if (fail) throw Object.assign(new Error(`answered ${fail}`), { status: fail });
          removed.push(id);
        },
        usage: async () => ({ bytes: 0, count: 0 }),
      });
      const lookup = (a: CacheApi) => ({
        cachePlan: plan,
        ctx: { workspace: dir, ref: 'refs/heads/main' },
        cacheService: service,
        supersede: { pruner: new CachePruner(a, reporter), ref: 'refs/heads/main', stopped: (w: string) => void stopped.push(w) },
      });
      await saveBaseline(lookup(api()), sample().report, reporter);
      expect(removed).toEqual([1]);
      expect(stopped).toEqual([]);
      await saveBaseline(lookup(api(status)), sample().report, reporter);
      expect(stopped).toEqual([why]);
      expect(reporter.annotations.map((a) => a.level)).toEqual([level]);
    },
  );
});

/**
 * The Go cache within the repository's Actions cache quota, end to end: the bundled action with
 * the real @actions/cache against the loopback cache service (entries scoped by ref, as the
 * runtime token scopes them on GitHub) and the fake GitHub API serving the cache REST endpoints
 * from the same entries. Every run is a fresh runner (BuildKit's state wiped) after a one-line
 * change: two pushes to main, three pushes to one pull request, then a small
 * go-cache-max-size, go-cache-save: never, and a token without actions: write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheEntry, type CacheServer } from '../support/cache-server.js';
import { FakeGitHub } from '../support/fake-github.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { docker, stack, uniqueName } from '../support/stack.js';
import { DEADLINE_SCALE_ENV } from '../../src/util/deadline.js';
import { copyApp } from '../support/workspace.js';

const TOKEN = 'ghs_cache_quota_token_0123456789';
const MAIN = 'refs/heads/main';
const PR = 'refs/pull/7/merge';
const PR_EVENT = {
  number: 7,
  pull_request: { number: 7, base: { ref: 'main', sha: 'b'.repeat(40) }, head: { ref: 'feature', sha: 'c'.repeat(40) } },
  repository: { default_branch: 'main' },
};

interface Run {
  label: string;
  ref: string;
  run: ActionRun;
  /** The go-build entries of this namespace after the run, by ref. */
  build: Record<string, CacheEntry[]>;
}

describe('the Go cache keeps one entry per cache and ref', () => {
  const app = copyApp('test/fixtures/cache/app');
  const ns = uniqueName('quota').replace(/[^a-z0-9-]/g, '-');
  let server: CacheServer;
  let github: FakeGitHub;
  const runs: Run[] = [];
  /** Every entry of this namespace ever seen (id → size): what the repository would keep without deletions. */
  const seen = new Map<number, { size: number; key: string }>();
  let edits = 0;

  const ours = (): CacheEntry[] => server.entries().filter((e) => e.finalized && e.key.includes(ns));
  const buildEntries = (ref: string): CacheEntry[] => ours().filter((e) => e.key.includes('-go-build-') && e.ref === ref);
  const moduleEntries = (ref: string): CacheEntry[] => ours().filter((e) => e.key.includes('-go-modules-') && e.ref === ref);

  async function push(
    label: string,
    ref: string,
    inputs: Record<string, string> = {},
    extraEnv: Record<string, string> = {},
  ): Promise<Run> {
    // A fresh runner after a one-line change: BuildKit keeps nothing, the code differs.
    docker(['buildx', 'prune', '-af']);
    const main = join(app.dir, 'main.go');
    writeFileSync(main, readFileSync(main, 'utf8').replace(/cache fixture v\d+/, `cache fixture v${++edits + 1}`));
    const pr = ref === PR;
    const env = { ...(pr ? server.envFor(PR, [MAIN]) : server.envFor(MAIN)), GITHUB_API_URL: github.url, ...extraEnv };
    const run = await runAction({
      workspace: app.dir,
      inputs: {
        platforms: 'linux/amd64',
        'build-args': `GO_IMAGE=${stack.goImage}\nCACHE_NS=${ns}`,
        comment: 'never',
        // The fixture's Dockerfile findings are not this test's subject: its annotations are the cache's alone.
        'dockerfile-checks': 'off',
        ...inputs,
      },
      env,
      token: TOKEN,
      ref,
      eventName: pr ? 'pull_request' : 'push',
      event: pr ? PR_EVENT : { repository: { default_branch: 'main' } },
    });
    for (const e of ours()) seen.set(e.id, { size: e.size, key: e.key });
    const r: Run = { label, ref, run, build: { [MAIN]: buildEntries(MAIN), [PR]: buildEntries(PR) } };
    runs.push(r);
    const bytes = ours().reduce((n, e) => n + e.size, 0);
    console.log(
      `${label}: ${((run.main.durationMs + (run.post?.durationMs ?? 0)) / 1000).toFixed(1)} s; ${ours().length} entries, ${bytes} bytes kept`,
    );
    return r;
  }
  const byLabel = (label: string): Run => runs.find((r) => r.label === label)!;
  const log = (r: Run): string => `${r.run.main.stdout}\n${r.run.post?.stdout ?? ''}`;
  const restoredBuildKey = (r: Run): string | undefined =>
    (JSON.parse(r.run.main.outputs['go-cache-restored'] ?? '[]') as { kind: string; key?: string }[]).find((x) => x.kind === 'go-build')
      ?.key;

  beforeAll(async () => {
    server = await startCacheServer();
    github = new FakeGitHub({ token: TOKEN, caches: server });
    await github.start();
    await push('main 1', MAIN);
    await push('main 2', MAIN);
    await push('pr 1', PR);
    await push('pr 2', PR);
    await push('pr 3', PR);
    const kept = ours().reduce((n, e) => n + e.size, 0);
    const all = [...seen.values()];
    console.log(
      `after 5 runs: kept ${ours().length} entries, ${kept} bytes (${ours()
        .map(
          (e) =>
            `${e.key.includes('-go-build-') ? 'go-build' : e.key.includes('-go-modules-') ? 'go-modules' : 'other'} ${e.ref} ${e.size}`,
        )
        .join('; ')}); every run's entries kept: ${all.length} entries, ${all.reduce((n, e) => n + e.size, 0)} bytes ` +
        `(go-build ${all.filter((e) => e.key.includes('-go-build-')).reduce((n, e) => n + e.size, 0)}, go-modules ${all
          .filter((e) => e.key.includes('-go-modules-'))
          .reduce((n, e) => n + e.size, 0)})`,
    );
  }, 30 * 60_000);

  afterAll(async () => {
    await github?.stop();
    await server?.close();
    app.remove();
  });

  it('passes every run, main and post', () => {
    for (const r of runs) {
      expect(r.run.main.exitCode, `${r.label}\n${r.run.main.stdout}`).toBe(0);
      expect(r.run.post?.exitCode, r.label).toBe(0);
      expect(
        annotations(log(r)).filter((a) => a.level !== 'notice'),
        r.label,
      ).toEqual([]);
    }
  });

  it('leaves one build-cache entry per ref after two main pushes and three pull-request pushes', () => {
    expect(buildEntries(MAIN)).toHaveLength(1);
    expect(buildEntries(PR)).toHaveLength(1);
    expect(moduleEntries(MAIN)).toHaveLength(1);
    expect(moduleEntries(PR).length).toBeLessThanOrEqual(1);
    // Each push after the first on a ref saved a new entry and deleted the one before.
    for (const label of ['main 2', 'pr 2', 'pr 3']) {
      const r = byLabel(label);
      expect(r.build[r.ref], label).toHaveLength(1);
      expect(r.run.post?.stdout, label).toMatch(/Go cache: .*: deleted the superseded entry go-container-action-v1-go-build-/);
    }
    const deletes = github.requests.filter((q) => q.method === 'DELETE' && /\/actions\/caches\/\d+$/.test(q.path));
    expect(deletes.length).toBeGreaterThanOrEqual(3);
  });

  it('restores the pull request from main first, then from its own entry, warm', () => {
    const main2 = byLabel('main 2');
    expect(restoredBuildKey(byLabel('pr 1'))).toBe(main2.build[MAIN]![0]!.key);
    const pr2 = byLabel('pr 2');
    const pr3 = byLabel('pr 3');
    expect(pr3.run.main.outputs['go-cache-hit']).toBe('true');
    expect(restoredBuildKey(pr3)).toBe(pr2.build[PR]![0]!.key);
    const before = /gca-e2e amd64 gocache-before=(\d+)/.exec(pr3.run.main.stdout);
    const after = /gca-e2e amd64 gocache-after=(\d+)/.exec(pr3.run.main.stdout);
    expect(Number(before?.[1]), pr3.run.main.stdout).toBeGreaterThan(50);
    // Only the changed package compiled: a handful of new entries, not the standard library.
    expect(Number(after?.[1]) - Number(before?.[1])).toBeLessThan(20);
  });

  it('says in the job summary what was saved and deleted and the repository cache use against 10 GB', () => {
    const summary = byLabel('pr 3').run.summary;
    expect(summary).toContain('### Go cache and the repository cache quota');
    expect(summary).toMatch(/- Saved: `go-container-action-v1-go-build-[^`]+` \([\d.]+ [KMG]?B before compression\)/);
    expect(summary).toMatch(/- Deleted 1 superseded entry \([\d.]+ [KMG]?B\): `go-container-action-v1-go-build-/);
    expect(summary).toMatch(/- The repository's Actions cache: [\d.]+ [KMG]?B in \d+ entries, [\d.]+% of the 10 GB default/);
  });

  it('keeps the saved build cache under go-cache-max-size, least recently used dropped first', async () => {
    const limitBytes = 2_000_000;
    const r = await push('main, max 2MB', MAIN, { 'go-cache-max-size': '2MB' });
    expect(r.run.main.exitCode, r.run.main.stdout).toBe(0);
    expect(r.run.main.stdout).toMatch(/over go-cache-max-size \(1\.9 MiB\): the \d+ least recently used files? \([\d.]+ [KM]iB\) dropped/);
    const saved = /Go cache: saved \S+ \(([\d.]+) (B|KiB|MiB)\) as (\S*go-build\S*)/.exec(r.run.post?.stdout ?? '');
    expect(saved, r.run.post?.stdout).not.toBeNull();
    const archiveBytes = Number(saved![1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2 }[saved![2] as 'B' | 'KiB' | 'MiB'];
    expect(archiveBytes).toBeLessThanOrEqual(limitBytes);
    expect(r.build[MAIN]).toHaveLength(1);
    expect(r.build[MAIN]![0]!.size).toBeLessThanOrEqual(limitBytes);
    // The trimmed entry still restores, and keeps what this build used.
    const next = await push('main after the trim', MAIN, { 'go-cache-max-size': '2MB' });
    expect(next.run.main.outputs['go-cache-hit']).toBe('true');
    expect(restoredBuildKey(next)).toBe(r.build[MAIN]![0]!.key);
  });

  it('saves nothing with go-cache-save: never, and still restores', async () => {
    const before = ours().map((e) => e.id);
    const r = await push('main, never', MAIN, { 'go-cache-save': 'never' });
    expect(r.run.main.exitCode, r.run.main.stdout).toBe(0);
    expect(r.run.main.outputs['go-cache-hit']).toBe('true');
    expect(r.run.main.stdout).toMatch(/Go cache: not saved: go-cache-save is never \(restore only\)/);
    expect(ours().map((e) => e.id)).toEqual(before);
    expect(r.run.post?.stdout).not.toMatch(/Go cache: saved/);
  });

  it('without actions: write, gives one notice naming the permission and passes', async () => {
    github.options.denyCacheDelete = true;
    try {
      const r = await push('main, no actions: write', MAIN);
      expect(r.run.main.exitCode, r.run.main.stdout).toBe(0);
      expect(r.run.post?.exitCode).toBe(0);
      const notices = annotations(log(r)).filter((a) => a.level === 'notice');
      expect(notices).toHaveLength(1);
      expect(notices[0]!.message).toContain('actions: write');
      expect(annotations(log(r)).filter((a) => a.level === 'warning' || a.level === 'error')).toEqual([]);
      // Nothing deleted: the new entry and the one it would have superseded.
      expect(r.build[MAIN]).toHaveLength(2);
      expect(r.run.summary).toMatch(/- Deleted: nothing \(the token lacks actions: write\)/);
    } finally {
      github.options.denyCacheDelete = false;
    }
  });

  it('with a GitHub API that never answers, gives one warning within its deadline and passes', async () => {
    github.options.hang = /\/actions\/cache/;
    try {
      // Deadlines at a tenth: 1.5 s a call instead of 15 s.
      const r = await push('main, API hangs', MAIN, {}, { [DEADLINE_SCALE_ENV]: '0.1' });
      expect(r.run.main.exitCode, r.run.main.stdout).toBe(0);
      expect(r.run.post?.exitCode).toBe(0);
      const warnings = annotations(log(r)).filter((a) => a.level === 'warning');
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(
          /^Superseded Actions cache entries were not deleted \(.*\); they stay until GitHub evicts them\. The build goes on\.$/,
        ),
      ]);
      expect(r.run.post!.durationMs).toBeLessThan(30_000);
      expect(r.run.summary).toMatch(/- Deleted: nothing \(the GitHub API failed: /);
    } finally {
      github.options.hang = undefined;
    }
  });
});

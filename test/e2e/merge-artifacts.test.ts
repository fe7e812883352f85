/**
 * The merge hand-off through the run's artifacts, on the real stack: per-platform jobs
 * (push-by-digest: true) upload their results to our loopback artifact service, the merge job
 * lists and downloads them, while the cache behind the same results URL takes no new entry (a
 * repository over its cache budget). A re-run attempt finds the earlier attempt's results; where
 * the artifact service is missing the hand-off goes through the cache with one notice; a broken
 * artifact service fails the job that needs it with one error, in bounded time. The time of the
 * hand-off (the per-platform save, the merge's gathering) is measured both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun, type RunOptions } from '../support/runner.js';
import { registryManifest, registryTags, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { startArtifactServer, type ArtifactServer } from '../support/artifact-server.js';

const BOTH = 'linux/amd64,linux/arm64';
const app = copyApp('examples/hello');
const armApp = copyApp('examples/hello');
const workspaceOf = (inputs: Record<string, string>): string => (inputs.platforms === 'linux/arm64' ? armApp.dir : app.dir);
afterAll(() => {
  app.remove();
  armApp.remove();
});

const goImage = (): string => `GO_IMAGE=${stack.goImage}`;

function ofLevel(run: ActionRun, level: 'error' | 'warning' | 'notice'): string[] {
  return annotations(run.main.stdout)
    .filter((a) => a.level === level)
    .map((a) => a.message);
}

/** A job run that also times its log groups: each group's name → ms from `::group::` to `::endgroup::`. */
async function timedRun(options: RunOptions): Promise<ActionRun & { groups: Record<string, number> }> {
  const groups: Record<string, number> = {};
  let open: { name: string; at: number } | undefined;
  const run = await runAction({
    ...options,
    onLine: (line, step) => {
      if (step !== 'main') return;
      const group = /^::group::(.*)$/.exec(line);
      if (group) open = { name: group[1]!, at: performance.now() };
      else if (line === '::endgroup::' && open) {
        groups[open.name] = performance.now() - open.at;
        open = undefined;
      }
    },
  });
  return { ...run, groups };
}

const handOffMs = (run: { groups: Record<string, number> }): number => run.groups['Handing the result to the merge job'] ?? NaN;
const gatherMs = (run: { groups: Record<string, number> }): number =>
  run.groups[`Gathering the results of ${BOTH.replace(',', ', ')}`] ?? NaN;

/** The hand-off's times of one way (two per-platform saves, one gathering), printed for the report. */
const timings: Record<string, { saves: number[]; gather: number }> = {};
afterAll(() => {
  for (const [way, t] of Object.entries(timings))
    console.log(
      `hand-off through ${way}: saves ${t.saves.map((ms) => `${Math.round(ms)} ms`).join(', ')}; gather ${Math.round(t.gather)} ms`,
    );
});

describe('a read-only cache: the hand-off goes through the artifacts and the merge still merges', () => {
  const repo = uniqueName('e2e/merge-artifacts');
  const image = `${stack.registry}/${repo}`;
  let cache: CacheServer;
  let results: ArtifactServer;
  let parts: Awaited<ReturnType<typeof timedRun>>[] = [];
  let merge: Awaited<ReturnType<typeof timedRun>>;
  let rerun: ActionRun;
  let mergeAgain: ActionRun;
  let edgeAfterMerge: Awaited<ReturnType<typeof registryManifest>>;

  beforeAll(async () => {
    cache = await startCacheServer({ readOnly: true });
    results = await startArtifactServer({ cache });
    const job = (inputs: Record<string, string>, attempt = '1'): RunOptions => ({
      workspace: workspaceOf(inputs),
      ref: 'refs/heads/main',
      event: { repository: { default_branch: 'main', full_name: 'octo-org/hello' } },
      env: { ...results.env(), GITHUB_RUN_ID: '7101', GITHUB_RUN_ATTEMPT: attempt },
      inputs: { tags: `${image}:edge`, push: 'true', 'build-args': goImage(), 'go-cache': 'false', ...inputs },
    });
    // The matrix's jobs run at the same time, as on two runners.
    parts = await Promise.all([
      timedRun(job({ platforms: 'linux/amd64', 'push-by-digest': 'true' })),
      timedRun(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' })),
    ]);
    merge = await timedRun(job({ platforms: BOTH, merge: 'true' }));
    timings['the artifact service'] = { saves: parts.map(handOffMs), gather: gatherMs(merge) };
    edgeAfterMerge = await registryManifest(repo, 'edge');
    // Re-run failed jobs: the arm64 job again (attempt 2), then the merge job of attempt 2.
    rerun = await runAction(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' }, '2'));
    mergeAgain = await runAction(job({ platforms: BOTH, merge: 'true' }, '2'));
  }, 900_000);

  afterAll(async () => {
    await results.close();
    await cache.close();
  });

  it('each per-platform job uploads one artifact for its platform, and the cache took nothing', () => {
    for (const run of parts) {
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(ofLevel(run, 'error')).toEqual([]);
      expect(ofLevel(run, 'notice').filter((n) => n.includes('Actions cache'))).toEqual([]);
      expect(run.main.stdout).toMatch(/handed off as go-container-action-merge-v1-7101-1-\S+ through the artifact service/);
    }
    expect(cache.entries()).toEqual([]);
    expect(results.requests).toContain('POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact');
    expect(results.requests.some((r) => r.endsWith('?comp=blocklist'))).toBe(true);
  });

  it('the merge job finds both and tags one index of the two platform manifests', async () => {
    expect(merge.main.exitCode, merge.main.stdout).toBe(0);
    expect(ofLevel(merge, 'error')).toEqual([]);
    expect(merge.main.stdout).toMatch(/linux\/amd64: sha256:[0-9a-f]{64} from attempt 1/);
    expect(merge.main.stdout).toMatch(/linux\/arm64: sha256:[0-9a-f]{64} from attempt 1/);
    expect((await registryTags(repo)).tags).toContain('edge');
    const index = edgeAfterMerge;
    expect(index.digest).toBe(merge.main.outputs.digest);
    const digests = (index.body.manifests as { digest: string }[]).map((m) => m.digest);
    for (const run of parts) expect(digests).toContain(run.main.outputs.digest);
  });

  it('a re-run attempt uploads under a name of its own, and the merge of attempt 2 takes each platform’s newest', () => {
    expect(rerun.main.exitCode, rerun.main.stdout).toBe(0);
    expect(rerun.main.stdout).toMatch(/handed off as go-container-action-merge-v1-7101-2-/);
    expect(mergeAgain.main.exitCode, mergeAgain.main.stdout).toBe(0);
    expect(ofLevel(mergeAgain, 'error')).toEqual([]);
    expect(mergeAgain.main.stdout).toMatch(/linux\/amd64: sha256:[0-9a-f]{64} from attempt 1/);
    expect(mergeAgain.main.stdout).toMatch(/linux\/arm64: sha256:[0-9a-f]{64} from attempt 2/);
    expect(results.artifacts().map((a) => a.name.replace(/-[0-9a-f]{12}-.*$/, ''))).toEqual([
      expect.stringMatching(/-7101-1$/),
      expect.stringMatching(/-7101-1$/),
      'go-container-action-merge-v1-7101-2',
    ]);
  });
});

describe('no artifact service: the hand-off goes through the cache, with one notice', () => {
  const image = `${stack.registry}/${uniqueName('e2e/merge-cache')}`;
  let cache: CacheServer;
  let parts: Awaited<ReturnType<typeof timedRun>>[] = [];
  let merge: Awaited<ReturnType<typeof timedRun>>;

  beforeAll(async () => {
    cache = await startCacheServer();
    // The cache service alone: its runtime token names no results backend for @actions/artifact.
    const job = (inputs: Record<string, string>): RunOptions => ({
      workspace: workspaceOf(inputs),
      ref: 'refs/heads/main',
      event: { repository: { default_branch: 'main', full_name: 'octo-org/hello' } },
      env: { ...cache.env, GITHUB_RUN_ID: '7102' },
      inputs: { tags: `${image}:edge`, push: 'true', 'build-args': goImage(), 'go-cache': 'false', ...inputs },
    });
    parts = await Promise.all([
      timedRun(job({ platforms: 'linux/amd64', 'push-by-digest': 'true' })),
      timedRun(job({ platforms: 'linux/arm64', 'push-by-digest': 'true' })),
    ]);
    merge = await timedRun(job({ platforms: BOTH, merge: 'true' }));
    timings['the Actions cache'] = { saves: parts.map(handOffMs), gather: gatherMs(merge) };
  }, 900_000);

  afterAll(() => cache.close());

  it('every job says once that the hand-off goes through the cache, and the merge merges', () => {
    for (const run of [...parts, merge]) {
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      const notices = ofLevel(run, 'notice').filter((n) => n.includes('go through the Actions cache'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain('names no results backend');
    }
    expect(cache.entries().filter((e) => e.key.startsWith('go-container-action-merge-v1-7102-1-'))).toHaveLength(2);
    expect(merge.main.stdout).toMatch(/linux\/arm64: sha256:[0-9a-f]{64} from attempt 1/);
  });
});

describe('a broken artifact service fails the job that needs it, with one error, in bounded time', () => {
  const image = `${stack.registry}/${uniqueName('e2e/merge-artifact-faults')}`;
  const scaled = { GO_CONTAINER_ACTION_DEADLINE_SCALE: '0.1' };
  let cache: CacheServer;
  let failedUpload: ActionRun;
  let hungMerge: ActionRun;

  beforeAll(async () => {
    cache = await startCacheServer();
    const broken = await startArtifactServer({ fault: '500', cache });
    const hung = await startArtifactServer({ fault: 'hang', cache });
    const job = (server: ArtifactServer, inputs: Record<string, string>): RunOptions => ({
      workspace: workspaceOf(inputs),
      ref: 'refs/heads/main',
      env: { ...server.env(), ...scaled, GITHUB_RUN_ID: '7103' },
      inputs: { tags: `${image}:edge`, push: 'true', 'build-args': goImage(), 'go-cache': 'false', ...inputs },
    });
    try {
      failedUpload = await runAction(job(broken, { platforms: 'linux/amd64', 'push-by-digest': 'true' }));
      hungMerge = await runAction(job(hung, { platforms: BOTH, merge: 'true' }));
    } finally {
      await broken.close();
      await hung.close();
    }
  }, 900_000);

  afterAll(() => cache.close());

  it('an upload answered 500: the per-platform job fails, naming the service and its answer', () => {
    expect(failedUpload.main.exitCode).toBe(1);
    const errors = ofLevel(failedUpload, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^Could not hand the result of linux\/amd64 to the merge job through the artifact service: the artifact service answered 500 Internal Server Error to creating the artifact/,
    );
    expect(ofLevel(failedUpload, 'warning').filter((w) => w.includes('Artifact upload failed'))).toEqual([]);
  });

  it('a listing that hangs: the merge fails once its deadline passed, naming both platforms once', () => {
    expect(hungMerge.main.exitCode).toBe(1);
    const errors = ofLevel(hungMerge, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^No result of linux\/amd64, linux\/arm64 in run 7103 \(attempt 1\): linux\/amd64, linux\/arm64 \(the run's artifacts could not be listed: the artifact service \(listing the run's artifacts\) (did not answer in|sent nothing for) 3 s\)/,
    );
    expect(hungMerge.main.durationMs).toBeLessThan(60_000);
  });
});

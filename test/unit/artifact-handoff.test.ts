/**
 * The hand-off through the run's artifacts: the real @actions/artifact, in its worker process
 * (started from the TypeScript sources), against the project's own artifact service on loopback.
 * Jobs of one run (each its own token, as on a runner) hand off and a merge job finds them; a
 * re-run attempt finds earlier attempts' records; a service fault is one clear reason, in time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactServiceMissing, isEnterpriseServer, resultsBackendIds } from '../../src/actions-artifact/available.js';
import { ARTIFACT_BUDGET, actionsArtifactService, parseListing, type ArtifactService } from '../../src/actions-artifact/service.js';
import { artifactWorkerLaunch } from '../../src/actions-cache/worker-client.js';
import { artifactHandoffStore, newestArtifact } from '../../src/merge/artifact-store.js';
import { handoffKey, type HandoffScope, type PlatformHandoff } from '../../src/merge/handoff.js';
import { ChildRegistry } from '../../src/util/children.js';
import { answerFault } from '../../src/actions-cache/answers.js';
import type { CacheService } from '../../src/actions-cache/service.js';
import { withoutAnnotations } from '../../src/actions-cache/worker.js';
import { runHandoff } from '../../src/pipeline/work-dir.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { runtimeToken, startArtifactServer, type ArtifactServer } from '../support/artifact-server.js';
import { tempDir } from '../support/temp.js';

const registry = new ChildRegistry();
const scope: HandoffScope = { runId: '9', runAttempt: '1', image: 'ghcr.io/org/app' };

function record(platform: string, runAttempt = '1'): PlatformHandoff {
  return {
    schema: 1,
    ...scope,
    runAttempt,
    platform,
    digest: null,
    pushed: false,
    repositories: ['ghcr.io/org/app'],
    version: '1',
    size: null,
    smoke: { status: 'skipped' },
    platformCheck: { errors: [], warnings: [], unchecked: [] },
    failures: [],
  };
}

/** One job's service: its own token and temp dir, as a runner gives each job. */
function jobService(server: ArtifactServer, scale = 1, job?: string): { service: ArtifactService; dir: string } {
  const dir = tempDir('artifact-job');
  const env = { ...process.env, ...server.env(job), GITHUB_SERVER_URL: 'https://github.com', RUNNER_TEMP: dir, GITHUB_WORKSPACE: dir };
  return { service: actionsArtifactService({ launch: artifactWorkerLaunch(), env, cwd: dir, registry, logTo: 'stderr' }, scale), dir };
}

describe('whether the artifact service is there', () => {
  const token = runtimeToken('run-id', 'job-id');
  it.each([
    [{ ACTIONS_RESULTS_URL: 'http://r/', ACTIONS_RUNTIME_TOKEN: token }, undefined],
    [{ ACTIONS_RESULTS_URL: 'http://r/', ACTIONS_RUNTIME_TOKEN: token, GITHUB_SERVER_URL: 'https://octo.ghe.com' }, undefined],
    [
      { ACTIONS_RESULTS_URL: 'http://r/', ACTIONS_RUNTIME_TOKEN: token, GITHUB_SERVER_URL: 'https://ghes.example.com' },
      /Enterprise Server/,
    ],
    [{ ACTIONS_RUNTIME_TOKEN: token }, /ACTIONS_RESULTS_URL is not set/],
    [{ ACTIONS_RESULTS_URL: 'http://r/', ACTIONS_RUNTIME_TOKEN: 'plain-token' }, /names no results backend/],
    [{ ACTIONS_RESULTS_URL: 'http://r/' }, /names no results backend/],
  ])('%j → %s', (env, expected) => {
    const why = artifactServiceMissing(env);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  it('reads the backend ids as @actions/artifact does, and GHES by its rule', () => {
    expect(resultsBackendIds(token)).toEqual({ run: 'run-id', job: 'job-id' });
    expect(resultsBackendIds('a.b.c')).toBeUndefined();
    expect(isEnterpriseServer(undefined)).toBe(false);
    expect(isEnterpriseServer('https://github.com')).toBe(false);
    expect(isEnterpriseServer('https://github.example.com')).toBe(true);
  });

  it('keeps only the listing entries that are artifacts', () => {
    expect(parseListing(JSON.stringify([{ name: 'a', id: 1, digest: 'sha256:x' }, { name: 2, id: 'x' }, null]))).toEqual([
      { name: 'a', id: 1, digest: 'sha256:x' },
    ]);
    expect(() => parseListing('{}')).toThrow(/not a list/);
  });

  it('takes the newest attempt of a platform, never another platform or a later attempt', () => {
    const names = (attempt: string, platform: string): string => handoffKey({ ...scope, runAttempt: attempt }, platform);
    const listing = [
      { name: names('1', 'linux/amd64'), id: 1 },
      { name: names('2', 'linux/amd64'), id: 2 },
      { name: names('3', 'linux/amd64'), id: 3 },
      { name: names('1', 'linux/arm'), id: 4 },
    ];
    expect(newestArtifact(listing, { ...scope, runAttempt: '2' }, 'linux/amd64')?.id).toBe(2);
    expect(newestArtifact(listing, { ...scope, runAttempt: '2' }, 'linux/arm64')).toBeUndefined();
  });
});

describe('the hand-off through the loopback artifact service', () => {
  let server: ArtifactServer;
  beforeAll(async () => {
    server = await startArtifactServer();
  });
  afterAll(() => server.close());

  it('two jobs hand off, a re-run attempt adds its own, and the merge job takes the newest per platform', async () => {
    const amd64 = jobService(server);
    const arm64 = jobService(server);
    expect(amd64.service.missing()).toBeUndefined();
    await artifactHandoffStore(amd64.service, amd64.dir).save([record('linux/amd64')]);
    await artifactHandoffStore(arm64.service, arm64.dir).save([record('linux/arm64')]);
    // A re-run of the failed arm64 job: attempt 2, a name of its own (a name is taken once per run).
    const rerun = jobService(server);
    await artifactHandoffStore(rerun.service, rerun.dir).save([{ ...record('linux/arm64', '2'), runAttempt: '2', version: '2' }]);
    expect(server.artifacts()).toHaveLength(3);

    const merge = jobService(server);
    const found = await artifactHandoffStore(merge.service, merge.dir).restore({ ...scope, runAttempt: '2' }, [
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(found.map((f) => ('record' in f ? [f.platform, f.record.runAttempt, f.record.version] : f))).toEqual([
      ['linux/amd64', '1', '1'],
      ['linux/arm64', '2', '2'],
    ]);
    expect(server.requests).toContain('PUT /devstoreaccount1/artifacts/1?comp=blocklist');
    expect(server.requests.filter((r) => r.endsWith('/GetSignedArtifactURL'))).toHaveLength(2);
  }, 60_000);

  it('a second upload of the same name in one run fails with what the service said', async () => {
    const job = jobService(server);
    await expect(artifactHandoffStore(job.service, job.dir).save([record('linux/amd64')])).rejects.toThrow(
      /answered 409 Conflict to creating the artifact.*already exists on the workflow run/,
    );
  }, 60_000);

  it('a platform no job handed off is missing, with why', async () => {
    const merge = jobService(server);
    expect(await artifactHandoffStore(merge.service, merge.dir).restore(scope, ['linux/s390x'])).toEqual([
      { platform: 'linux/s390x', missing: "no result among the run's artifacts" },
    ]);
  }, 60_000);

  it('a record that is not one is missing, with why', async () => {
    const job = jobService(server);
    const name = handoffKey(scope, 'linux/ppc64le');
    writeFileSync(join(job.dir, 'handoff.json'), '{"schema":1,"runId":"other"}');
    await job.service.upload(name, join(job.dir, 'handoff.json'), job.dir);
    const found = await artifactHandoffStore(job.service, job.dir).restore(scope, ['linux/ppc64le']);
    expect(found).toEqual([{ platform: 'linux/ppc64le', missing: `its result (${name}) is unusable: it is of another run` }]);
  }, 60_000);
});

describe('a broken artifact service', () => {
  // Deadlines at 0.3: 9 s a call (the worker started from the TypeScript sources takes seconds to load).
  const scale = 0.3;
  it.each([
    ['500', /the artifact service answered 500 Internal Server Error to creating the artifact/],
    ['garbage', /the artifact service answered 200 with something that is not JSON \(text\/html\) to creating the artifact/],
    ['hang', /the artifact service \(uploading .*\) (did not answer in|sent nothing for) 9 s/],
  ] as const)(
    '%s: the upload fails at once with what happened',
    async (fault, expected) => {
      const server = await startArtifactServer({ fault });
      try {
        const job = jobService(server, scale);
        const started = Date.now();
        await expect(artifactHandoffStore(job.service, job.dir).save([record('linux/amd64')])).rejects.toThrow(expected);
        expect(Date.now() - started).toBeLessThan(ARTIFACT_BUDGET.callMs * scale + 5_000);
      } finally {
        await server.close();
      }
    },
    60_000,
  );

  it('500 on listing: every platform missing for that one reason', async () => {
    const server = await startArtifactServer({ fault: '500' });
    try {
      const job = jobService(server, scale);
      const found = await artifactHandoffStore(job.service, job.dir).restore(scope, ['linux/amd64', 'linux/arm64']);
      expect(found.map((f) => ('missing' in f ? f.missing : ''))).toEqual([
        expect.stringMatching(
          /^the run's artifacts could not be listed: the artifact service answered 500 .* to listing the run's artifacts/,
        ),
        expect.stringMatching(/^the run's artifacts could not be listed/),
      ]);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('where the hand-off goes', () => {
  const cache: CacheService = { available: () => true, restore: async () => undefined, save: async () => undefined };
  const artifacts = (missing: string | undefined): ArtifactService => ({
    missing: () => missing,
    upload: async () => undefined,
    list: async () => [],
    download: async () => undefined,
  });

  it.each([
    ['an artifact service', artifacts(undefined), 'the artifact service', []],
    ['one on GHES', artifacts('https://ghes.example.com is a GitHub Enterprise Server'), 'the Actions cache', ['ghes.example.com']],
    ['none at all', undefined, 'the Actions cache', ['this run has no artifact service']],
  ])('%s → %s, with a notice only on the cache', (_, given, via, notice) => {
    const reporter = new RecordingReporter();
    expect(runHandoff({ cache, artifacts: given, reporter }, tempDir('handoff-choice')).via).toBe(via);
    expect(reporter.annotations.map((a) => a.level)).toEqual(notice.map(() => 'notice'));
    for (const [i, part] of notice.entries()) expect(reporter.annotations[i]!.message).toContain(part);
  });

  it('says a Twirp answer that is not JSON, and keeps the artifact client from annotating', () => {
    expect(answerFault("listing the run's artifacts", 200, 'OK', 'text/html')).toBe(
      "answered 200 with something that is not JSON (text/html) to listing the run's artifacts",
    );
    expect(answerFault("listing the run's artifacts", 200, 'OK', 'application/json')).toBeUndefined();
    expect(answerFault('the download', 200, 'OK', 'application/zip')).toBeUndefined();
    expect(withoutAnnotations('::warning::Artifact upload failed\nplain\n::error title=x::boom\n')).toBe(
      'Artifact upload failed\nplain\nboom\n',
    );
  });
});

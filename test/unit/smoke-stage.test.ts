/** runSmokeTest with a recorded fake of docker: the compose calls a stack drives, and the cleanup that always follows. */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '../../src/buildx/docker.js';
import type { ComposeProject } from '../../src/docker/client.js';
import { runSmokeTest, type SmokeSetup } from '../../src/smoke/stage.js';
import { readPostState, StateWriter } from '../../src/state.js';
import { composeFailed, containersOf, ended, FakeDocker, servicesOf, type DockerScript } from '../support/fake-docker.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { testPlan } from '../support/samples.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('smoke-stage');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const setup: SmokeSetup = {
  inputs: { files: ['/ws/compose.yaml'], fileNames: ['compose.yaml'], services: [], timeoutMs: 20_000, probes: [] },
  projectName: 'gca-smoke-unit',
  cwd: '/ws',
  underTest: ['app'],
  expected: ['app', 'db'],
  platform: 'linux/amd64',
};
const tag = 'go-container-action-smoke:gca-smoke-unit';
const build: BuildResult = { ok: true, metadata: { raw: {} }, imageId: 'sha256:built', log: '' };
/** What compose config answers once the override is applied. */
const resolved = JSON.stringify({ services: { app: { image: tag, pull_policy: 'never' }, db: { image: 'postgres:17' } } });

const ps = (appState: string, appExit = 0): string =>
  [
    { ID: 'c-app', Name: 'gca-smoke-unit-app-1', Service: 'app', State: appState, ExitCode: appExit },
    { ID: 'c-db', Name: 'gca-smoke-unit-db-1', Service: 'db', State: 'running', ExitCode: 0 },
  ]
    .map((e) => JSON.stringify(e))
    .join('\n');

const inspect = (appStatus: string, appExit = 0): string =>
  JSON.stringify(
    [
      ['c-app', 'app', appStatus, appExit],
      ['c-db', 'db', 'running', 0],
    ].map(([id, service, status, exit]) => ({
      Id: id,
      Name: `/gca-smoke-unit-${service}-1`,
      State: { Status: status, Restarting: false, ExitCode: exit, OOMKilled: false, Error: '' },
      RestartCount: 0,
      Config: { Labels: { 'com.docker.compose.service': service } },
    })),
  );

async function smoke(script: DockerScript) {
  const docker = new FakeDocker({
    composeConfig: async () => servicesOf(resolved),
    listProjectObjects: async (kind) => (kind === 'network' ? ['n1'] : []),
    ...script,
  });
  const reporter = new RecordingReporter();
  const saved: Record<string, string> = {};
  const state = new StateWriter((name, value) => (saved[name] = value));
  const workDir = join(dir, `w-${Math.random().toString(36).slice(2)}`);
  mkdirSync(workDir, { recursive: true });
  const result = await runSmokeTest(setup, { docker, plan: testPlan({ load: true, tags: ['app:1'] }), build, workDir, reporter, state });
  return { result, docker, reporter, post: readPostState((n) => saved[n] ?? ''), workDir };
}

/** The calls of a cleanup, in order: down, the label sweeps, the image tag. */
const CLEANUP = ['composeDown', 'listProjectObjects', 'listProjectObjects', 'removeObjects', 'listProjectObjects', 'removeImage'];

describe('runSmokeTest', () => {
  it('a passing stack: reuses the loaded image, starts compose with the override, polls until ready, cleans up', async () => {
    const { result, docker, post, workDir } = await smoke({
      composeContainers: async () => containersOf(ps('running'), inspect('running')),
    });
    expect(result.status).toBe('passed');
    expect(result.failure).toBeUndefined();
    const methods = docker.methods();
    expect(methods.slice(0, 3)).toEqual(['tagImage', 'composeConfig', 'composeUp']);
    expect(docker.callsOf('tagImage')[0]).toEqual(['app:1', tag]);
    const project = docker.callsOf('composeUp')[0]![0] as ComposeProject;
    expect(project).toEqual({
      name: 'gca-smoke-unit',
      files: ['/ws/compose.yaml', join(workDir, 'smoke-compose.override.yaml')],
      cwd: '/ws',
    });
    // Ready in two polls in a row, then no more polls.
    expect(methods.filter((m) => m === 'composeContainers').length).toBeGreaterThanOrEqual(2);
    expect(methods).not.toContain('composeLogs');
    expect(methods.slice(-CLEANUP.length)).toEqual(CLEANUP);
    expect(docker.callsOf('removeObjects')).toEqual([['network', ['n1']]]);
    expect(docker.callsOf('removeImage')).toEqual([[tag]]);
    expect(existsSync(join(workDir, 'smoke-compose.override.yaml'))).toBe(false);
    // Removed by the main step: the post step has nothing left to do.
    expect(post.smoke).toBeUndefined();
  });

  it("a failing stack: reads the failed service's logs, fails with its reason, and still cleans up", async () => {
    const { result, docker, reporter } = await smoke({
      composeContainers: async () => containersOf(ps('exited', 2), inspect('exited', 2)),
      composeLogs: async () => 'panic: no config',
    });
    expect(result.status).toBe('failed');
    expect(result.failure).toMatch(/app/);
    expect(docker.callsOf('composeLogs').map((c) => c[1])).toEqual(['app']);
    expect(result.summary).toContain('panic: no config');
    expect(reporter.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      expect.stringMatching(/^Service app is not ready: /),
    ]);
    expect(docker.methods().slice(-CLEANUP.length)).toEqual(CLEANUP);
  });

  it('a neighbour whose image cannot be pulled: blamed once, on its own, with no logs to read; the service under test is not', async () => {
    const pull = 'failed to resolve reference "docker.io/library/postgres:17": pull access denied';
    const { result, docker, reporter } = await smoke({
      composeUp: () => ended({ exitCode: 18, output: `\n db Pulling \n db Error ${pull}\nError response from daemon: ${pull}\n` }),
    });
    expect(result).toMatchObject({ status: 'failed', detail: 'db: cannot be pulled' });
    const [when, reasons] = (result.failure ?? '').split(/(?<=^Compose smoke test failed after \d+\.\d s): /);
    expect(when).toMatch(/^Compose smoke test failed after \d+\.\d s$/);
    expect(reasons).toBe(`service db: image postgres:17 cannot be pulled: ${pull}`);
    const errors = reporter.annotations.filter((a) => a.level === 'error');
    expect(errors.map((a) => [a.message, a.props?.title])).toEqual([
      [`Service db is not ready: image postgres:17 cannot be pulled: ${pull}.`, 'Compose smoke test: db'],
    ]);
    expect(docker.methods()).not.toContain('composeLogs');
    expect(result.summary).toContain('| `app` | ⏳ not started | — | not started: compose up stopped at db |');
    expect(docker.methods().slice(-CLEANUP.length)).toEqual(CLEANUP);
  });

  it('an override compose rejects: fails before up, and still cleans up', async () => {
    const { result, docker } = await smoke({ composeConfig: async () => composeFailed('services.app.image must be a string') });
    expect(result).toMatchObject({ status: 'failed', detail: 'could not start' });
    expect(result.failure).toMatch(/docker compose config rejects the smoke test override: services\.app\.image must be a string/);
    expect(docker.methods()).not.toContain('composeUp');
    expect(docker.methods().slice(-CLEANUP.length)).toEqual(CLEANUP);
  });
});

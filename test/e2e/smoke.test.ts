import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { freePort } from '../support/ports.js';
import { docker, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

// The fixture app and its compose files; every scenario builds the same context, so after
// the first build the others are answered from BuildKit's cache (but never rely on it).
const app = copyApp('test/fixtures/smoke');
afterAll(() => app.remove());

const goImage = (): string => `GO_IMAGE=${stack.goImage}`;

/** What the engine holds: containers, networks, volumes and image tags. */
interface Snapshot {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: string[];
}
const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
function snapshot(): Snapshot {
  return {
    containers: lines(docker(['ps', '-aq', '--no-trunc'])),
    networks: lines(docker(['network', 'ls', '-q', '--no-trunc'])),
    volumes: lines(docker(['volume', 'ls', '-q'])),
    images: lines(docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])),
  };
}

/**
 * What appeared since `before` and belongs to a smoke-test project (the engine is shared with
 * other tests running at the same time, so only our own kind of object is counted).
 */
function smokeLeftovers(before: Snapshot, project: string): Record<keyof Snapshot, string[]> {
  const after = snapshot();
  const fresh = (key: keyof Snapshot): string[] => after[key].filter((id) => !before[key].includes(id));
  const projectOf = (kind: 'container' | 'network' | 'volume', id: string): string => {
    try {
      return docker([
        kind,
        'inspect',
        '--format',
        '{{index .Labels "com.docker.compose.project"}}{{with .Config}}{{index .Labels "com.docker.compose.project"}}{{end}}',
        id,
      ]).trim();
    } catch {
      return ''; // gone meanwhile
    }
  };
  const ours =
    (kind: 'container' | 'network' | 'volume') =>
    (id: string): boolean =>
      projectOf(kind, id).startsWith('gca-smoke-') || id.includes(project);
  return {
    containers: fresh('containers').filter(ours('container')),
    networks: fresh('networks').filter(ours('network')),
    volumes: fresh('volumes').filter(ours('volume')),
    images: after.images.filter((ref) => ref.startsWith('go-container-action-smoke:')),
  };
}
const NOTHING = { containers: [], networks: [], volumes: [], images: [] };

const errors = (run: ActionRun) => annotations(run.main.stdout).filter((a) => a.level === 'error');
/** The compose project a run started, from its log group (the state is emptied once the main step cleaned up). */
const projectOf = (run: ActionRun): string => /\(project (gca-smoke-[0-9a-f]+)\)/.exec(run.main.stdout)?.[1] ?? '';

describe('a healthy stack built for two platforms: one-shot migration, health-checked app, a dependent service', () => {
  let run: ActionRun;
  let before: Snapshot;
  let port: number;

  beforeAll(async () => {
    before = snapshot();
    port = await freePort();
    run = await runAction({
      workspace: app.dir,
      env: { SMOKE_PORT: String(port) },
      inputs: {
        platforms: 'linux/amd64,linux/arm64',
        'build-args': goImage(),
        version: '2.0.0',
        'compose-file': 'healthy.compose.yaml',
        'smoke-timeout': '90s',
        'smoke-probes': `http://localhost:${port}/health\nhttp://localhost:${port}/version`,
      },
    });
  });

  it('passes and says so in the output', () => {
    expect(errors(run), run.main.stdout).toEqual([]);
    expect(run.main.exitCode).toBe(0);
    expect(run.main.outputs['smoke-status']).toBe('passed');
    expect(run.post?.exitCode).toBe(0);
  });

  it('does not inherit compose issue 10596: the migration that exits 0 is ready, and nothing waits on it', () => {
    expect(run.summary).toMatch(/\| `migrate` \| ✅ completed \| \d+\.\d s \|/);
    expect(run.summary).toMatch(/\| `app` \| ✅ healthy \| \d+\.\d s \|/);
    expect(run.summary).toMatch(/\| `web` \| ✅ running \| \d+\.\d s \|/);
    expect(run.summary).toMatch(/Compose smoke test: ✅ passed in \d+\.\d s/);
  });

  it('ran the image this run built (the version stamped in it answers the probe), loaded for the runner platform by a cached second build', () => {
    expect(run.summary).toContain(`| \`http://localhost:${port}/version\` | ✅ answered 200 |`);
    expect(run.main.stdout).toMatch(
      /Loaded linux\/amd64 as go-container-action-smoke:gca-smoke-[0-9a-f]+ with a cached build in \d+\.\d s/,
    );
    expect(run.main.stdout).toMatch(/Same 1 layer as the build's linux\/amd64 image/);
    expect(run.main.stdout).toContain(`${port}/version: 200`);
    expect(run.main.stdout).toMatch(/app: healthy after/);
  });

  it('leaves no container, network, volume, image tag or override file behind', () => {
    const project = projectOf(run);
    expect(project).toMatch(/^gca-smoke-/);
    expect(smokeLeftovers(before, project)).toEqual(NOTHING);
    // The main step removed it all: the post step is left nothing to clean up.
    expect(run.main.state.smoke).toBe('');
    expect(run.main.stdout).toMatch(/Removed project gca-smoke-[0-9a-f]+ and its image tag/);
    expect(run.leftovers).toEqual([]);
  });
});

describe('a service whose health check can never pass', () => {
  let run: ActionRun;
  let before: Snapshot;
  const tag = `${uniqueName('gca-smoke-e2e/loaded')}:test`;
  afterAll(() => {
    docker(['image', 'rm', tag]);
  });

  beforeAll(async () => {
    before = snapshot();
    run = await runAction({
      workspace: app.dir,
      inputs: { 'build-args': goImage(), load: 'true', tags: tag, 'compose-file': 'unhealthy.compose.yaml' },
    });
  });

  it('fails, naming the service as unhealthy with its health log, well before the 120 s default', () => {
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    const failure = errors(run).find((a) => a.message.startsWith('Service app '));
    expect(failure?.props).toBe('title=Compose smoke test%3A app');
    expect(failure?.message).toMatch(
      /^Service app is not ready: unhealthy: its health check failed \d+ times in a row, last with exit 1: health: 503 Service Unavailable\.$/,
    );
    const failedAfter = /Compose smoke test failed after (\d+\.\d) s: service app: unhealthy/.exec(run.main.stdout);
    expect(failedAfter, run.main.stdout).not.toBeNull();
    expect(Number(failedAfter![1])).toBeLessThan(60);
  });

  it('reused the loaded image instead of building again', () => {
    expect(run.main.stdout).toMatch(/Reusing the loaded image \S+ as go-container-action-smoke:/);
    expect(run.main.stdout).not.toMatch(/with a cached build/);
  });

  it('shows the health log and the logs in a collapsed group and in the summary', () => {
    expect(run.main.stdout).toMatch(/::group::Smoke test: app unhealthy: health-check log and last 100 log lines/);
    expect(run.main.stdout).toMatch(/smokeapp .* listening on :8080 \(mode "never-healthy"\)/);
    expect(run.summary).toMatch(/\| `app` \| ❌ unhealthy \|/);
    expect(run.summary).toMatch(/\| `cache` \| ✅ running \|/);
    expect(run.summary).toContain('<details><summary>app: health-check log</summary>');
    expect(run.summary).toMatch(/\[\d\d:\d\d:\d\d\] exit 1: health: 503 Service Unavailable/);
    expect(run.summary).toContain('<details><summary>app: last 100 log lines</summary>');
  });

  it('leaves nothing of the stack behind', () => {
    expect(smokeLeftovers(before, projectOf(run))).toEqual(NOTHING);
  });
});

describe('a crashing service', () => {
  it('fails at once with the exit code and the last log lines, and leaves nothing behind', async () => {
    const before = snapshot();
    const run = await runAction({
      workspace: app.dir,
      inputs: { 'build-args': goImage(), 'compose-file': 'crash.compose.yaml', 'smoke-timeout': '2m' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    expect(run.main.stdout).toMatch(/Compose smoke test failed after \d+\.\d s: service app: exited with code 3/);
    expect(run.main.stdout).toContain('fatal: DATABASE_URL is not set');
    expect(run.summary).toMatch(/\| `app` \| ❌ exited 3 \|/);
    expect(smokeLeftovers(before, projectOf(run))).toEqual(NOTHING);
    expect(run.leftovers).toEqual([]);
  });
});

describe('a probe that answers 500', () => {
  it('fails when the deadline passes, with the status and the body, and leaves nothing behind', async () => {
    const before = snapshot();
    const port = await freePort();
    const run = await runAction({
      workspace: app.dir,
      env: { SMOKE_PORT: String(port) },
      inputs: {
        'build-args': goImage(),
        'compose-file': 'probe.compose.yaml',
        'smoke-timeout': '6s',
        'smoke-probes': `http://localhost:${port}/health\nhttp://localhost:${port}/broken`,
      },
    });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    expect(run.main.stdout).toMatch(
      new RegExp(
        `Compose smoke test timed out after \\d+\\.\\d s: probe http://localhost:${port}/broken answered 500: internal error: template missing`,
      ),
    );
    expect(run.summary).toContain(`| \`http://localhost:${port}/health\` | ✅ answered 200 |`);
    expect(run.summary).toMatch(/\| `app` \| ✅ healthy \|/);
    expect(smokeLeftovers(before, projectOf(run))).toEqual(NOTHING);
  });
});

describe('a stack compose cannot start (its port is taken)', () => {
  it("fails at once with compose's own error, and leaves nothing behind", async () => {
    const port = await freePort();
    const blocker = docker([
      'run',
      '-d',
      '--rm',
      '-p',
      `${port}:8080`,
      '--name',
      uniqueName('gca-e2e-port'),
      'busybox:latest',
      'sleep',
      '120',
    ]).trim();
    try {
      const before = snapshot();
      const run = await runAction({
        workspace: app.dir,
        env: { SMOKE_PORT: String(port) },
        inputs: { 'build-args': goImage(), 'compose-file': 'probe.compose.yaml' },
      });
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs['smoke-status']).toBe('failed');
      expect(run.main.stdout).toMatch(
        new RegExp(
          `Compose smoke test failed after \\d+\\.\\d s: service app: cannot start: .*Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`,
        ),
      );
      expect(smokeLeftovers(before, projectOf(run))).toEqual(NOTHING);
    } finally {
      docker(['rm', '-f', blocker]);
    }
  });
});

describe('a neighbour whose image cannot be pulled', () => {
  it('fails naming the neighbour and its image once, never blaming the service under test, and leaves nothing behind', async () => {
    const before = snapshot();
    const run = await runAction({ workspace: app.dir, inputs: { 'build-args': goImage(), 'compose-file': 'neighbour-pull.compose.yaml' } });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    const failure = errors(run).find((a) => a.message.startsWith('Compose smoke test failed'));
    expect(failure, run.main.stdout).toBeDefined();
    const message = failure!.message;
    expect(message).toMatch(
      /^Compose smoke test failed after \d+\.\d s: service db: image 127\.0\.0\.1:5000\/gca-e2e-absent\/db:1 cannot be pulled: .*not found/,
    );
    // Compose prints the registry's answer on the service's line and again as the daemon's error: once here.
    expect(message.split('127.0.0.1:5000/gca-e2e-absent/db:1: not found')).toHaveLength(2);
    expect(message.length).toBeLessThan(400);
    // The service under test did nothing wrong: no annotation blames it, and the summary says it was never started.
    for (const a of errors(run)) expect(a.message).not.toMatch(/\bapp\b|Service app/);
    expect(errors(run).filter((a) => a.props === 'title=Compose smoke test%3A db')).toHaveLength(1);
    expect(run.summary).toMatch(/\| `db` \| ❌ cannot be pulled \|/);
    expect(run.summary).toMatch(/\| `app` \| ⏳ not started \| — \| not started: compose up stopped at db \|/);
    expect(smokeLeftovers(before, projectOf(run))).toEqual(NOTHING);
  });
});

describe('a scratch image whose health check calls wget', () => {
  it("fails with the engine's exact message and a hint at smoke-probes or a health flag", async () => {
    const before = snapshot();
    const run = await runAction({
      workspace: app.dir,
      inputs: { 'build-args': goImage(), 'compose-file': 'wget-health.compose.yaml', 'smoke-timeout': '60s' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    const failure = errors(run).find((a) => a.message.startsWith('Compose smoke test failed'));
    expect(failure, run.main.stdout).toBeDefined();
    const exact = 'exec: "wget": executable file not found in $PATH';
    expect(failure!.message).toMatch(/^Compose smoke test failed after \d+\.\d s: service app: unhealthy: its health check cannot run: /);
    expect(failure!.message.split(exact)).toHaveLength(2);
    expect(failure!.message).toContain('the image has no wget (a shell-less image such as scratch or distroless)');
    expect(failure!.message).toContain("the action's smoke-probes input");
    expect(failure!.message).toContain('HEALTHCHECK CMD ["/app", "-health"]');
    expect(run.summary).toMatch(/\| `app` \| ❌ unhealthy \|.*executable file not found in \$PATH/);
    expect(smokeLeftovers(before, projectOf(run))).toEqual(NOTHING);
  });
});

describe('a cancelled run', () => {
  it('is cleaned up by the post step', async () => {
    const before = snapshot();
    const slow = join(app.dir, 'slow.compose.yaml');
    writeFileSync(
      slow,
      'services:\n  app:\n    build: .\n    healthcheck:\n      test: ["CMD", "/smokeapp", "-health"]\n      interval: 30s\n      start_period: 60s\n',
    );
    // The main step is cancelled while it waits for the stack (as a runner cancels a job); the post step still runs.
    const run = await runAction({
      workspace: app.dir,
      inputs: { 'build-args': goImage(), 'compose-file': 'slow.compose.yaml' },
      cancelWhen: /app: starting after/,
    });
    rmSync(slow);
    expect(run.main.exitCode).not.toBe(0);
    // The state the post step reads (src/state.ts): the project to remove, as JSON.
    const project = (JSON.parse(run.main.state.smoke ?? '{}') as { project?: string }).project;
    expect(project).toBe(projectOf(run));
    expect(project, run.main.stdout).toMatch(/^gca-smoke-/);
    expect(run.main.stdout).toMatch(/app: starting after/);
    expect(run.post?.exitCode).toBe(0);
    expect(annotations(run.post!.stdout).filter((a) => a.level !== 'notice')).toEqual([]);
    expect(smokeLeftovers(before, project!)).toEqual(NOTHING);
    expect(run.leftovers).toEqual([]);
  });
});

describe('bad compose input fails before the build', () => {
  it.each([
    [
      'a file compose cannot parse',
      { 'compose-file': 'broken.compose.yaml' },
      /^Input 'compose-file': docker compose config rejects broken\.compose\.yaml: .*services\.app.*/,
    ],
    [
      'a service that is not in the files',
      { 'compose-file': 'healthy.compose.yaml', 'compose-service': 'api' },
      /^Input 'compose-service': 'api' is not a service of the compose files \(services: app, migrate, web\)/,
    ],
    [
      'a platform list without the runner platform',
      { 'compose-file': 'healthy.compose.yaml', platforms: 'linux/arm64' },
      /^Input 'compose-file': the smoke test runs the image for this runner's platform linux\/amd64/,
    ],
    [
      'smoke-timeout: soon',
      { 'compose-file': 'healthy.compose.yaml', 'smoke-timeout': 'soon' },
      /^Input 'smoke-timeout': 'soon' is not a duration/,
    ],
    [
      'a probe that is not http(s)',
      { 'compose-file': 'healthy.compose.yaml', 'smoke-probes': 'tcp://localhost:5432' },
      /^Input 'smoke-probes': 'tcp:\/\/localhost:5432' is not an http\(s\) URL/,
    ],
  ])('%s', async (_name, inputs, message) => {
    writeFileSync(
      join(app.dir, 'broken.compose.yaml'),
      'services:\n  app:\n    build: .\n    ports: "not a list"\n    restart: sometimes\n',
    );
    const run = await runAction({ workspace: app.dir, inputs: { 'build-args': goImage(), ...inputs } });
    expect(run.main.exitCode).toBe(1);
    const errs = errors(run);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toMatch(message);
    expect(run.main.stdout).not.toMatch(/::group::Building/);
    expect(run.main.outputs['smoke-status']).toBeUndefined();
    expect(existsSync(run.runnerTemp) ? readdirSync(run.runnerTemp) : []).toEqual([]);
  });
});

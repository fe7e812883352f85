import { describe, expect, it } from 'vitest';
import type { ContainerSample } from '../../src/smoke/readiness.js';
import { waitForStack, type ProbeAttempt, type WaitDeps } from '../../src/smoke/wait.js';
import { failureMessage, formatHealthLog, renderSmokeSummary, shortDetail } from '../../src/smoke/report.js';
import { containerSample } from '../support/samples.js';

const c = containerSample;
const starting = { health: { status: 'starting', failingStreak: 0, log: [] } };
const healthy = { health: { status: 'healthy', failingStreak: 0, log: [] } };
const unhealthy = {
  health: {
    status: 'unhealthy',
    failingStreak: 3,
    log: [{ start: '2026-11-22T19:56:43.5Z', end: '2026-11-22T19:56:43.6Z', exitCode: 1, output: 'db down\n' }],
  },
};

/**
 * A scripted world: each poll returns the next sample (the last one repeats); the clock moves
 * only when the loop sleeps, so the deadline is reached in a known number of polls.
 */
function world(
  polls: ContainerSample[][],
  opts: { up?: { exitCode: number; output: string }; upAfterPoll?: number; probe?: (url: string) => ProbeAttempt } = {},
) {
  let clock = 0;
  let poll = 0;
  const log: string[] = [];
  const probed: string[] = [];
  const deps: WaitDeps = {
    sample: async () => polls[Math.min(poll++, polls.length - 1)]!,
    probe: async (url) => {
      probed.push(url);
      return (opts.probe ?? (() => ({ ok: true, status: 200, detail: 'ok' })))(url);
    },
    // Read before each poll: up has ended once `upAfterPoll` polls were taken.
    upResult: () => (poll >= (opts.upAfterPoll ?? 0) ? (opts.up ?? { exitCode: 0, output: '' }) : undefined),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    log: (m) => log.push(m),
  };
  return { deps, log, probed, polls: () => poll };
}

/** The project of the samples (containers p-<service>-1) and its images. */
const compose = {
  project: 'p',
  images: { app: 'go-container-action-smoke:p', migrate: 'busybox:latest', web: 'busybox:latest', db: '127.0.0.1:5000/nope:1' },
};

describe('waitForStack', () => {
  it('passes once every service is ready in two polls in a row, with the time each became ready', async () => {
    const w = world([
      [c('migrate', { status: 'running' }), c('app', starting)],
      [c('migrate', { status: 'exited' }), c('app', healthy)],
    ]);
    const outcome = await waitForStack({ compose, expected: ['migrate', 'app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(true);
    expect(outcome.services.map((s) => [s.service, s.state, s.readyAfterMs])).toEqual([
      ['migrate', 'completed', 500],
      ['app', 'healthy', 500],
    ]);
    expect(w.polls()).toBe(3);
    expect(w.log).toEqual([
      'migrate: running after 0.0 s',
      'app: starting after 0.0 s',
      'migrate: completed after 0.5 s',
      'app: healthy after 0.5 s',
    ]);
  });

  it('does not call a container ready that dies right after starting', async () => {
    const w = world([[c('app')], [c('app', { status: 'exited', exitCode: 2 })]]);
    const outcome = await waitForStack({ compose, expected: ['app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(false);
    expect(outcome.services[0]).toMatchObject({ state: 'exited 2', reason: 'exited with code 2' });
  });

  it.each([
    ['unhealthy', [c('app', unhealthy)], 'unhealthy'],
    ['a non-zero exit of a one-shot service', [c('app', { status: 'exited', exitCode: 1 })], 'exited 1'],
    ['a restart loop', [c('app', { restartCount: 2, exitCode: 2 })], 'restarting'],
  ])('fails at the first poll on %s, long before the deadline', async (_name, sample, state) => {
    const w = world([sample]);
    const outcome = await waitForStack({ compose, expected: ['app'], probes: ['http://localhost:1/'], timeoutMs: 120_000 }, w.deps);
    expect(outcome).toMatchObject({ ok: false, timedOut: false, elapsedMs: 0 });
    expect(outcome.services[0]!.state).toBe(state);
    expect(w.probed).toEqual([]);
  });

  it('times out with one deadline, naming what still waits, and not what waited for it', async () => {
    const w = world([[c('app', starting)]]);
    const outcome = await waitForStack({ compose, expected: ['app', 'web'], probes: [], timeoutMs: 3_000 }, w.deps);
    expect(outcome).toMatchObject({ ok: false, timedOut: true, elapsedMs: 3_000 });
    expect(outcome.services.map((s) => [s.service, s.readiness, s.state, s.reason])).toEqual([
      ['app', 'failed', 'timed out', 'timed out: health check has not passed yet'],
      ['web', 'waiting', 'not started', 'not started by the deadline: waiting for its dependencies (not ready: app)'],
    ]);
    expect(failureMessage(outcome)).toBe(
      'Compose smoke test timed out after 3.0 s: service app: timed out: health check has not passed yet',
    );
  });

  it('times out every service when none was running yet (a slow pull)', async () => {
    const w = world([[]]);
    const outcome = await waitForStack({ compose, expected: ['app', 'web'], probes: [], timeoutMs: 1_000 }, w.deps);
    expect(failureMessage(outcome)).toBe(
      'Compose smoke test timed out after 1.0 s: service app: timed out: no container yet (compose has not created it); service web: timed out: no container yet (compose has not created it)',
    );
  });

  it('waits for up to finish before passing', async () => {
    const w = world([[c('app')]], { upAfterPoll: 4 });
    const outcome = await waitForStack({ compose, expected: ['app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(true);
    expect(w.polls()).toBe(5);
  });

  it("fails at once with compose up's error, on no service when it names none, and leaves the others not started", async () => {
    const w = world([[c('app', { status: 'created' })]], {
      up: {
        exitCode: 1,
        output:
          ' Network p_default  Creating\nfailed to create network p_default: Error response from daemon: all predefined address pools have been fully subnetted\n',
      },
    });
    const outcome = await waitForStack({ compose, expected: ['app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome).toMatchObject({
      ok: false,
      timedOut: false,
      upError: 'failed to create network p_default: Error response from daemon: all predefined address pools have been fully subnetted',
    });
    expect(outcome.services[0]).toMatchObject({
      readiness: 'waiting',
      state: 'not started',
      reason: 'not started: docker compose up failed',
    });
    expect(failureMessage(outcome)).toBe(
      'Compose smoke test failed after 0.0 s: docker compose up failed: failed to create network p_default: Error response from daemon: all predefined address pools have been fully subnetted',
    );
    expect(shortDetail(outcome)).toBe('compose up failed');
  });

  it('blames a neighbour whose image cannot be pulled, once, and not the service under test', async () => {
    const pull = 'failed to resolve reference "127.0.0.1:5000/nope:1": 127.0.0.1:5000/nope:1: not found';
    const w = world([[]], { up: { exitCode: 18, output: ` db Pulling \n db Error ${pull}\nError response from daemon: ${pull}\n` } });
    const outcome = await waitForStack({ compose, expected: ['app', 'db'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.services.map((s) => [s.service, s.readiness, s.state, s.reason])).toEqual([
      ['app', 'waiting', 'not started', 'not started: compose up stopped at db'],
      ['db', 'failed', 'cannot be pulled', `image 127.0.0.1:5000/nope:1 cannot be pulled: ${pull}`],
    ]);
    expect(outcome.upError).toBeUndefined();
    expect(failureMessage(outcome)).toBe(
      `Compose smoke test failed after 0.0 s: service db: image 127.0.0.1:5000/nope:1 cannot be pulled: ${pull}`,
    );
    expect(shortDetail(outcome)).toBe('db: cannot be pulled');
  });

  it("reports the failed container rather than up's echo of it (a failed dependency), and not the dependent service", async () => {
    const w = world([[c('migrate', { status: 'exited', exitCode: 1 }), c('app', { status: 'created' })]], {
      up: {
        exitCode: 1,
        output:
          ' Container p-migrate-1  service "migrate" didn\'t complete successfully: exit 1\nservice "migrate" didn\'t complete successfully: exit 1\n',
      },
    });
    const outcome = await waitForStack({ compose, expected: ['migrate', 'app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.services.map((s) => [s.service, s.readiness, s.state])).toEqual([
      ['migrate', 'failed', 'exited 1'],
      ['app', 'waiting', 'not started'],
    ]);
    expect(failureMessage(outcome)).toBe('Compose smoke test failed after 0.0 s: service migrate: exited with code 1');
  });

  it('reads the stack after up has ended: a service that turned unhealthy is judged by its own health log', async () => {
    // The first poll sees app starting; up then fails on it; the poll after up sees it unhealthy.
    const w = world(
      [
        [c('app', starting), c('web', { status: 'created' })],
        [c('app', unhealthy), c('web', { status: 'created' })],
      ],
      {
        upAfterPoll: 1,
        up: { exitCode: 1, output: ' Container p-app-1  Error\ndependency failed to start: container p-app-1 is unhealthy\n' },
      },
    );
    const outcome = await waitForStack({ compose, expected: ['app', 'web'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.services.map((s) => [s.service, s.state, s.reason])).toEqual([
      ['app', 'unhealthy', 'unhealthy: its health check failed 3 times in a row, last with exit 1: db down'],
      ['web', 'not started', 'not started: compose up stopped at app'],
    ]);
  });

  it('tries each probe until it answers 2xx, then passes', async () => {
    let attempts = 0;
    const w = world([[c('app', healthy)]], {
      probe: () =>
        ++attempts < 3 ? { ok: false, detail: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8080' } : { ok: true, status: 204, detail: '' },
    });
    const outcome = await waitForStack({ compose, expected: ['app'], probes: ['http://localhost:8080/health'], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(true);
    expect(outcome.probes).toMatchObject([{ url: 'http://localhost:8080/health', ok: true, attempts: 3 }]);
    expect(shortDetail(outcome)).toBe('1 service ready in 1.5 s, 1 probe answered 2xx');
  });

  it('fails at the deadline on a probe that answers 500, with its answer', async () => {
    const w = world([[c('app', healthy)]], {
      probe: (url) =>
        url.endsWith('/broken') ? { ok: false, status: 500, detail: 'internal error' } : { ok: true, status: 200, detail: 'ok' },
    });
    const outcome = await waitForStack(
      { compose, expected: ['app'], probes: ['http://localhost:8080/health', 'http://localhost:8080/broken'], timeoutMs: 2_000 },
      w.deps,
    );
    expect(outcome).toMatchObject({ ok: false, timedOut: true });
    expect(failureMessage(outcome)).toMatch(
      /^Compose smoke test timed out after 2\.0 s: probe http:\/\/localhost:8080\/broken answered 500: internal error, \d attempts$/,
    );
    expect(shortDetail(outcome)).toBe('http://localhost:8080/broken 500');
  });
});

describe('report', () => {
  it('formats the last health probes with their time, exit code and output', () => {
    expect(formatHealthLog(unhealthy.health.log)).toBe('[19:56:43] exit 1: db down');
  });

  it('escapes outside text and fences logs that hold backticks', async () => {
    const w = world([[c('app', unhealthy)]]);
    const outcome = await waitForStack({ compose, expected: ['app'], probes: [], timeoutMs: 1_000 }, w.deps);
    const md = renderSmokeSummary({
      outcome,
      project: 'gca-smoke-1',
      image: 'go-container-action-smoke:gca-smoke-1',
      platform: 'linux/amd64',
      underTest: ['app'],
      logs: new Map([['app', 'panic: ``` | <script> @team']]),
    });
    expect(md).toContain('### 🧪 Compose smoke test: ❌ failed after 0.0 s');
    expect(md).toContain('| `app` | ❌ unhealthy | — | unhealthy: its health check failed 3 times in a row, last with exit 1: db down |');
    expect(md).toContain('<details><summary>app: health-check log</summary>\n\n```text\n[19:56:43] exit 1: db down\n```\n\n</details>');
    expect(md).toContain('````text\npanic: ``` | <script> @team\n````');
  });
});

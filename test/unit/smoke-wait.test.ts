import { describe, expect, it } from 'vitest';
import type { ContainerSample } from '../../src/smoke/readiness.js';
import { waitForStack, type ProbeAttempt, type WaitDeps } from '../../src/smoke/wait.js';
import { failureMessage, formatHealthLog, renderSmokeSummary, shortDetail } from '../../src/smoke/report.js';
import { containerSample } from '../support/samples.js';

const c = containerSample;
const starting = { health: { status: 'starting', failingStreak: 0, log: [] } };
const healthy = { health: { status: 'healthy', failingStreak: 0, log: [] } };
const unhealthy = {
  health: { status: 'unhealthy', failingStreak: 3, log: [{ start: '2026-11-22T19:56:43.5Z', end: '2026-11-22T19:56:43.6Z', exitCode: 1, output: 'db down\n' }] },
};

/**
 * A scripted world: each poll returns the next sample (the last one repeats); the clock moves
 * only when the loop sleeps, so the deadline is reached in a known number of polls.
 */
function world(polls: ContainerSample[][], opts: { up?: { exitCode: number; error: string }; upAfterPoll?: number; probe?: (url: string) => ProbeAttempt } = {}) {
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
    upResult: () => (poll > (opts.upAfterPoll ?? 0) ? (opts.up ?? { exitCode: 0, error: '' }) : undefined),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    log: (m) => log.push(m),
  };
  return { deps, log, probed, polls: () => poll };
}

describe('waitForStack', () => {
  it('passes once every service is ready in two polls in a row, with the time each became ready', async () => {
    const w = world([[c('migrate', { status: 'running' }), c('app', starting)], [c('migrate', { status: 'exited' }), c('app', healthy)]]);
    const outcome = await waitForStack({ expected: ['migrate', 'app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(true);
    expect(outcome.services.map((s) => [s.service, s.state, s.readyAfterMs])).toEqual([
      ['migrate', 'completed', 500],
      ['app', 'healthy', 500],
    ]);
    expect(w.polls()).toBe(3);
    expect(w.log).toEqual(['migrate: running after 0.0 s', 'app: starting after 0.0 s', 'migrate: completed after 0.5 s', 'app: healthy after 0.5 s']);
  });

  it('does not call a container ready that dies right after starting', async () => {
    const w = world([[c('app')], [c('app', { status: 'exited', exitCode: 2 })]]);
    const outcome = await waitForStack({ expected: ['app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(false);
    expect(outcome.services[0]).toMatchObject({ state: 'exited 2', reason: 'exited with code 2' });
  });

  it.each([
    ['unhealthy', [c('app', unhealthy)], 'unhealthy'],
    ['a non-zero exit of a one-shot service', [c('app', { status: 'exited', exitCode: 1 })], 'exited 1'],
    ['a restart loop', [c('app', { restartCount: 2, exitCode: 2 })], 'restarting'],
  ])('fails at the first poll on %s, long before the deadline', async (_name, sample, state) => {
    const w = world([sample]);
    const outcome = await waitForStack({ expected: ['app'], probes: ['http://localhost:1/'], timeoutMs: 120_000 }, w.deps);
    expect(outcome).toMatchObject({ ok: false, timedOut: false, elapsedMs: 0 });
    expect(outcome.services[0]!.state).toBe(state);
    expect(w.probed).toEqual([]);
  });

  it('times out with one deadline, naming what still waits', async () => {
    const w = world([[c('app', starting)]]);
    const outcome = await waitForStack({ expected: ['app', 'web'], probes: [], timeoutMs: 3_000 }, w.deps);
    expect(outcome).toMatchObject({ ok: false, timedOut: true, elapsedMs: 3_000 });
    expect(outcome.services.map((s) => [s.service, s.state, s.reason])).toEqual([
      ['app', 'timed out', 'timed out: health check has not passed yet'],
      ['web', 'timed out', 'timed out: no container yet (compose has not created it)'],
    ]);
    expect(failureMessage(outcome)).toBe('Compose smoke test timed out after 3.0 s: app: timed out: health check has not passed yet; web: timed out: no container yet (compose has not created it)');
  });

  it('waits for up to finish before passing', async () => {
    const w = world([[c('app')]], { upAfterPoll: 4 });
    const outcome = await waitForStack({ expected: ['app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(true);
    expect(w.polls()).toBe(5);
  });

  it('fails with compose up\'s error when no container shows why', async () => {
    const w = world([[c('app', { status: 'created' })]], { up: { exitCode: 1, error: 'Bind for 0.0.0.0:8080 failed: port is already allocated' } });
    const outcome = await waitForStack({ expected: ['app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome).toMatchObject({ ok: false, upError: 'Bind for 0.0.0.0:8080 failed: port is already allocated' });
    expect(outcome.services[0]).toMatchObject({ readiness: 'failed', state: 'not started' });
  });

  it('reports the failed container rather than up\'s error when there is one (a failed dependency)', async () => {
    const w = world([[c('migrate', { status: 'exited', exitCode: 1 }), c('app', { status: 'created' })]], { up: { exitCode: 1, error: 'service "migrate" didn\'t complete successfully: exit 1' } });
    const outcome = await waitForStack({ expected: ['migrate', 'app'], probes: [], timeoutMs: 10_000 }, w.deps);
    expect(outcome.services.map((s) => [s.service, s.readiness, s.state])).toEqual([
      ['migrate', 'failed', 'exited 1'],
      ['app', 'waiting', 'created'],
    ]);
    expect(failureMessage(outcome)).toBe('Compose smoke test failed after 0.0 s: migrate: exited with code 1; app: created, not started yet (waiting for its dependencies)');
  });

  it('tries each probe until it answers 2xx, then passes', async () => {
    let attempts = 0;
    const w = world([[c('app', healthy)]], { probe: () => (++attempts < 3 ? { ok: false, detail: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8080' } : { ok: true, status: 204, detail: '' }) });
    const outcome = await waitForStack({ expected: ['app'], probes: ['http://localhost:8080/health'], timeoutMs: 10_000 }, w.deps);
    expect(outcome.ok).toBe(true);
    expect(outcome.probes).toMatchObject([{ url: 'http://localhost:8080/health', ok: true, attempts: 3 }]);
    expect(shortDetail(outcome)).toBe('1 service ready in 1.5 s, 1 probe answered 2xx');
  });

  it('fails at the deadline on a probe that answers 500, with its answer', async () => {
    const w = world([[c('app', healthy)]], { probe: (url) => (url.endsWith('/broken') ? { ok: false, status: 500, detail: 'internal error' } : { ok: true, status: 200, detail: 'ok' }) });
    const outcome = await waitForStack({ expected: ['app'], probes: ['http://localhost:8080/health', 'http://localhost:8080/broken'], timeoutMs: 2_000 }, w.deps);
    expect(outcome).toMatchObject({ ok: false, timedOut: true });
    expect(failureMessage(outcome)).toMatch(/^Compose smoke test timed out after 2\.0 s: probe http:\/\/localhost:8080\/broken answered 500: internal error, \d attempts$/);
    expect(shortDetail(outcome)).toBe('http://localhost:8080/broken 500');
  });
});

describe('report', () => {
  it('formats the last health probes with their time, exit code and output', () => {
    expect(formatHealthLog(unhealthy.health.log)).toBe('[19:56:43] exit 1: db down');
  });

  it('escapes outside text and fences logs that hold backticks', async () => {
    const w = world([[c('app', unhealthy)]]);
    const outcome = await waitForStack({ expected: ['app'], probes: [], timeoutMs: 1_000 }, w.deps);
    const md = renderSmokeSummary({
      outcome,
      project: 'gca-smoke-1',
      image: 'go-container-action-smoke:gca-smoke-1',
      platform: 'linux/amd64',
      underTest: ['app'],
      logs: new Map([['app', 'panic: ``` | <script> @team']]),
    });
    expect(md).toContain('### 🧪 Compose smoke test: ❌ failed after 0.0 s');
    expect(md).toContain('| `app` | ❌ unhealthy | — | unhealthy: its health check failed 3 times in a row |');
    expect(md).toContain('<details><summary>app: health-check log</summary>\n\n```text\n[19:56:43] exit 1: db down\n```\n\n</details>');
    expect(md).toContain('````text\npanic: ``` | <script> @team\n````');
  });
});

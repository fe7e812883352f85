import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeSamples, parseInspect, parsePs } from '../../src/docker/containers.js';
import { containerVerdict, stackVerdict, timedOut, timedOutStack, type ContainerSample } from '../../src/smoke/readiness.js';
import { containerSample } from '../support/samples.js';

// Real captures from compose 2.26.1 / engine 26.1 (`docker compose ps --all --format json`, `docker inspect`).
const samples = join(import.meta.dirname, '../fixtures/smoke/samples');
const read = (name: string): string => readFileSync(join(samples, name), 'utf8');
const mixed = mergeSamples(parsePs(read('ps-mixed.jsonl')), parseInspect(read('inspect-mixed.json')));
const starting = mergeSamples(parsePs(read('ps-starting.jsonl')), parseInspect(read('inspect-starting.json')));
const byService = (list: ContainerSample[], service: string): ContainerSample => {
  const found = list.find((c) => c.service === service);
  if (!found) throw new Error(`no sample for ${service}`);
  return found;
};

describe('readiness of real container samples', () => {
  it.each([
    // service in the capture, readiness, short state
    ['healthy', 'ready', 'healthy'],
    ['plain', 'ready', 'running'],
    ['oneshot', 'ready', 'completed'],
    ['starting', 'waiting', 'starting'],
    ['unhealthy', 'failed', 'unhealthy'],
    ['crash', 'failed', 'exited 3'],
    ['loop', 'failed', 'restarting'],
    ['loop0', 'failed', 'restarting'],
  ] as const)('%s is %s (%s)', (service, readiness, state) => {
    const verdict = containerVerdict(byService(mixed, service));
    expect(verdict.readiness).toBe(readiness);
    expect(verdict.state).toBe(state);
  });

  it.each([
    ['slow', 'waiting', 'starting'],
    ['dependent', 'waiting', 'created'],
  ] as const)('while up waits for a dependency: %s is %s (%s)', (service, readiness, state) => {
    const verdict = containerVerdict(byService(starting, service));
    expect(verdict.readiness).toBe(readiness);
    expect(verdict.state).toBe(state);
  });

  it('takes the exit code and restart count from docker inspect: compose ps shows 0 while restarting', () => {
    const ps = parsePs(read('ps-mixed.jsonl')).find((e) => e.service === 'loop');
    expect(ps?.exitCode).toBe(0);
    const loop = byService(mixed, 'loop');
    expect(loop.exitCode).toBe(2);
    expect(loop.restartCount).toBeGreaterThan(0);
    expect(containerVerdict(loop).reason).toMatch(/^crashed and restarted \d+ times \(last exit code 2\)$/);
  });

  it('keeps the health log of an unhealthy container', () => {
    const unhealthy = byService(mixed, 'unhealthy');
    expect(unhealthy.health?.log.length).toBe(5);
    expect(unhealthy.health?.log.at(-1)).toMatchObject({ exitCode: 1, output: 'nope\n' });
    expect(containerVerdict(unhealthy).reason).toMatch(/^unhealthy: its health check failed \d+ times in a row, last with exit 1: nope$/);
  });

  it('explains an exit with the code', () => {
    expect(containerVerdict(byService(mixed, 'crash')).reason).toBe('exited with code 3');
  });
});

describe('health checks that cannot run, and containers that cannot start (captures)', () => {
  const wget = mergeSamples(parsePs(read('ps-health-cannot-run.jsonl')), parseInspect(read('inspect-health-cannot-run.json')));
  const hint =
    'the action\'s smoke-probes input (HTTP probes from the runner, on a published port) or give the binary a health flag (HEALTHCHECK CMD ["/app", "-health"])';

  it("a scratch image with a wget health check: the engine's exact words, and the hint", () => {
    const exact =
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "wget": executable file not found in $PATH: unknown';
    const verdict = containerVerdict(byService(wget, 'app'));
    expect(verdict).toMatchObject({ readiness: 'failed', state: 'unhealthy' });
    expect(verdict.reason).toBe(
      `unhealthy: its health check cannot run: ${exact}; the image has no wget (a shell-less image such as scratch or distroless): use ${hint}`,
    );
  });

  it('a CMD-SHELL health check in an image without a shell', () => {
    const verdict = containerVerdict(byService(wget, 'shell'));
    expect(verdict.reason).toContain(
      `exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown; the image has no shell (/bin/sh) to run a CMD-SHELL health check (a shell-less image such as scratch or distroless): use ${hint}`,
    );
  });

  it('says so while the health check is still starting, so that a timeout carries it', () => {
    const app = byService(wget, 'app');
    const starting = containerVerdict({ ...app, health: { ...app.health!, status: 'starting' } });
    expect(starting.readiness).toBe('waiting');
    expect(timedOut({ ...starting, service: 'app', containers: [app] }).reason).toMatch(
      /^timed out: health check has not passed yet: it cannot run: OCI runtime exec failed: .*"wget": executable file not found in \$PATH: unknown; the image has no wget /,
    );
  });

  it.each([
    [
      'cannot-start',
      'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory: unknown',
    ],
    ['port-taken', 'Bind for 0.0.0.0:18999 failed: port is already allocated'],
  ])('%s: the engine keeps why the start failed, and the service fails at once', (capture, words) => {
    const samples = mergeSamples(parsePs(read(`ps-${capture}.jsonl`)), parseInspect(read(`inspect-${capture}.json`)));
    const verdict = containerVerdict(byService(samples, 'app'));
    expect(verdict).toMatchObject({ readiness: 'failed', state: 'cannot start' });
    expect(verdict.reason).toMatch(/^cannot start: /);
    expect(verdict.reason).toContain(words);
    expect(containerVerdict(byService(samples, 'cache')).readiness).toBe('ready');
  });
});

const base: ContainerSample = containerSample('app', { id: 'c1' });

describe('readiness rules', () => {
  it.each([
    ['running, no health check', {}, 'ready', 'running'],
    ['healthy', { health: { status: 'healthy', failingStreak: 0, log: [] } }, 'ready', 'healthy'],
    ['health starting', { health: { status: 'starting', failingStreak: 1, log: [] } }, 'waiting', 'starting'],
    ['unhealthy', { health: { status: 'unhealthy', failingStreak: 3, log: [] } }, 'failed', 'unhealthy'],
    ['one-shot exit 0', { status: 'exited', exitCode: 0 }, 'ready', 'completed'],
    ['one-shot exit 1', { status: 'exited', exitCode: 1 }, 'failed', 'exited 1'],
    [
      'exit 0 with a health check (one-shot with an image HEALTHCHECK)',
      { status: 'exited', exitCode: 0, health: { status: 'unhealthy', failingStreak: 0, log: [] } },
      'ready',
      'completed',
    ],
    ['OOM-killed', { status: 'exited', exitCode: 137, oomKilled: true }, 'failed', 'exited 137'],
    ['restarted once, running again', { restartCount: 1 }, 'failed', 'restarting'],
    ['restarting', { status: 'restarting', restarting: true, restartCount: 4, exitCode: 2 }, 'failed', 'restarting'],
    ['dead', { status: 'dead', error: 'driver failed' }, 'failed', 'dead'],
    ['created', { status: 'created' }, 'waiting', 'created'],
    [
      'created, and its start failed',
      { status: 'created', exitCode: 128, error: 'Bind for 0.0.0.0:8080 failed: port is already allocated' },
      'failed',
      'cannot start',
    ],
    ['paused', { status: 'paused' }, 'waiting', 'paused'],
  ] as const)('%s', (_name, patch, readiness, state) => {
    const verdict = containerVerdict({ ...base, ...patch } as ContainerSample);
    expect(verdict.readiness).toBe(readiness);
    expect(verdict.state).toBe(state);
  });

  it('names an OOM kill', () => {
    expect(containerVerdict({ ...base, status: 'exited', exitCode: 137, oomKilled: true }).reason).toBe(
      'exited with code 137; killed for lack of memory (OOM)',
    );
  });
});

describe('stack verdict', () => {
  it('waits for a service without a container yet, and reports every expected service', () => {
    const verdicts = stackVerdict(['app', 'web'], [base]);
    expect(verdicts.map((v) => [v.service, v.readiness, v.state])).toEqual([
      ['app', 'ready', 'running'],
      ['web', 'waiting', 'not created'],
    ]);
  });

  it('is as ready as the least ready replica, and names it', () => {
    const replicas = [base, { ...base, id: 'c2', name: 'p-app-2', status: 'exited', exitCode: 2 }];
    const [app] = stackVerdict(['app'], replicas);
    expect(app).toMatchObject({ readiness: 'failed', state: 'exited 2', reason: 'p-app-2: exited with code 2' });
  });

  it('turns what still waits at the deadline into a timeout, and leaves the rest', () => {
    const verdicts = stackVerdict(['app', 'web'], [base]).map(timedOut);
    expect(verdicts.map((v) => [v.readiness, v.state])).toEqual([
      ['ready', 'running'],
      ['failed', 'timed out'],
    ]);
    expect(verdicts[1]!.reason).toBe('timed out: no container yet (compose has not created it)');
  });

  it('at the deadline, blames what was running for it, not what compose had not started because of it (capture)', () => {
    const verdicts = timedOutStack(stackVerdict(['slow', 'dependent'], starting));
    expect(verdicts.map((v) => [v.service, v.readiness, v.state, v.reason])).toEqual([
      ['slow', 'failed', 'timed out', 'timed out: health check has not passed yet'],
      ['dependent', 'waiting', 'not started', 'not started by the deadline: waiting for its dependencies (not ready: slow)'],
    ]);
  });

  it('judges the whole captured stack', () => {
    const expected = ['healthy', 'unhealthy', 'starting', 'plain', 'oneshot', 'crash', 'loop', 'loop0'];
    const verdicts = stackVerdict(expected, mixed);
    expect(
      verdicts
        .filter((v) => v.readiness === 'failed')
        .map((v) => v.service)
        .sort(),
    ).toEqual(['crash', 'loop', 'loop0', 'unhealthy']);
  });
});

describe('parsing', () => {
  it('accepts the array form of older compose versions', () => {
    const lines = read('ps-mixed.jsonl').trim().split('\n');
    expect(parsePs(`[${lines.join(',')}]`)).toEqual(parsePs(lines.join('\n')));
  });

  it('reads nothing from empty output', () => {
    expect(parsePs('')).toEqual([]);
    expect(parseInspect('')).toEqual([]);
  });

  it('falls back to compose ps when a container vanished before docker inspect', () => {
    const [only] = mergeSamples(
      parsePs(read('ps-mixed.jsonl')).filter((e) => e.service === 'unhealthy'),
      [],
    );
    expect(containerVerdict(only!)).toMatchObject({ readiness: 'failed', state: 'unhealthy' });
  });
});

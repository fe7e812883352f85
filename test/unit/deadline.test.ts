import { describe, expect, it } from 'vitest';
import { DeadlineError, formatDuration, scaleBudget, ServiceGuard, withDeadline } from '../../src/util/deadline.js';

const never = (): Promise<never> => new Promise(() => undefined);

describe('formatDuration', () => {
  it.each([
    [250, '250 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [30_000, '30 s'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('withDeadline', () => {
  it('returns what settles in time', async () => {
    await expect(withDeadline('the service', 1000, async () => 7)).resolves.toBe(7);
  });
  it('rejects with a message naming the service and the time, and aborts the signal', async () => {
    let signal: AbortSignal | undefined;
    const call = withDeadline('the cache service', 20, (s) => {
      signal = s;
      return never();
    });
    await expect(call).rejects.toThrow(new DeadlineError('the cache service did not answer in 20 ms'));
    expect(signal?.aborted).toBe(true);
  });
  it('passes the work’s own error through', async () => {
    await expect(withDeadline('x', 1000, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});

describe('ServiceGuard', () => {
  it('gives up on a service after its first deadline: later calls fail at once with the first reason', async () => {
    const guard = new ServiceGuard({ name: 'the GitHub API', callMs: 20, totalMs: 10_000 });
    await expect(guard.call('list comments', never)).rejects.toThrow('the GitHub API (list comments) did not answer in 20 ms');
    let ran = false;
    await expect(guard.call('create comment', async () => (ran = true))).rejects.toThrow(
      'the GitHub API (list comments) did not answer in 20 ms',
    );
    expect(ran).toBe(false);
    expect(guard.down).toMatch(/list comments/);
  });
  it('an ordinary error does not give the service up', async () => {
    const guard = new ServiceGuard({ name: 's', callMs: 1000, totalMs: 10_000 });
    await expect(guard.call('a', () => Promise.reject(new Error('404')))).rejects.toThrow('404');
    await expect(guard.call('b', async () => 1)).resolves.toBe(1);
  });
  it('each call gets at most what is left of the total', async () => {
    let now = 0;
    const guard = new ServiceGuard({ name: 's', callMs: 1000, totalMs: 100 }, () => now);
    await guard.call('a', async () => {
      now += 90;
    });
    await expect(guard.call('b', never)).rejects.toThrow('s (b) did not answer in 10 ms');
  });
  it('a spent total fails the next call without running it', async () => {
    let now = 0;
    const guard = new ServiceGuard({ name: 's', callMs: 1000, totalMs: 50 }, () => now);
    await guard.call('a', async () => {
      now += 60;
    });
    await expect(guard.call('b', async () => 1)).rejects.toThrow('s used up its 50 ms for this run');
  });
  it('giveUp marks the service down with the reason', async () => {
    const guard = new ServiceGuard({ name: 's', callMs: 1000, totalMs: 1000 });
    guard.giveUp('s answered with garbage');
    await expect(guard.call('a', async () => 1)).rejects.toThrow('s answered with garbage');
  });
});

describe('ServiceGuard spends wall time', () => {
  it('calls in parallel spend the run budget once, not once each', async () => {
    let now = 0;
    const guard = new ServiceGuard({ name: 's', callMs: 1000, totalMs: 100 }, () => now);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const parallel = [1, 2, 3].map((i) => guard.call(`p${i}`, () => gate.then(() => i)));
    now += 60;
    release();
    await expect(Promise.all(parallel)).resolves.toEqual([1, 2, 3]);
    // 3 x 60 would be over the 100; the wall time, 60, is not.
    await expect(
      guard.call('next', async () => {
        now += 50;
        return 'ok';
      }),
    ).resolves.toBe('ok');
    await expect(guard.call('after', async () => 'late')).rejects.toThrow('s used up its 100 ms for this run');
  });
});

describe('the deadline scale', () => {
  it('multiplies both deadlines of a budget, and 1 leaves it as it is', () => {
    const budget = { name: 's', callMs: 15_000, totalMs: 60_000 };
    expect(scaleBudget(budget, 0.1)).toEqual({ name: 's', callMs: 1500, totalMs: 6000 });
    expect(scaleBudget(budget, 1)).toBe(budget);
  });
  it('a guard made with a scale gives up after the scaled deadline, and says so', async () => {
    const guard = new ServiceGuard({ name: 'the GitHub API', callMs: 200, totalMs: 10_000 }, Date.now, 0.1);
    expect(guard.budget.callMs).toBe(20);
    await expect(guard.call('GET /user', never)).rejects.toThrow('the GitHub API (GET /user) did not answer in 20 ms');
  });
});

import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cancellation } from '../../src/util/cancel.js';
import { runStep } from '../../src/util/cancel.js';
import { ChildRegistry, groupAlive, livingMemberOf, StoppingError } from '../../src/util/children.js';
import { run } from '../../src/util/exec.js';

/** Process ids whose command line holds `marker` (what `ps` shows, as the e2e tests check). */
function processesWith(marker: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** A shell in its own group that starts a grandchild, both sleeping; `ignoreTerm` makes both ignore SIGTERM. */
function sleeper(registry: ChildRegistry, marker: string, ignoreTerm = false): number {
  const trap = ignoreTerm ? "trap '' TERM; " : '';
  const child = registry.spawn('sh', ['-c', `${trap}sleep ${marker} & sleep ${marker}; wait`, `gca-${marker}`], { stdio: 'ignore' });
  return child.pid!;
}

const waitFor = async (check: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

/** A unique sleep length: it names this test's processes on their command lines. */
const marker = (): string => `300.${String(process.pid).padStart(7, '0')}${Math.floor(Math.random() * 1e6)}`;

describe('livingMemberOf reads /proc/<pid>/stat', () => {
  it.each<[string, number, boolean]>([
    ['42 (sleep) S 1 4000 4000 0 -1 4194560', 4000, true],
    ['42 (sleep) S 1 4000 4000 0 -1 4194560', 4001, false],
    ['42 (docker) Z 1 4000 4000 0 -1 4194560', 4000, false],
    ['42 (a ) b) R 7 4000 4000 0', 4000, true],
    ['42 (buildkit) (x)) D 1 9 4000 0', 9, true],
  ])('%j in group %i: %s', (stat, pgid, expected) => {
    expect(livingMemberOf(stat, pgid)).toBe(expected);
  });
});

describe('ChildRegistry', () => {
  const registries: ChildRegistry[] = [];
  afterEach(async () => {
    for (const r of registries.splice(0)) r.killAll();
  });
  const fresh = (): ChildRegistry => {
    const r = new ChildRegistry();
    registries.push(r);
    return r;
  };

  it('runs each child in its own process group and ends the whole group, grandchildren too', async () => {
    const registry = fresh();
    const m = marker();
    const pid = sleeper(registry, m);
    await waitFor(() => processesWith(m).length >= 3);
    const pgid = Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    expect(pgid).toBe(pid);
    expect(pgid).not.toBe(Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(process.pid)], { encoding: 'utf8' }).trim()));
    expect(registry.size).toBe(1);

    const left = await registry.stopAll(3000);
    expect(left).toEqual([]);
    expect(groupAlive(pgid)).toBe(false);
    expect(processesWith(m)).toEqual([]);
    await waitFor(() => registry.size === 0);
    expect(registry.size).toBe(0);
  });

  it('kills a group that ignores SIGTERM once the grace is over', async () => {
    const registry = fresh();
    const m = marker();
    const pid = sleeper(registry, m, true);
    await waitFor(() => processesWith(m).length >= 3);
    const left = await registry.stopAll(300);
    expect(left).toEqual([]);
    expect(groupAlive(pid)).toBe(false);
    expect(processesWith(m)).toEqual([]);
  });

  it('refuses new children once stopping, except for the cleanup', async () => {
    const registry = fresh();
    registry.close();
    expect(registry.stopping).toBe(true);
    expect(() => registry.spawn('true', [], { stdio: 'ignore' })).toThrow(StoppingError);
    const child = await registry.whileCleaningUp(async () => registry.spawn('true', [], { stdio: 'ignore' }));
    expect(child.pid).toBeGreaterThan(0);
  });
});

describe('run', () => {
  it('returns the exit code and both outputs, and echoes the command and output', async () => {
    const echo = new PassThrough();
    let echoed = '';
    echo.on('data', (d: Buffer) => (echoed += d.toString()));
    const r = await run('sh', ['-c', 'printf "a\\nb"; printf "e1\\n" >&2; cat; exit 3'], { input: 'from stdin\n', echo });
    expect(r).toEqual({ exitCode: 3, stdout: 'a\nbfrom stdin\n', stderr: 'e1\n' });
    expect(echoed).toContain('[command]sh -c');
    expect(echoed).toContain('e1');
  });

  it('passes the environment on top of ours and says nothing when silent', async () => {
    const echo = new PassThrough();
    let echoed = '';
    echo.on('data', (d: Buffer) => (echoed += d.toString()));
    const r = await run('sh', ['-c', 'echo "$GCA_X:$PATH"'], { env: { GCA_X: 'x' }, silent: true, echo });
    expect(r.stdout.trim()).toBe(`x:${process.env.PATH}`);
    expect(echoed).toBe('');
  });

  it('ends a program that outlives its timeout, with its whole group, and answers 124', async () => {
    // 2 s: time enough for the shell to name its child on any machine; the program itself never ends.
    const r = await run('sh', ['-c', 'sleep 30 & echo $!; wait'], { silent: true, timeoutMs: 2000 });
    expect(r.exitCode).toBe(124);
    expect(r.stderr).toContain('sh did not end in 2 s');
    // The program's own child went with it.
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    const living = (): boolean => {
      try {
        return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${grandchild}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    await waitFor(() => !living(), 10_000);
    expect(living()).toBe(false);
  });

  it('answers 127 for a program that does not exist', async () => {
    const r = await run('gca-no-such-program', [], { silent: true });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toMatch(/ENOENT/);
  });

  it('answers 128 + the signal for a program killed by one', async () => {
    const r = await run('sh', ['-c', 'kill -TERM $$'], { silent: true });
    expect(r.exitCode).toBe(143);
  });
});

describe('a cancelled step', () => {
  it('ends its children on the first signal and exits with 130 (SIGINT) or 143 (SIGTERM)', async () => {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const registry = new ChildRegistry();
      const m = marker();
      const exits: number[] = [];
      let cleanedWithSpawn = false;
      const step = runStep(
        async (cancellation: Cancellation) => {
          cancellation.setCleanup(async () => {
            cleanedWithSpawn = registry.spawn('true', [], { stdio: 'ignore' }).pid !== undefined;
          });
          sleeper(registry, m);
          await new Promise(() => undefined); // a step that would never end by itself
        },
        { registry, exit: (c) => exits.push(c), log: () => undefined, graceMs: 2000 },
      );
      await waitFor(() => processesWith(m).length >= 3);
      process.emit(signal, signal);
      await step;
      expect(exits).toEqual([code]);
      expect(processesWith(m)).toEqual([]);
      expect(cleanedWithSpawn).toBe(true);
      expect(() => registry.spawn('true', [], { stdio: 'ignore' })).toThrow(StoppingError);
    }
  });

  it("exits with the step's exit code when it ends by itself, ending a child left running", async () => {
    const registry = new ChildRegistry();
    const m = marker();
    const exits: number[] = [];
    const listeners = process.listenerCount('SIGINT');
    try {
      await runStep(
        async () => {
          sleeper(registry, m);
          await waitFor(() => processesWith(m).length >= 3);
          process.exitCode = 3; // as core.setFailed sets it (1)
        },
        { registry, exit: (c) => exits.push(c), log: () => undefined, graceMs: 2000 },
      );
      process.exitCode = undefined;
      await runStep(async () => undefined, { registry, exit: (c) => exits.push(c), log: () => undefined });
    } finally {
      process.exitCode = undefined;
    }
    expect(exits).toEqual([3, 0]);
    expect(processesWith(m)).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});

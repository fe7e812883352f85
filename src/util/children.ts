/**
 * The processes a step started, so a cancelled step can end them before it exits. Each child
 * runs in its own process group (detached), so ending it ends what it started too (the docker
 * CLI's buildx plugin, compose's own children): the runner signals only our process, and
 * a child left in our group would outlive us and go on (a build that still pushes).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SpawnSpec {
  cwd?: string;
  /** The whole environment of the child (undefined: ours). */
  env?: NodeJS.ProcessEnv;
  stdio: StdioOptions;
}

/** Thrown by `spawn` once the registry is stopping: no new work starts after a cancel. */
export class StoppingError extends Error {
  constructor() {
    super('the step is being cancelled: no new process starts');
    this.name = 'StoppingError';
  }
}

/**
 * Pure: whether a /proc/<pid>/stat line is a living (not zombie) process of group `pgid`. The
 * command name is in parentheses and may hold spaces, so the fields are read after the last ')'.
 */
export function livingMemberOf(stat: string, pgid: number): boolean {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[2]) === pgid;
}

/** On Linux: whether a process of the group other than a zombie is left (init may reap late). */
function livingInProc(pgid: number): boolean | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  return pids.some((pid) => {
    try {
      return livingMemberOf(readFileSync(`/proc/${pid}/stat`, 'utf8'), pgid);
    } catch {
      return false; // It ended while we looked.
    }
  });
}

/** Whether any living process of the group is still there (a signal 0 probes without sending). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return livingInProc(pgid) ?? true;
}

/** Signals a child's whole process group (the child and what it started). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}

/** The live children of one process, by process group, and how to end them all. */
export class ChildRegistry {
  private readonly live = new Map<number, ChildProcess>();
  private stoppingSince: number | undefined;
  private cancelSignal: string | undefined;
  private readonly cleanupScope = new AsyncLocalStorage<boolean>();

  /** How many started children have not exited yet. */
  get size(): number {
    return this.live.size;
  }

  /** True once `stopAll` was called: `spawn` refuses new work, except inside `whileCleaningUp`. */
  get stopping(): boolean {
    return this.stoppingSince !== undefined;
  }

  /**
   * The signal that cancelled the step (Cancellation.receive), if one did: a command that ends
   * from now on, outside `whileCleaningUp`, was ended by the cancel, whatever it printed.
   */
  get cancelledBy(): string | undefined {
    return this.cleanupScope.getStore() ? undefined : this.cancelSignal;
  }

  /** Starts a child in its own process group and keeps it until it exits. */
  spawn(program: string, args: readonly string[], spec: SpawnSpec): ChildProcess {
    if (this.stopping && !this.cleanupScope.getStore()) throw new StoppingError();
    const child = spawn(program, [...args], { cwd: spec.cwd, env: spec.env, stdio: spec.stdio, detached: true });
    const pid = child.pid;
    if (pid === undefined) return child; // It could not start: its 'error' event says why.
    this.live.set(pid, child);
    child.once('exit', () => this.live.delete(pid));
    return child;
  }

  /** Refuses new children from now on (except inside `whileCleaningUp`); `signal`: a cancel's. */
  close(signal?: string): void {
    this.stoppingSince ??= Date.now();
    this.cancelSignal ??= signal;
  }

  /** Runs `work` with spawning allowed again (a cancelled CLI run still removes what it made). */
  whileCleaningUp<T>(work: () => Promise<T>): Promise<T> {
    return this.cleanupScope.run(true, work);
  }

  /**
   * Ends every live child's process group: SIGTERM, then SIGKILL for groups still there after
   * `graceMs`, then waits (at most `waitMs` more) until every group is gone. Refuses new
   * children from now on. Resolves with the process groups that could not be ended.
   */
  async stopAll(graceMs: number, waitMs = 2000): Promise<number[]> {
    this.close();
    const groups = [...this.live.keys()];
    for (const pgid of groups) signalGroup(pgid, 'SIGTERM');
    const alive = (): number[] => groups.filter((pgid) => groupAlive(pgid));
    const graceEnd = Date.now() + graceMs;
    while (alive().length > 0 && Date.now() < graceEnd) await sleep(50);
    for (const pgid of alive()) signalGroup(pgid, 'SIGKILL');
    const waitEnd = Date.now() + waitMs;
    while (alive().length > 0 && Date.now() < waitEnd) await sleep(50);
    return alive();
  }

  /** Sends SIGKILL to every live group at once (a second signal while stopping). */
  killAll(): void {
    for (const pgid of this.live.keys()) signalGroup(pgid, 'SIGKILL');
  }
}

/** The one registry of this process: every command of src/util/exec.ts starts through it. */
export const processChildren = new ChildRegistry();

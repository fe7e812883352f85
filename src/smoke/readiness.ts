/**
 * The readiness rules of the smoke test, as pure functions over what `docker compose ps
 * --format json` and `docker inspect` report (compose 2.26, engine 26). Unlike
 * `docker compose up --wait`, a one-shot service that exits 0 is ready (docker/compose
 * issue 10596), and a crash or a restart fails at once instead of at the deadline.
 */
import { clip } from '../util/text.js';
import type { ContainerSample } from '../docker/containers.js';
import { describeLastProbe, MAX_HEALTH_OUTPUT } from './health.js';
import { plural } from '../util/plural.js';

export type { ContainerSample } from '../docker/containers.js';

export type Readiness = 'ready' | 'waiting' | 'failed';

/** Why a container or service is where it is, in a few words (`unhealthy`, `exited 3`). */
export interface ContainerVerdict {
  readiness: Readiness;
  /** Short: healthy, running, completed, starting, unhealthy, exited 3, restarting, created… */
  state: string;
  /** A sentence for people. */
  reason: string;
}

function exitReason(c: ContainerSample): string {
  const parts = [`exited with code ${c.exitCode}`];
  if (c.oomKilled) parts.push('killed for lack of memory (OOM)');
  if (c.error) parts.push(c.error);
  return parts.join('; ');
}

type Health = NonNullable<ContainerSample['health']>;

/** Why the health check failed, with the last probe's own words. */
function healthFailure(health: Health): string {
  const last = describeLastProbe(health.log);
  if (last?.cannotRun) return `its health check cannot run: ${last.text}`;
  const streak = `its health check failed ${plural(health.failingStreak, 'time')} in a row`;
  return last ? `${streak}, last with ${last.text}` : streak;
}

/** A health check not passed yet, with its last failure (read at the deadline); one that cannot run never will. */
function healthPending(health: Health): string {
  const last = describeLastProbe(health.log);
  if (last?.cannotRun) return `health check has not passed yet: it cannot run: ${last.text}`;
  const failed = health.log.at(-1)?.exitCode;
  return last && failed !== 0 ? `health check has not passed yet, last with ${last.text}` : 'health check has not passed yet';
}

/** Pure: the readiness of one container. */
export function containerVerdict(c: ContainerSample): ContainerVerdict {
  if (c.restarting || c.status === 'restarting' || c.restartCount > 0) {
    return {
      readiness: 'failed',
      state: 'restarting',
      reason: `crashed and restarted ${plural(c.restartCount, 'time')} (last exit code ${c.exitCode})`,
    };
  }
  switch (c.status) {
    case 'exited':
      if (c.exitCode === 0 && !c.oomKilled) return { readiness: 'ready', state: 'completed', reason: 'ran to completion (exit code 0)' };
      return { readiness: 'failed', state: `exited ${c.exitCode}`, reason: exitReason(c) };
    case 'dead':
      return { readiness: 'failed', state: 'dead', reason: `is dead${c.error ? `: ${c.error}` : ''}` };
    case 'running':
      if (!c.health) return { readiness: 'ready', state: 'running', reason: 'running (no health check)' };
      if (c.health.status === 'healthy') return { readiness: 'ready', state: 'healthy', reason: 'healthy' };
      if (c.health.status === 'unhealthy')
        return { readiness: 'failed', state: 'unhealthy', reason: `unhealthy: ${healthFailure(c.health)}` };
      return { readiness: 'waiting', state: 'starting', reason: healthPending(c.health) };
    case 'created':
      // The engine keeps why a start failed (a port in use, an entrypoint that does not exist).
      if (c.error) return { readiness: 'failed', state: 'cannot start', reason: `cannot start: ${clip(c.error, MAX_HEALTH_OUTPUT)}` };
      return { readiness: 'waiting', state: 'created', reason: 'created, not started yet (waiting for its dependencies)' };
    case 'paused':
      return { readiness: 'waiting', state: 'paused', reason: 'paused' };
    default:
      return { readiness: 'waiting', state: c.status || 'unknown', reason: c.status || 'no state yet' };
  }
}

export interface ServiceVerdict extends ContainerVerdict {
  service: string;
  containers: ContainerSample[];
}

const RANK: Record<Readiness, number> = { failed: 0, waiting: 1, ready: 2 };

/**
 * Pure: the readiness of every expected service. A service is as ready as its least ready
 * container; a service without a container yet is waiting (compose creates it later).
 */
export function stackVerdict(expected: readonly string[], samples: readonly ContainerSample[]): ServiceVerdict[] {
  const services = [...expected, ...samples.map((s) => s.service).filter((s) => s && !expected.includes(s))];
  return [...new Set(services)].map((service) => {
    const containers = samples.filter((s) => s.service === service);
    if (containers.length === 0) {
      return { service, containers, readiness: 'waiting', state: 'not created', reason: 'no container yet (compose has not created it)' };
    }
    const verdicts = containers.map((c) => ({ c, v: containerVerdict(c) }));
    verdicts.sort((a, b) => RANK[a.v.readiness] - RANK[b.v.readiness]);
    const worst = verdicts[0]!;
    const reason = containers.length > 1 ? `${worst.c.name}: ${worst.v.reason}` : worst.v.reason;
    return { service, containers, readiness: worst.v.readiness, state: worst.v.state, reason };
  });
}

/** Pure: what a service still waiting at the deadline failed with. */
export function timedOut(v: ServiceVerdict): ServiceVerdict {
  if (v.readiness !== 'waiting') return v;
  return { ...v, readiness: 'failed', state: 'timed out', reason: `timed out: ${v.reason}` };
}

const NOT_STARTED = ['created', 'not created'];

/**
 * Pure: the stack at the deadline. What was running and not ready yet timed out; what compose
 * had not started yet was waiting for those (its dependencies), so it is not blamed for them.
 * When nothing was running yet (a slow pull, say), everything waiting timed out.
 */
export function timedOutStack(verdicts: readonly ServiceVerdict[]): ServiceVerdict[] {
  const running = verdicts.filter((v) => v.readiness === 'waiting' && !NOT_STARTED.includes(v.state)).map((v) => v.service);
  if (running.length === 0) return verdicts.map(timedOut);
  return verdicts.map((v) =>
    v.readiness === 'waiting' && NOT_STARTED.includes(v.state)
      ? {
          ...v,
          state: 'not started',
          reason: `not started by the deadline: waiting for its dependencies (not ready: ${running.join(', ')})`,
        }
      : timedOut(v),
  );
}

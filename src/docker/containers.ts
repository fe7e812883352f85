/**
 * Pure: the state of a compose project's containers, from what `docker compose ps --all
 * --format json` and `docker inspect` print (compose 2.26, engine 26), merged into one sample
 * per container, as the smoke test's readiness rules read them.
 */
import { record } from '../util/json.js';

/** One run of a container's health check, as `docker inspect` logs it. */
export interface HealthProbe {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** One line of `docker compose ps --all --format json`. */
export interface PsEntry {
  id: string;
  name: string;
  service: string;
  state: string;
  health: string;
  exitCode: number;
}

/** What `docker inspect` adds: the restart count, the health log, OOM kills. */
export interface InspectState {
  id: string;
  name: string;
  service?: string;
  status: string;
  restarting: boolean;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  restartCount: number;
  health?: { status: string; failingStreak: number; log: HealthProbe[] };
}

/** One container of the stack, as seen in one poll. */
export interface ContainerSample {
  id: string;
  name: string;
  service: string;
  status: string;
  restarting: boolean;
  exitCode: number;
  restartCount: number;
  oomKilled: boolean;
  error: string;
  health?: { status: string; failingStreak: number; log: HealthProbe[] };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Pure: parses `docker compose ps --format json`. Compose 2.21 and later print one JSON object
 * per line; earlier versions print one array. Both are accepted.
 */
export function parsePs(text: string): PsEntry[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    items = JSON.parse(trimmed) as unknown[];
  } else {
    items = trimmed
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
  }
  return items.map((item) => {
    const o = record(item);
    return {
      id: str(o.ID),
      name: str(o.Name),
      service: str(o.Service),
      state: str(o.State),
      health: str(o.Health),
      exitCode: num(o.ExitCode),
    };
  });
}

/** Pure: parses `docker inspect <container>...` (a JSON array). */
export function parseInspect(text: string): InspectState[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const items = JSON.parse(trimmed) as unknown;
  if (!Array.isArray(items)) return [];
  return items.map((item) => {
    const o = record(item);
    const state = record(o.State);
    const healthRaw = state.Health === undefined || state.Health === null ? undefined : record(state.Health);
    const labels = record(record(o.Config).Labels);
    return {
      id: str(o.Id),
      name: str(o.Name).replace(/^\//, ''),
      service: str(labels['com.docker.compose.service']) || undefined,
      status: str(state.Status),
      restarting: state.Restarting === true,
      exitCode: num(state.ExitCode),
      oomKilled: state.OOMKilled === true,
      error: str(state.Error),
      restartCount: num(o.RestartCount),
      health: healthRaw
        ? {
            status: str(healthRaw.Status),
            failingStreak: num(healthRaw.FailingStreak),
            log: (Array.isArray(healthRaw.Log) ? healthRaw.Log : []).map((entry) => {
              const e = record(entry);
              return { start: str(e.Start), end: str(e.End), exitCode: num(e.ExitCode), output: str(e.Output) };
            }),
          }
        : undefined,
    };
  });
}

/**
 * Pure: one sample per container. `docker inspect` is the authority (compose ps shows exit
 * code 0 for a container that is restarting); compose ps names the service and fills in for
 * a container that vanished between the two calls.
 */
export function mergeSamples(ps: PsEntry[], inspect: InspectState[]): ContainerSample[] {
  return ps.map((entry) => {
    const state = inspect.find((s) => s.id.startsWith(entry.id) || (entry.id !== '' && s.id === entry.id));
    if (!state) {
      return {
        id: entry.id,
        name: entry.name,
        service: entry.service,
        status: entry.state,
        restarting: entry.state === 'restarting',
        exitCode: entry.exitCode,
        restartCount: 0,
        oomKilled: false,
        error: '',
        health: entry.health ? { status: entry.health, failingStreak: 0, log: [] } : undefined,
      };
    }
    return {
      id: entry.id,
      name: state.name || entry.name,
      service: entry.service || state.service || '',
      status: state.status,
      restarting: state.restarting,
      exitCode: state.exitCode,
      restartCount: state.restartCount,
      oomKilled: state.oomKilled,
      error: state.error,
      health: state.health,
    };
  });
}

/**
 * Everything the main step hands to the post step, in one place: each key, what it holds and
 * how it is written and read. The main step saves a piece before the work it describes, so a
 * cancelled run still leaves the post step what it needs to clean up.
 */
import { isRecord } from './util/json.js';
import type { GoCacheSaveMode } from './go-cache/quota.js';

/** A compose project the smoke test started, to be removed if the main step could not. */
export interface SmokeState {
  project: string;
  /** The user's compose files (absolute). */
  files: string[];
  cwd: string;
}

/** Where the Go cache's calls to the cache service keep their files (inside the work dir). */
export interface GoCacheEnv {
  /** GITHUB_WORKSPACE (and the working directory of saves) during the calls. */
  workspace: string;
  /** RUNNER_TEMP during the calls. */
  temp: string;
}

/** One archive the main step prepared for the post step to upload. */
export interface GoCacheSave {
  key: string;
  /** The prefix of every entry of the same cache: the entries a save supersedes have it. */
  prefix?: string;
  path: string;
  id: string;
  bytes: number;
}

/** What the post step does about superseded entries once it saved (go-cache-save). */
export interface GoCacheQuotaState {
  mode: GoCacheSaveMode;
  /** Delete the entries of the same cache on the run's ref that a save supersedes. */
  supersede: boolean;
  /** The run's ref (GITHUB_REF): entries are scoped by it. */
  ref: string;
}

/** What the post step reads. */
export interface PostState {
  workDir?: string;
  smoke?: SmokeState;
  goCacheEnv?: GoCacheEnv;
  goCacheSaves: GoCacheSave[];
  goCacheQuota?: GoCacheQuotaState;
  /** The main step already stopped deleting cache entries (no permission, or the API failed), and said so. */
  cacheDeleteStopped?: 'denied' | 'fault';
}

const KEYS = {
  workDir: 'work-dir',
  smoke: 'smoke',
  goCacheEnv: 'go-cache-env',
  goCacheSaves: 'go-cache-saves',
  goCacheQuota: 'go-cache-quota',
  cacheDeleteStopped: 'cache-delete-stopped',
} as const;

/** Writes one piece of state (core.saveState on a runner). */
export type StateSaver = (name: string, value: string) => void;
/** Reads one piece of state; '' when the main step did not save it. */
export type StateReader = (name: string) => string;

/** The main step's side: one method per piece. */
export class StateWriter {
  private readonly save: StateSaver;

  constructor(save: StateSaver) {
    this.save = save;
  }

  workDir(dir: string): void {
    this.save(KEYS.workDir, dir);
  }

  /** The stack to remove; undefined once the main step removed it itself. */
  smoke(state: SmokeState | undefined): void {
    this.save(KEYS.smoke, state ? JSON.stringify(state) : '');
  }

  goCacheEnv(env: GoCacheEnv): void {
    this.save(KEYS.goCacheEnv, JSON.stringify(env));
  }

  goCacheSaves(saves: GoCacheSave[]): void {
    this.save(KEYS.goCacheSaves, JSON.stringify(saves));
  }

  goCacheQuota(quota: GoCacheQuotaState): void {
    this.save(KEYS.goCacheQuota, JSON.stringify(quota));
  }

  cacheDeleteStopped(why: 'denied' | 'fault'): void {
    this.save(KEYS.cacheDeleteStopped, why);
  }
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';

function smokeState(value: unknown): SmokeState | undefined {
  if (!isRecord(value) || !isString(value.project) || value.project === '' || !isString(value.cwd)) return undefined;
  const files = Array.isArray(value.files) ? value.files.filter(isString) : [];
  return { project: value.project, files, cwd: value.cwd };
}

function goCacheEnv(value: unknown): GoCacheEnv | undefined {
  return isRecord(value) && isString(value.workspace) && isString(value.temp)
    ? { workspace: value.workspace, temp: value.temp }
    : undefined;
}

function goCacheSaves(value: unknown): GoCacheSave[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (s): s is GoCacheSave =>
      isRecord(s) &&
      isString(s.key) &&
      isString(s.path) &&
      isString(s.id) &&
      typeof s.bytes === 'number' &&
      (s.prefix === undefined || isString(s.prefix)),
  );
}

function goCacheQuota(value: unknown): GoCacheQuotaState | undefined {
  if (!isRecord(value) || !isString(value.ref) || typeof value.supersede !== 'boolean') return undefined;
  const mode = value.mode === 'always' || value.mode === 'never' || value.mode === 'auto' ? value.mode : undefined;
  if (!mode) return undefined;
  return { mode, supersede: value.supersede, ref: value.ref };
}

function deleteStopped(value: string): 'denied' | 'fault' | undefined {
  return value === 'denied' || value === 'fault' ? value : undefined;
}

/**
 * Pure: the post step's view of what the main step saved. Anything missing or malformed reads
 * as absent: the post step cleans up what it can and never fails on its own state.
 */
export function readPostState(read: StateReader): PostState {
  return {
    workDir: read(KEYS.workDir) || undefined,
    smoke: smokeState(parse(read(KEYS.smoke))),
    goCacheEnv: goCacheEnv(parse(read(KEYS.goCacheEnv))),
    goCacheSaves: goCacheSaves(parse(read(KEYS.goCacheSaves))),
    goCacheQuota: goCacheQuota(parse(read(KEYS.goCacheQuota))),
    cacheDeleteStopped: deleteStopped(read(KEYS.cacheDeleteStopped)),
  };
}

/**
 * The hand-off through the Actions cache, where the artifact service is missing (GitHub
 * Enterprise Server; artifact-store.ts otherwise): each per-platform job saves one record per
 * platform, the merge job restores them. Calls go through the guarded service (actions-cache/service.ts: its
 * deadlines and budget); unlike the Go cache, a hand-off that cannot be saved or read fails
 * the step, since the merge cannot happen without it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CacheService } from '../actions-cache/service.js';
import { errorText } from '../errors.js';
import {
  handoffKey,
  handoffKeys,
  HANDOFF_PATH,
  parseHandoff,
  serializeHandoff,
  type HandoffScope,
  type PlatformHandoff,
} from './handoff.js';

/** Runs fn with the record's file in the workspace, and removes its directory afterwards. */
async function withRecordFile<T>(workspace: string, fn: (path: string) => Promise<T>): Promise<T> {
  const path = join(workspace, HANDOFF_PATH);
  const dir = dirname(path);
  try {
    await rm(dir, { recursive: true, force: true });
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Saves each record under its key; the keys saved, or throws with why not. */
export async function saveHandoffs(service: CacheService, workspace: string, records: readonly PlatformHandoff[]): Promise<string[]> {
  if (!service.available())
    throw new Error('the Actions cache service is not available to this job (the hand-off to the merge job goes through it)');
  const keys: string[] = [];
  for (const record of records) {
    const key = handoffKey(record, record.platform);
    await withRecordFile(workspace, async (path) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, serializeHandoff(record));
      await service.save([HANDOFF_PATH], key);
    });
    keys.push(key);
  }
  return keys;
}

/** What the merge job found for one platform. */
export type Found = { platform: string; record: PlatformHandoff; key: string } | { platform: string; missing: string };

/** Where the records travel: the run's artifacts (artifact-store.ts), or the Actions cache (here). */
export interface HandoffStore {
  /** The service, as messages name it. */
  via: string;
  /** Saves each record; the names saved under, or throws with why not. */
  save(records: readonly PlatformHandoff[]): Promise<string[]>;
  /** Every platform's newest record of this run (this attempt, then earlier ones); a fault is a missing platform with why. */
  restore(scope: HandoffScope, platforms: readonly string[]): Promise<Found[]>;
}

/** The hand-off through the Actions cache, its files in `workspace`. */
export function cacheHandoffStore(service: CacheService, workspace: string): HandoffStore {
  return {
    via: 'the Actions cache',
    save: (records) => saveHandoffs(service, workspace, records),
    restore: (scope, platforms) => restoreHandoffs(service, workspace, scope, platforms),
  };
}

/** Restores the newest record of one platform: this attempt first, then the earlier ones. */
async function restoreOne(service: CacheService, workspace: string, scope: HandoffScope, platform: string): Promise<Found> {
  const [primary, ...earlier] = handoffKeys(scope, platform);
  return withRecordFile(workspace, async (path): Promise<Found> => {
    const key = await service.restore([HANDOFF_PATH], primary!, earlier);
    if (!key || !existsSync(path)) return { platform, missing: 'no result in the cache' };
    if (![primary, ...earlier].includes(key)) return { platform, missing: `the cache answered with another entry (${key})` };
    const parsed = parseHandoff(await readFile(path, 'utf8'), scope, platform);
    if ('invalid' in parsed) return { platform, missing: `its result (${key}) is unusable: ${parsed.invalid}` };
    return { platform, record: parsed, key };
  });
}

/** Restores every platform's record; a fault of the service is a missing platform with why. */
export async function restoreHandoffs(
  service: CacheService,
  workspace: string,
  scope: HandoffScope,
  platforms: readonly string[],
): Promise<Found[]> {
  if (!service.available())
    return platforms.map((platform) => ({ platform, missing: 'the Actions cache service is not available to this job' }));
  const found: Found[] = [];
  for (const platform of platforms) {
    try {
      found.push(await restoreOne(service, workspace, scope, platform));
    } catch (error) {
      found.push({ platform, missing: `the cache could not be read: ${errorText(error)}` });
    }
  }
  return found;
}

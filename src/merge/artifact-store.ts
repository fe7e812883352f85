/**
 * The hand-off through the workflow run's artifacts: a cache that is full or read-only cannot
 * break it. Each per-platform job uploads one artifact per platform, named by the record's key
 * (handoff.ts: run, attempt, image, platform), so a re-run attempt never reuses a name, which the
 * service refuses within a run; the merge job lists the run's artifacts (of every job and
 * attempt) and takes, per platform, the newest attempt's. What it downloads is untrusted:
 * bounded in size, checked against the digest the service recorded, then parsed (parseHandoff).
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactService, ListedArtifact } from '../actions-artifact/service.js';
import { errorText } from '../errors.js';
import { handoffKey, handoffKeys, parseHandoff, serializeHandoff, type HandoffScope } from './handoff.js';
import type { Found, HandoffStore } from './store.js';

/** The record's file in the artifact's zip. */
const RECORD_FILE = 'handoff.json';
/** A record is a few kilobytes; anything far larger is not one. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** Pure: the newest attempt's artifact of a platform in the run's listing (names from handoffKeys, newest first). */
export function newestArtifact(listing: readonly ListedArtifact[], scope: HandoffScope, platform: string): ListedArtifact | undefined {
  for (const name of handoffKeys(scope, platform)) {
    const found = listing.filter((a) => a.name === name).sort((a, b) => b.id - a.id)[0];
    if (found) return found;
  }
  return undefined;
}

async function fetchOne(
  service: ArtifactService,
  dir: string,
  artifact: ListedArtifact,
  scope: HandoffScope,
  platform: string,
): Promise<Found> {
  const into = join(dir, String(artifact.id));
  await rm(into, { recursive: true, force: true });
  await mkdir(into, { recursive: true });
  if ((await service.download(artifact.id, into, artifact.digest)) === 'digest-mismatch')
    return { platform, missing: `its artifact ${artifact.name} is not what was uploaded (its digest differs)` };
  const file = join(into, RECORD_FILE);
  const size = (await stat(file).catch(() => undefined))?.size;
  if (size === undefined) return { platform, missing: `its artifact ${artifact.name} holds no ${RECORD_FILE}` };
  if (size > MAX_RECORD_BYTES) return { platform, missing: `its artifact ${artifact.name} is too large (${size} bytes) to be a result` };
  const parsed = parseHandoff(await readFile(file, 'utf8'), scope, platform);
  if ('invalid' in parsed) return { platform, missing: `its result (${artifact.name}) is unusable: ${parsed.invalid}` };
  return { platform, record: parsed, key: artifact.name };
}

/** The hand-off through the run's artifacts, its files in `dir` (the run's work dir). */
export function artifactHandoffStore(service: ArtifactService, dir: string): HandoffStore {
  return {
    via: 'the artifact service',
    save: async (records) => {
      const names: string[] = [];
      for (const record of records) {
        const name = handoffKey(record, record.platform);
        const root = join(dir, 'handoff-upload', name);
        await rm(root, { recursive: true, force: true });
        await mkdir(root, { recursive: true });
        await writeFile(join(root, RECORD_FILE), serializeHandoff(record));
        await service.upload(name, join(root, RECORD_FILE), root);
        names.push(name);
      }
      return names;
    },
    restore: async (scope, platforms) => {
      let listing: ListedArtifact[];
      try {
        listing = await service.list();
      } catch (error) {
        return platforms.map((platform) => ({ platform, missing: `the run's artifacts could not be listed: ${errorText(error)}` }));
      }
      // One download per platform, all at once: each is a worker of its own.
      return Promise.all(
        platforms.map(async (platform): Promise<Found> => {
          const artifact = newestArtifact(listing, scope, platform);
          if (!artifact) return { platform, missing: "no result among the run's artifacts" };
          try {
            return await fetchOne(service, join(dir, 'handoff-download'), artifact, scope, platform);
          } catch (error) {
            return { platform, missing: `its artifact ${artifact.name} could not be downloaded: ${errorText(error)}` };
          }
        }),
      );
    },
  };
}

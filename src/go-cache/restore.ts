/**
 * Finds the cache mounts of the Dockerfile, restores their archives from the Actions cache and
 * has them injected into BuildKit. Every fault is a warning: the build then runs without them.
 */
import { formatBinaryBytes } from '../util/bytes.js';
import { plural } from '../util/plural.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeReachesRunner, placeHelpers } from '../buildx/nodes.js';
import type { Builder } from '../docker/client.js';
import { buildArgRecord } from '../buildx/plan.js';
import { parseDockerfile } from '../dockerfile/model.js';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { discoverCaches, type CacheSlot } from './discover.js';
import { injectGoCaches } from './inject.js';
import { releaseHeldHelpers } from './inject-held.js';
import { cacheEnv } from '../actions-cache/isolation.js';
import { isolate, type CacheService } from '../actions-cache/service.js';
import { SerialQueue } from '../util/serial.js';
import { goSumHash, slotKeys } from './keys.js';
import {
  ARCHIVE,
  forgetRestore,
  helperGroups,
  summarizeRestore,
  type GoCacheOptions,
  type GoCacheSession,
  type GoCacheTools,
  type HelperGroup,
  type RestoreSummary,
  type SlotState,
} from './session.js';

/** Nothing restored, though the build has cache mounts (or their Dockerfile could not be read). */
const NOTHING_RESTORED: RestoreSummary = { hit: 'false', restored: [] };
/** The build has no cache mount: nothing to restore, which is not a miss. */
const NO_MOUNTS: RestoreSummary = { hit: 'none', restored: [] };

/**
 * Finds the cache mounts, restores their archives and injects them into BuildKit. Returns the
 * session for the extract, or undefined when there is nothing to do.
 */
export async function restoreGoCaches(
  opts: GoCacheOptions,
  service: CacheService,
  tools: GoCacheTools,
): Promise<{ session?: GoCacheSession; summary: RestoreSummary }> {
  const { reporter } = tools;
  if (!opts.enabled) return { summary: NOTHING_RESTORED };
  const usable = await usableSlots(opts, reporter);
  if (usable === 'no-mounts') return { summary: NO_MOUNTS };
  if (!usable) return { summary: NOTHING_RESTORED };
  if (!service.available()) {
    reporter.warning(
      'Go cache: no Actions cache service in this job (ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL is not set): caches are neither restored nor saved.',
    );
    return { summary: NOTHING_RESTORED };
  }
  // Looked up while the archives download.
  const gateway = opts.stream ? tools.docker.bridgeGateway().catch(() => undefined) : Promise.resolve(undefined);
  const builder = tools.docker.inspectBuilder(opts.builder).then(
    (r) => (r.ok ? r.value : undefined),
    () => undefined,
  );
  const slots = await restoreSlots(usable, opts, service, reporter);
  const groups = placeGroups(slots, opts.platforms, await builder, reporter);
  const session: GoCacheSession = {
    opts,
    slots,
    injectedAt: Math.floor(Date.now() / 1000),
    groups,
    held: new Map(),
    contextInjects: new SerialQueue(),
  };
  try {
    await injectGoCaches(session, await gateway, tools);
  } catch (error) {
    // A helper already holding mounts must not outlive a restore that failed further on.
    await releaseHeldHelpers(session).catch(() => undefined);
    throw error;
  }
  for (const s of slots) {
    reporter.info(
      s.restoredKey
        ? `Go cache: restored ${s.slot.id} (${s.slot.kind}) from ${s.restoredKey}${s.exact ? ' (exact)' : ''}: ${plural(s.restoredFiles, 'file')}, ${formatBinaryBytes(s.restoredBytes)}`
        : `Go cache: nothing restored for ${s.slot.id} (${s.slot.kind})`,
    );
  }
  return { session, summary: summarizeRestore(slots) };
}

/**
 * The helper groups: one per builder node that builds a platform (as `docker buildx inspect`
 * describes the builder) and image. A builder of no nodes (or none inspected) means one node.
 */
function placeGroups(slots: SlotState[], platforms: string[], builder: Builder | undefined, reporter: Reporter): HelperGroup[] {
  const nodes = builder?.nodes ?? [];
  const driver = builder?.driver ?? 'docker';
  const placement = placeHelpers(nodes, platforms);
  if (placement.targets.length > 1 || placement.unreachable.length > 0) {
    const where = [...placement.nodeOf].map(([platform, node]) => `${platform} on ${node}`).join(', ');
    reporter.info(
      `Go cache: the builder has ${plural(nodes.length, 'node')} (${where}): the caches go to each node that builds a platform using them`,
    );
  }
  for (const node of placement.unreachable) {
    reporter.warning(
      `Go cache: no helper build can be routed to node ${node} of the builder (no platform buildx sends there alone); its platforms build without the caches.`,
    );
  }
  const reaches = (node: string): boolean =>
    nodeReachesRunner(
      driver,
      nodes.find((n) => n.name === node),
    );
  return helperGroups(slots, placement, reaches);
}

/**
 * The Dockerfile's cache mounts the helpers can reach: `no-mounts` when the build has none,
 * undefined when there are some but none can be restored (or the Dockerfile cannot be read).
 */
async function usableSlots(opts: GoCacheOptions, reporter: Reporter): Promise<CacheSlot[] | 'no-mounts' | undefined> {
  let text: string;
  try {
    text = await readFile(opts.file, 'utf8');
  } catch (error) {
    reporter.warning(`Go cache: could not read the Dockerfile: ${errorText(error)}`);
    return undefined;
  }
  const discovery = discoverCaches(parseDockerfile(text), {
    platforms: opts.platforms,
    target: opts.target,
    buildArgs: buildArgRecord(opts.buildArgs),
    buildPlatform: opts.buildPlatform,
  });
  for (const s of discovery.skipped) reporter.info(`Go cache: line ${s.line}: ${s.reason}; left alone`);
  const usable = discovery.slots.filter((slot) => {
    if (slot.image) return true;
    reporter.warning(`Go cache: the stage using cache ${slot.id} has no base image with a shell; it is not restored.`);
    return false;
  });
  if (discovery.slots.length === 0) {
    reporter.info('Go cache: the Dockerfile has no RUN --mount=type=cache for these platforms: nothing to restore.');
    return 'no-mounts';
  }
  if (usable.length === 0) return undefined;
  for (const slot of usable) {
    reporter.info(
      `Go cache: ${slot.kind} cache ${slot.id} at ${slot.target} (lines ${slot.lines.join(', ')}; ${slot.platforms.join(', ')})`,
    );
  }
  return usable;
}

/** Downloads every slot's archive side by side; a slot whose download fails counts as not restored. */
async function restoreSlots(usable: CacheSlot[], opts: GoCacheOptions, service: CacheService, reporter: Reporter): Promise<SlotState[]> {
  const sums = await goSumHash(opts.context).catch(() => ({ hash: 'none', files: [] as string[] }));
  if (usable.some((s) => s.kind === 'go-modules'))
    reporter.info(`Go cache: module key from ${plural(sums.files.length, 'go.sum file')}: ${sums.hash}`);
  const env = cacheEnv(opts.workDir);
  const isolated = isolate(service, env);
  const faults = new Set<string>();
  return Promise.all(
    usable.map(async (slot, i): Promise<SlotState> => {
      const keys = slotKeys(slot, { goSumHash: sums.hash, target: opts.target, unique: opts.unique });
      const state: SlotState = {
        slot,
        mountName: `s${i}`,
        keys,
        dir: join(env.workspace, keys.path),
        exact: false,
        restoredBytes: 0,
        restoredFiles: 0,
        restoredList: [],
      };
      await mkdir(state.dir, { recursive: true });
      try {
        await restoreSlot(state, isolated, reporter);
      } catch (error) {
        // One warning per fault: a service given up on fails every slot with the same reason.
        const fault = errorText(error);
        if (!faults.has(fault)) reporter.warning(`Go cache: could not restore ${slot.id}: ${fault}; the build runs without it.`);
        faults.add(fault);
        forgetRestore(state);
        await rm(join(state.dir, ARCHIVE), { force: true }).catch(() => undefined);
      }
      return state;
    }),
  );
}

async function restoreSlot(state: SlotState, service: Pick<CacheService, 'restore'>, reporter: Reporter): Promise<void> {
  const { keys } = state;
  const key = await service.restore([keys.path], keys.primary, keys.restore);
  const archive = join(state.dir, ARCHIVE);
  if (key && existsSync(archive)) {
    // Validated (read through) by the inject, while its helper build starts.
    state.restoredKey = key;
    state.exact = key === keys.primary;
    state.restoredBytes = (await stat(archive)).size;
  } else if (key) {
    reporter.warning(`Go cache: entry ${key} did not contain ${ARCHIVE}; ignored.`);
  }
}

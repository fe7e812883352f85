/**
 * The Go cache stage: restore + inject before the build, extract + trim after it, save in the
 * post step. Every fault is a warning: the build then runs as it would without the feature.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildArgRecord } from '../build/plan.js';
import { hostPlatform } from '../build/platforms.js';
import { parseDockerfile } from '../dockerfile/model.js';
import type { Reporter } from '../reporter.js';
import { discoverCaches, type CacheSlot } from './discover.js';
import { goSumHash, slotKeys, type SlotKeys } from './keys.js';
import { bridgeGateway, helperPaths, runHelperBuild, serveArchives, type ArchiveServer, type HelperResult } from './helpers.js';
import { extractDockerfile, extractScript, heldDockerfile, heldScript, injectDockerfile, injectScript, LIST_DIR, type HelperMount } from './scripts.js';
import { appendTar, indexTar, mergeTars, readTar, type TarEntry, type TarIndex } from './tar.js';
import type { CacheService } from './service.js';
import { cacheEnv, isolate } from './isolation.js';
import type { GoCacheSave, PostState, StateWriter } from '../state.js';
import type { StageResult } from '../stage.js';
import { errorText } from '../errors.js';


const ARCHIVE = 'cache.tar';
/** Restored files are dated this far back: Go refreshes an entry's mtime when it is over 1 h old. */
const DATE_BACK_SECONDS = 2 * 60 * 60;
/** Margin for clock granularity between the runner and the builder. */
const SINCE_MARGIN_SECONDS = 60;
/**
 * The Go build cache's archive is appended to (new entries after the old ones) while the
 * entries this build did not use take at most this share of it; above it, it is rewritten with
 * the working set only. So the saved archive is at most 1 / (1 - 0.2) = 1.25 x its working
 * set, and the common run (a few new entries) never rewrites hundreds of MB.
 */
const COMPACT_ABOVE_UNUSED_SHARE = 0.2;

export interface GoCacheOptions {
  enabled: boolean;
  file: string;
  context: string;
  platforms: string[];
  target?: string;
  buildArgs: { key: string; value: string }[];
  builder?: string;
  workDir: string;
  /** Makes this run's build-cache keys new. */
  unique: string;
}

export interface SlotState {
  slot: CacheSlot;
  mountName: string;
  keys: SlotKeys;
  /** Absolute directory holding this slot's archive. */
  dir: string;
  restoredKey?: string;
  exact: boolean;
  restoredBytes: number;
  restoredFiles: number;
  /** Regular files of the restored archive, normalised names. */
  restoredList: string[];
  /** The restored archive's index (sizes, directories, where it ends), for appending to it. */
  restoredIndex?: TarIndex;
}

export interface GoCacheSession {
  opts: GoCacheOptions;
  slots: SlotState[];
  /** Unix seconds when the inject began. */
  injectedAt: number;
  /** Helpers holding the mounts while the build runs, by image (scripts.ts heldScript). */
  held: Map<string, HeldHelper>;
}

/** A held helper: its build (still running), the server it asks, the tar its changes go to. */
interface HeldHelper {
  build: Promise<HelperResult>;
  server: ArchiveServer;
  tar: string;
}

export interface RestoreSummary {
  /** `true` (every cache restored), `partial`, `false`. */
  hit: 'true' | 'partial' | 'false';
  restored: { id: string; kind: string; key?: string; exact: boolean; bytes: number; files: number }[];
}


/** Pure: human size. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** A slot whose restore did not make it into BuildKit: it counts as not restored, everywhere. */
export function forgetRestore(s: SlotState): void {
  s.restoredKey = undefined;
  s.exact = false;
  s.restoredBytes = 0;
  s.restoredFiles = 0;
  s.restoredList = [];
  s.restoredIndex = undefined;
}

/** Pure: the go-cache-hit output. */
export function summarizeRestore(slots: Pick<SlotState, 'slot' | 'restoredKey' | 'exact' | 'restoredBytes' | 'restoredFiles'>[]): RestoreSummary {
  const restored = slots.map((s) => ({ id: s.slot.id, kind: s.slot.kind, key: s.restoredKey, exact: s.exact, bytes: s.restoredBytes, files: s.restoredFiles }));
  const hits = restored.filter((r) => r.key !== undefined).length;
  const hit = slots.length > 0 && hits === slots.length ? 'true' : hits > 0 ? 'partial' : 'false';
  return { hit, restored };
}

/**
 * Finds the cache mounts, restores their archives and injects them into BuildKit. Returns the
 * session for the extract, or undefined when there is nothing to do.
 */
export async function restoreGoCaches(opts: GoCacheOptions, service: CacheService, reporter: Reporter): Promise<{ session?: GoCacheSession; summary: RestoreSummary }> {
  const none: RestoreSummary = { hit: 'false', restored: [] };
  if (!opts.enabled) return { summary: none };
  let text: string;
  try {
    text = await readFile(opts.file, 'utf8');
  } catch (error) {
    reporter.warning(`Go cache: could not read the Dockerfile: ${errorText(error)}`);
    return { summary: none };
  }
  const discovery = discoverCaches(parseDockerfile(text), { platforms: opts.platforms, target: opts.target, buildArgs: buildArgRecord(opts.buildArgs), buildPlatform: hostPlatform() });
  for (const s of discovery.skipped) reporter.info(`Go cache: line ${s.line}: ${s.reason}; left alone`);
  const usable = discovery.slots.filter((slot) => {
    if (slot.image) return true;
    reporter.warning(`Go cache: the stage using cache ${slot.id} has no base image with a shell; it is not restored.`);
    return false;
  });
  if (usable.length === 0) {
    reporter.info('Go cache: the Dockerfile has no RUN --mount=type=cache for these platforms: nothing to restore.');
    return { summary: none };
  }
  for (const slot of usable) {
    reporter.info(`Go cache: ${slot.kind} cache ${slot.id} at ${slot.target} (lines ${slot.lines.join(', ')}; ${slot.platforms.join(', ')})`);
  }

  if (!service.available()) {
    reporter.warning('Go cache: no Actions cache service in this job (ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL is not set): caches are neither restored nor saved.');
    return { summary: none };
  }
  const sums = await goSumHash(opts.context).catch(() => ({ hash: 'none', files: [] as string[] }));
  if (usable.some((s) => s.kind === 'go-modules')) reporter.info(`Go cache: module key from ${sums.files.length} go.sum file(s): ${sums.hash}`);

  // GO_CONTAINER_ACTION_CACHE_STREAM=false sends the archives as build context only (builders
  // that can reach the runner but should not; the fallback path is also tested this way).
  // Looked up while the archives download.
  const gateway = process.env.GO_CONTAINER_ACTION_CACHE_STREAM === 'false' ? Promise.resolve(undefined) : bridgeGateway().catch(() => undefined);
  const env = cacheEnv(opts.workDir);
  const isolated = isolate(service, env);
  const faults = new Set<string>();
  const slots: SlotState[] = await Promise.all(
    usable.map(async (slot, i): Promise<SlotState> => {
      const keys = slotKeys(slot, { goSumHash: sums.hash, target: opts.target, unique: opts.unique });
      const state: SlotState = { slot, mountName: `s${i}`, keys, dir: join(env.workspace, keys.path), exact: false, restoredBytes: 0, restoredFiles: 0, restoredList: [] };
      await mkdir(state.dir, { recursive: true });
      try {
        const key = await isolated.restore([keys.path], keys.primary, keys.restore);
        const archive = join(state.dir, ARCHIVE);
        if (key && existsSync(archive)) {
          // Validated (read through) by the inject, while its helper build starts.
          state.restoredKey = key;
          state.exact = key === keys.primary;
          state.restoredBytes = (await stat(archive)).size;
        } else if (key) {
          reporter.warning(`Go cache: entry ${key} did not contain ${ARCHIVE}; ignored.`);
        }
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

  const injectedAt = Math.floor(Date.now() / 1000);
  const session: GoCacheSession = { opts, slots, injectedAt, held: new Map() };
  try {
    await inject(session, await gateway, reporter);
  } catch (error) {
    // A helper already holding mounts must not outlive a restore that failed further on.
    await releaseHeldHelpers(session).catch(() => undefined);
    throw error;
  }
  const summary = summarizeRestore(slots);
  for (const s of slots) {
    reporter.info(
      s.restoredKey
        ? `Go cache: restored ${s.slot.id} (${s.slot.kind}) from ${s.restoredKey}${s.exact ? ' (exact)' : ''}: ${s.restoredFiles} files, ${formatBytes(s.restoredBytes)}`
        : `Go cache: nothing restored for ${s.slot.id} (${s.slot.kind})`,
    );
  }
  return { session, summary };
}

/** Groups the slots by the image their helper build runs in. */
function byImage(slots: SlotState[]): Map<string, SlotState[]> {
  const groups = new Map<string, SlotState[]>();
  for (const s of slots) {
    const image = s.slot.image!;
    groups.set(image, [...(groups.get(image) ?? []), s]);
  }
  return groups;
}

function helperMounts(slots: SlotState[]): HelperMount[] {
  return slots.map((s) => ({ name: s.mountName, slot: s.slot }));
}

/**
 * Reads a restored archive through (validates and indexes it). A corrupt archive is dropped:
 * the slot counts as not restored, and the archive server refuses it, so it is never unpacked.
 */
async function validateRestored(s: SlotState, reporter: Reporter, refused?: Set<string>): Promise<boolean> {
  const archive = join(s.dir, ARCHIVE);
  try {
    s.restoredIndex = indexTar(archive);
    s.restoredList = s.restoredIndex.files;
    s.restoredFiles = s.restoredList.length;
    return true;
  } catch (error) {
    // Refused before anything awaits: the server never hands it out.
    refused?.add(s.mountName);
    reporter.warning(`Go cache: could not restore ${s.slot.id}: ${errorText(error)}`);
    forgetRestore(s);
    await rm(archive, { force: true }).catch(() => undefined);
    return false;
  }
}

async function inject(session: GoCacheSession, gateway: string | undefined, reporter: Reporter): Promise<void> {
  const { opts } = session;
  // The fallback context is the directory holding the slot directories: only our archives are sent.
  const root = join(session.slots[0]!.dir, '..');
  let n = 0;
  for (const [image, slots] of byImage(session.slots)) {
    const candidates = slots.filter((s) => s.restoredKey);
    const mounts = helperMounts(slots);
    const datedTo = session.injectedAt - DATE_BACK_SECONDS;
    const name = `go-cache-inject-${n++}`;
    const paths = helperPaths(opts.workDir, name);
    // A held helper needs mounts the build may use at the same time; locked or private ones get
    // an inject now and an extract after the build.
    const hold = slots.every((s) => s.slot.sharing === 'shared');
    let result: HelperResult | undefined;
    let how = 'as build context';
    // First choice: stream each archive over the docker bridge straight into its mount.
    const refused = new Set<string>();
    const server =
      gateway && (candidates.length > 0 || hold)
        ? await serveArchives(Object.fromEntries(candidates.map((s) => [s.mountName, { path: join(s.dir, ARCHIVE), split: () => s.restoredIndex?.split }])), gateway, refused)
        : undefined;
    if (server) {
      let held = false;
      try {
        const context = join(opts.workDir, name);
        await mkdir(context, { recursive: true });
        const archives = Object.fromEntries(Object.entries(server.urls).map(([mount, urls]) => [mount, { urls }]));
        const since = session.injectedAt - SINCE_MARGIN_SECONDS;
        await writeFile(join(context, hold ? 'held.sh' : 'inject.sh'), hold ? heldScript(mounts, archives, datedTo, since, server.control.urls) : injectScript(mounts, archives, datedTo));
        const started = Date.now();
        const build = runHelperBuild({
          builder: opts.builder,
          context,
          dockerfileText: hold ? heldDockerfile(image, mounts) : injectDockerfile(image, mounts),
          dockerfilePath: paths.dockerfile,
          tarOutput: hold ? paths.tar : undefined,
        });
        // The archives are validated while the helper build starts (it asks for them only after
        // a second or so); a corrupt one is refused, so the stream fails and the fallback below
        // runs with the valid ones only. The short wait lets docker be spawned first (the
        // Dockerfile write and the PATH lookup before the spawn need the event loop, which the
        // synchronous read-through then holds).
        await new Promise((resolve) => setTimeout(resolve, 30));
        for (const s of candidates) await validateRestored(s, reporter, refused);
        how = 'streamed over the docker bridge';
        // A held helper that ends before it reports ready has failed (a stream it could not read).
        held = hold && (await Promise.race([server.control.ready.then(() => true), build.then(() => false)]));
        if (held) {
          session.held.set(image, { build, server, tar: paths.tar });
          result = { ok: true, seconds: (Date.now() - started) / 1000, log: '' };
          how += '; the helper holds the mounts until the build ends';
        } else {
          result = await build;
        }
        if (!result.ok) reporter.debug(`Go cache: streaming the archives failed (${result.error}); sending them as build context`);
      } finally {
        if (!held) await server.close();
      }
    } else {
      for (const s of candidates) await validateRestored(s, reporter);
    }
    const restored = slots.filter((s) => s.restoredKey);
    if (!result?.ok) {
      const archives = Object.fromEntries(restored.map((s) => [s.mountName, { file: `${s.dir.slice(root.length + 1)}/${ARCHIVE}` }]));
      await writeFile(join(root, 'inject.sh'), injectScript(mounts, archives, datedTo));
      result = await runHelperBuild({ builder: opts.builder, context: root, dockerfileText: injectDockerfile(image, mounts), dockerfilePath: paths.dockerfile });
      how = 'as build context';
      await rm(join(root, 'inject.sh'), { force: true }).catch(() => undefined);
    }
    if (result.ok) {
      reporter.info(`Go cache: injected ${restored.length} archive(s) into BuildKit (${how}) in ${result.seconds.toFixed(1)} s (image ${image})`);
    } else {
      reporter.warning(`Go cache: could not inject the caches (${result.error}); the build runs without them.`);
      reporter.debug(result.log);
      for (const s of slots) forgetRestore(s);
    }
  }
}

/**
 * Tells the held helpers to end without taking anything out (the build failed, or nothing is
 * to be saved), and waits until they have.
 */
export async function releaseHeldHelpers(session: GoCacheSession): Promise<void> {
  const helpers = [...session.held.values()];
  session.held.clear();
  await Promise.all(helpers.map(stopHeld));
}

async function stopHeld(helper: HeldHelper): Promise<void> {
  helper.server.control.release('stop');
  await helper.build;
  await helper.server.close();
  await rm(helper.tar, { force: true }).catch(() => undefined);
}

/** An archive prepared for the post step to upload. */
export type PendingSave = GoCacheSave;

/**
 * After a successful build: takes out only what the build changed, joins it with the used part
 * of the restored archive, and leaves the archives to save in the post step.
 */
export async function extractGoCaches(session: GoCacheSession, reporter: Reporter): Promise<PendingSave[]> {
  const { opts } = session;
  const todo = new Set(
    session.slots.filter((s) => {
      if (s.slot.kind === 'go-modules' && s.exact) {
        reporter.info(`Go cache: ${s.slot.id} restored exactly (go.sum unchanged): not saved again`);
        return false;
      }
      return true;
    }),
  );
  const saves: PendingSave[] = [];
  let n = 0;
  for (const [image, group] of byImage(session.slots)) {
    const slots = group.filter((s) => todo.has(s));
    const held = session.held.get(image);
    session.held.delete(image);
    let result: HelperResult;
    let tar: string;
    if (held) {
      if (slots.length === 0) {
        await stopHeld(held);
        continue;
      }
      // The held helper mounts every cache of its image; only the ones to save are read below.
      held.server.control.setLists((name) => {
        const s = group.find((g) => g.mountName === name);
        return s?.restoredKey ? s.restoredList.map((f) => `./${f}\n`).join('') : '';
      });
      const started = Date.now();
      held.server.control.release('extract');
      result = { ...(await held.build), seconds: (Date.now() - started) / 1000 };
      await held.server.close();
      tar = held.tar;
    } else {
      if (slots.length === 0) continue;
      const context = join(opts.workDir, `go-cache-extract-${n}`);
      await mkdir(context, { recursive: true });
      const hasList: Record<string, boolean> = {};
      for (const s of slots) {
        if (s.restoredKey) {
          await writeFile(join(context, `${s.mountName}.list`), s.restoredList.map((f) => `./${f}\n`).join(''));
          hasList[s.mountName] = true;
        }
      }
      await writeFile(join(context, 'extract.sh'), extractScript(helperMounts(slots), session.injectedAt - SINCE_MARGIN_SECONDS, hasList));
      const paths = helperPaths(opts.workDir, `go-cache-extract-${n++}`);
      result = await runHelperBuild({ builder: opts.builder, context, dockerfileText: extractDockerfile(image, helperMounts(slots)), dockerfilePath: paths.dockerfile, tarOutput: paths.tar });
      tar = paths.tar;
    }
    if (!result.ok) {
      reporter.warning(`Go cache: could not take the caches out of BuildKit (${result.error}); they are not saved.`);
      reporter.debug(result.log);
      await rm(tar, { force: true }).catch(() => undefined);
      continue;
    }
    try {
      const lists = readLists(tar);
      for (const s of slots) {
        const save = await trimAndJoin(s, tar, lists, reporter);
        if (save) saves.push(save);
      }
      reporter.info(`Go cache: took the changes out of BuildKit in ${result.seconds.toFixed(1)} s`);
    } catch (error) {
      reporter.warning(`Go cache: could not prepare the caches for saving: ${errorText(error)}`);
    } finally {
      await rm(tar, { force: true }).catch(() => undefined);
    }
  }
  return saves;
}

function readLists(tar: string): Map<string, string[]> {
  const lists = new Map<string, string[]>();
  readTar(tar, (entry, data) => {
    if (entry.type !== '0' || !entry.name.startsWith(`${LIST_DIR}/`)) return;
    const text = entry.size > 0 ? data().subarray(0, entry.size).toString('utf8') : '';
    lists.set(entry.name.slice(LIST_DIR.length + 1), text.split('\n').map((l) => l.replace(/^\.\//, '')).filter((l) => l !== ''));
  });
  return lists;
}

/** Joins what the build changed with the restored archive (exported for its unit test). */
export async function trimAndJoin(s: SlotState, extractTar: string, lists: Map<string, string[]>, reporter: Reporter): Promise<PendingSave | undefined> {
  const changed = lists.get(`${s.mountName}.changed`) ?? [];
  const exported = lists.get(`${s.mountName}.export`) ?? [];
  const used = new Set(lists.get(`${s.mountName}.used`) ?? []);
  if (changed.length === 0) {
    reporter.info(`Go cache: ${s.slot.id} was not used by this build (its step came from BuildKit's cache): the saved entry stays as it is`);
    return undefined;
  }
  if (exported.length === 0 && (s.slot.kind !== 'go-build' || used.size === s.restoredList.length)) {
    reporter.info(`Go cache: ${s.slot.id} did not change: nothing to save`);
    return undefined;
  }
  const archive = join(s.dir, ARCHIVE);
  const index = s.restoredIndex;
  if (s.slot.kind === 'go-build' && s.restoredKey && index && existsSync(archive)) {
    // Bytes of the entries this build did not use: appended to while they are a small share.
    let unusedBytes = 0;
    index.files.forEach((name, i) => {
      if (!used.has(name)) unusedBytes += index.fileBytes[i]!;
    });
    if (unusedBytes <= COMPACT_ABOVE_UNUSED_SHARE * index.end) {
      const added = appendTar(archive, index.end, { path: extractTar, under: s.mountName }, index.dirs);
      const unused = index.files.length - used.size;
      reporter.info(
        `Go cache: ${s.slot.id}: ${exported.length} new file(s) appended, ${used.size} reused, ${unused} unused kept (${formatBytes(unusedBytes)}, under ${COMPACT_ABOVE_UNUSED_SHARE * 100}% of the archive): ${index.files.length + added.files} files, ${formatBytes(added.bytes)} to save under ${s.keys.primary}`,
      );
      return { key: s.keys.primary, path: s.keys.path, id: s.slot.id, bytes: added.bytes };
    }
  }
  const next = join(s.dir, `${ARCHIVE}.next`);
  const sources = [];
  if (s.restoredKey && existsSync(archive)) {
    // The Go build cache keeps only its working set: entries this build did not use are dropped.
    const keep = s.slot.kind === 'go-build' ? (e: TarEntry) => e.type === '5' || used.has(e.name) : undefined;
    sources.push({ path: archive, keep });
  }
  sources.push({ path: extractTar, under: s.mountName });
  const merged = mergeTars(next, sources);
  await rename(next, archive);
  const dropped = s.slot.kind === 'go-build' ? s.restoredList.length - used.size : 0;
  reporter.info(
    `Go cache: ${s.slot.id}: ${exported.length} new file(s), ${used.size} reused, ${dropped} unused dropped: ${merged.files} files, ${formatBytes(merged.bytes)} to save under ${s.keys.primary}`,
  );
  return { key: s.keys.primary, path: s.keys.path, id: s.slot.id, bytes: merged.bytes };
}

/** The post step: uploads what the main step prepared (the archives go with the work dir). */
export async function saveGoCaches(state: Pick<PostState, 'goCacheSaves' | 'goCacheEnv'>, service: CacheService, reporter: Reporter): Promise<void> {
  const saves = state.goCacheSaves;
  const env = state.goCacheEnv;
  if (saves.length === 0 || !env) return;
  const isolated = isolate(service, env);
  const faults = new Set<string>();
  for (const save of saves) {
    const started = Date.now();
    try {
      await isolated.save([save.path], save.key);
      reporter.info(`Go cache: saved ${save.id} (${formatBytes(save.bytes)}) as ${save.key} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      // One warning per fault: a service given up on fails every save with the same reason.
      const fault = errorText(error);
      if (!faults.has(fault)) reporter.warning(`Go cache: could not save ${save.id}: ${fault}`);
      else reporter.info(`Go cache: ${save.id} not saved either`);
      faults.add(fault);
    }
  }
  // The archives are in the run's work dir, which the post step removes next.
}


// ---------------------------------------------------------------------------------------------
// The pipeline's two calls (thin: they never throw).

export interface GoCacheStageInput {
  enabled: boolean;
  plan: { file: string; context: string; platforms: string[]; target?: string; buildArgs: { key: string; value: string }[]; builder?: string };
  workDir: string;
}

/** The Go cache outputs of a restore. */
function restoreOutputs(summary: RestoreSummary): StageResult {
  return { outputs: { 'go-cache-hit': summary.hit, 'go-cache-restored': JSON.stringify(summary.restored) }, failures: [] };
}

/**
 * Before the build: restore + inject. Returns the go-cache-hit and go-cache-restored outputs,
 * and the session the extract continues (none when nothing was restored or injected).
 */
export async function goCacheBeforeBuild(
  input: GoCacheStageInput,
  deps: { reporter: Reporter; state: StateWriter; service: CacheService; runId: string; runAttempt: string },
): Promise<{ result: StageResult; session?: GoCacheSession }> {
  const { reporter, state, service } = deps;
  const unique = `${deps.runId || 'local'}-${deps.runAttempt || '1'}-${Date.now().toString(36)}`;
  const opts: GoCacheOptions = { enabled: input.enabled, ...input.plan, workDir: input.workDir, unique };
  if (!input.enabled) return { result: restoreOutputs(summarizeRestore([])) };
  // Saved before the calls: a cancelled restore's files are where the post step looks.
  state.goCacheEnv(cacheEnv(opts.workDir));
  try {
    const { session, summary } = await reporter.group('Restoring Go caches', () => restoreGoCaches(opts, service, reporter));
    return { result: restoreOutputs(summary), session };
  } catch (error) {
    reporter.warning(`Go cache: restore failed (${errorText(error)}); the build runs without it.`);
    return { result: restoreOutputs(summarizeRestore([])) };
  }
}

/**
 * After the build: extract + trim when it succeeded, and hand the archives to the post step;
 * after a failed build the helpers holding the mounts only end. Never throws.
 */
export async function goCacheAfterBuild(session: GoCacheSession | undefined, buildOk: boolean, deps: { reporter: Reporter; state: StateWriter }): Promise<void> {
  const { reporter, state } = deps;
  if (!session) return;
  if (!buildOk) {
    await releaseHeldHelpers(session).catch((error: unknown) => reporter.warning(`Go cache: ${errorText(error)}`));
    return;
  }
  try {
    const saves = await reporter.group('Taking the Go caches out of BuildKit', () => extractGoCaches(session, reporter));
    state.goCacheSaves(saves);
  } catch (error) {
    reporter.warning(`Go cache: extract failed (${errorText(error)}); the caches are not saved.`);
    await releaseHeldHelpers(session).catch(() => undefined);
  }
}

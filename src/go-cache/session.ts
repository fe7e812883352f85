/**
 * What the Go cache's units share: the options of a run, each cache slot's state from restore to
 * extract, the session the pipeline carries across the build, and the small rules about them.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HelperTarget, Placement } from '../buildx/nodes.js';
import type { DockerClient } from '../docker/client.js';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import type { GoCacheSave } from '../state.js';
import type { ArchiveServer } from './archive-server.js';
import type { ControlServer } from './control-server.js';
import type { CacheSlot } from './discover.js';
import type { HelperResult } from './helpers.js';
import type { SlotKeys } from './keys.js';
import type { SavePlan } from './quota.js';
import type { HelperMount } from './scripts.js';
import { indexTar, type TarIndex } from './tar.js';
import type { SerialQueue } from '../util/serial.js';

/** The archive of one slot, in its directory. */
export const ARCHIVE = 'cache.tar';
/** Restored files are dated this far back: Go refreshes an entry's mtime when it is over 1 h old. */
export const DATE_BACK_SECONDS = 2 * 60 * 60;
/** Margin for clock granularity between the runner and the builder. */
export const SINCE_MARGIN_SECONDS = 60;

export interface GoCacheOptions {
  enabled: boolean;
  /** Whether the archives may be streamed over the docker bridge (else: build context only). */
  stream: boolean;
  file: string;
  context: string;
  platforms: string[];
  target?: string;
  buildArgs: { key: string; value: string }[];
  builder?: string;
  /** Where the build runs (BUILDPLATFORM): the engine's platform. */
  buildPlatform: string;
  workDir: string;
  /** Makes this run's build-cache keys new. */
  unique: string;
  /** The most a Go build cache's archive may hold (go-cache-max-size). */
  maxBytes: number;
  /** Whether the archives are taken out and saved at all (go-cache-save, savePlan). */
  savePlan: SavePlan;
}

/** What every unit of the Go cache talks to. */
export interface GoCacheTools {
  docker: DockerClient;
  reporter: Reporter;
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
  /** The helper builds of the inject and the extract: one per builder node and image. */
  groups: HelperGroup[];
  /** Helpers holding the mounts while the build runs, by group key (scripts.ts heldScript). */
  held: Map<string, HeldHelper>;
  /** The inject as build context: its injects share the slots' parent directory, so they run one at a time. */
  contextInjects: SerialQueue;
}

/**
 * The slots one helper build moves: those the platforms built on one node use, of one image.
 * A slot used by platforms on two nodes is in a group of each (its mounts live on each node).
 */
export interface HelperGroup {
  /** Names the group's held helper in the session. */
  key: string;
  target: HelperTarget;
  /** Whether the node's helpers can fetch from the runner's servers (else: build context). */
  reachesRunner: boolean;
  image: string;
  slots: SlotState[];
}

/** A held helper: its build (still running), the servers it reads and asks, the tar its changes go to. */
export interface HeldHelper {
  build: Promise<HelperResult>;
  archives: ArchiveServer;
  control: ControlServer;
  tar: string;
}

export interface RestoreSummary {
  /**
   * `true` (every cache restored), `partial`, `false` (nothing restored), `none` (the build has
   * no cache mount: nothing to restore, so no miss either).
   */
  hit: 'true' | 'partial' | 'false' | 'none';
  restored: { id: string; kind: string; key?: string; exact: boolean; bytes: number; files: number }[];
}

/** An archive prepared for the post step to upload. */
export type PendingSave = GoCacheSave;

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
export function summarizeRestore(
  slots: Pick<SlotState, 'slot' | 'restoredKey' | 'exact' | 'restoredBytes' | 'restoredFiles'>[],
): RestoreSummary {
  const restored = slots.map((s) => ({
    id: s.slot.id,
    kind: s.slot.kind,
    key: s.restoredKey,
    exact: s.exact,
    bytes: s.restoredBytes,
    files: s.restoredFiles,
  }));
  const hits = restored.filter((r) => r.key !== undefined).length;
  const hit = slots.length > 0 && hits === slots.length ? 'true' : hits > 0 ? 'partial' : 'false';
  return { hit, restored };
}

/**
 * Pure: the helper groups of the slots, by node (in the placement's order) and then by the
 * image the helper runs in. Nodes no helper reaches get none.
 */
export function helperGroups(slots: SlotState[], placement: Placement, reachesRunner: (node: string) => boolean): HelperGroup[] {
  const groups: HelperGroup[] = [];
  for (const target of placement.targets) {
    const onNode = slots.filter((s) => s.slot.platforms.some((p) => placement.nodeOf.get(p) === target.node));
    for (const s of onNode) {
      const image = s.slot.image!;
      const key = `${target.node} ${image}`;
      const group = groups.find((g) => g.key === key);
      if (group) group.slots.push(s);
      else groups.push({ key, target, reachesRunner: reachesRunner(target.node), image, slots: [s] });
    }
  }
  return groups;
}

/** Pure: the node a helper ran on, for the log (nothing on a builder of one node). */
export function onNode(target: HelperTarget): string {
  return target.platform ? ` on node ${target.node} (${target.platform})` : '';
}

export function helperMounts(slots: SlotState[]): HelperMount[] {
  return slots.map((s) => ({ name: s.mountName, slot: s.slot }));
}

/** Pure: the restored file list a helper compares the mount with, one `./name` a line. */
export function restoredListText(s: SlotState): string {
  return s.restoredList.map((f) => `./${f}\n`).join('');
}

/**
 * Reads a restored archive through (validates and indexes it). A corrupt archive is dropped:
 * the slot counts as not restored, and the archive server refuses it, so it is never unpacked.
 */
export async function validateRestored(s: SlotState, reporter: Reporter, refused?: Set<string>): Promise<boolean> {
  // Read through once, though helpers on several nodes stream it.
  if (s.restoredIndex) return true;
  if (!s.restoredKey) {
    refused?.add(s.mountName);
    return false;
  }
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

/** One helper group's inject: its slots (those with a restored archive are the candidates). */
export interface InjectJob {
  session: GoCacheSession;
  /** The group's key: names its held helper. */
  key: string;
  target: HelperTarget;
  image: string;
  slots: SlotState[];
  candidates: SlotState[];
  /** Names the helper's context directory and files. */
  name: string;
}

/** How an inject went, for the log. */
export interface Injected {
  result: HelperResult;
  how: string;
}

/** Unix seconds the files an inject leaves in a mount are dated to. */
export function datedTo(session: GoCacheSession): number {
  return session.injectedAt - DATE_BACK_SECONDS;
}

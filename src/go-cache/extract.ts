/**
 * After a successful build: takes out of BuildKit only what the build changed (from a held
 * helper, or a new extract helper, on every node that built with the caches), joins it with
 * the used part of the restored archive, and leaves the archives for the post step to save.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { helperPaths, runHelperBuild, type HelperResult } from './helpers.js';
import { perNode } from './inject.js';
import { extractFromHeld, stopHeld } from './inject-held.js';
import { extractDockerfile, extractScript, LIST_DIR } from './scripts.js';
import {
  helperMounts,
  onNode,
  restoredListText,
  SINCE_MARGIN_SECONDS,
  type GoCacheSession,
  type GoCacheTools,
  type HelperGroup,
  type PendingSave,
  type SlotState,
} from './session.js';
import { readTar } from './tar.js';
import { joinNodeParts } from './trim.js';

/** The slots worth taking out: a module cache restored exactly (go.sum unchanged) is not saved again. */
function slotsToSave(session: GoCacheSession, reporter: Reporter): Set<SlotState> {
  return new Set(
    session.slots.filter((s) => {
      if (s.slot.kind === 'go-modules' && s.exact) {
        reporter.info(`Go cache: ${s.slot.id} restored exactly (go.sum unchanged): not saved again`);
        return false;
      }
      return true;
    }),
  );
}

export async function extractGoCaches(session: GoCacheSession, tools: GoCacheTools): Promise<PendingSave[]> {
  const todo = slotsToSave(session, tools.reporter);
  const named = session.groups.map((group, n) => ({ group, name: `go-cache-extract-${n}` }));
  const taken = (await perNode(named, ({ group, name }) => takeOut(session, group, todo, name, tools))).filter(
    (t): t is Taken => t !== undefined,
  );
  try {
    return await joinTaken(
      session.slots.filter((s) => todo.has(s)),
      taken,
      tools.reporter,
      session.opts.maxBytes,
    );
  } finally {
    await Promise.all(taken.map((t) => rm(t.tar, { force: true }).catch(() => undefined)));
  }
}

/** What one helper took out of one node: the tar of its changes, for its slots. */
interface Taken {
  group: HelperGroup;
  slots: SlotState[];
  result: HelperResult;
  tar: string;
}

/** Takes a group's changes out (its held helper, or a new extract helper); undefined when none is to be saved. */
async function takeOut(
  session: GoCacheSession,
  group: HelperGroup,
  todo: Set<SlotState>,
  name: string,
  tools: GoCacheTools,
): Promise<Taken | undefined> {
  const slots = group.slots.filter((s) => todo.has(s));
  const held = session.held.get(group.key);
  session.held.delete(group.key);
  if (slots.length === 0) {
    if (held) await stopHeld(held);
    return undefined;
  }
  if (held) return { group, slots, result: await extractFromHeld(held, (mount) => listOf(group.slots, mount)), tar: held.tar };
  return { group, slots, ...(await extractWithHelper(session, group, slots, name, tools)) };
}

/** The restored list of a held helper's mount ('' for one restored nothing: every file is new). */
function listOf(group: SlotState[], name: string): string {
  const s = group.find((g) => g.mountName === name);
  return s?.restoredKey ? restoredListText(s) : '';
}

/** A new helper build mounting the caches to save, with their restored lists in its context. */
async function extractWithHelper(
  session: GoCacheSession,
  group: HelperGroup,
  slots: SlotState[],
  name: string,
  tools: GoCacheTools,
): Promise<{ result: HelperResult; tar: string }> {
  const { opts } = session;
  const context = join(opts.workDir, name);
  await mkdir(context, { recursive: true });
  const hasList: Record<string, boolean> = {};
  for (const s of slots.filter((x) => x.restoredKey)) {
    await writeFile(join(context, `${s.mountName}.list`), restoredListText(s));
    hasList[s.mountName] = true;
  }
  const mounts = helperMounts(slots);
  await writeFile(join(context, 'extract.sh'), extractScript(mounts, session.injectedAt - SINCE_MARGIN_SECONDS, hasList));
  const paths = helperPaths(opts.workDir, name);
  const build = {
    builder: opts.builder,
    platform: group.target.platform,
    context,
    dockerfileText: extractDockerfile(group.image, mounts),
    dockerfilePath: paths.dockerfile,
    tarOutput: paths.tar,
  };
  return { result: await runHelperBuild(tools.docker, build), tar: paths.tar };
}

/**
 * Joins what the helpers took out with each slot's archive. A slot on several nodes is saved as
 * one archive holding what every node changed; a slot one of whose nodes could not be read is
 * not saved (its archive would lack that node's working set).
 */
async function joinTaken(slots: SlotState[], taken: Taken[], reporter: Reporter, maxBytes: number): Promise<PendingSave[]> {
  const read: { taken: Taken; lists: Map<string, string[]> }[] = [];
  for (const t of taken) {
    if (!t.result.ok) {
      reporter.warning(
        `Go cache: could not take the caches out of BuildKit${onNode(t.group.target)} (${t.result.error}); they are not saved.`,
      );
      reporter.debug(t.result.log);
      continue;
    }
    try {
      read.push({ taken: t, lists: readLists(t.tar) });
    } catch (error) {
      reporter.warning(`Go cache: could not prepare the caches for saving: ${errorText(error)}`);
    }
  }
  const unread = new Set(taken.filter((t) => !read.some((r) => r.taken === t)).flatMap((t) => t.slots));
  const saves: PendingSave[] = [];
  for (const s of slots.filter((x) => !unread.has(x))) {
    const parts = read.filter((r) => r.taken.slots.includes(s)).map((r) => ({ tar: r.taken.tar, lists: r.lists }));
    if (parts.length === 0) continue;
    try {
      const save = await joinNodeParts(s, parts, reporter, maxBytes);
      if (save) saves.push(save);
    } catch (error) {
      reporter.warning(`Go cache: could not prepare the caches for saving: ${errorText(error)}`);
    }
  }
  for (const { taken: t } of read)
    reporter.info(`Go cache: took the changes out of BuildKit in ${t.result.seconds.toFixed(1)} s${onNode(t.group.target)}`);
  return saves;
}

function readLists(tar: string): Map<string, string[]> {
  const lists = new Map<string, string[]>();
  readTar(tar, (entry, data) => {
    if (entry.type !== '0' || !entry.name.startsWith(`${LIST_DIR}/`)) return;
    const text = entry.size > 0 ? data().subarray(0, entry.size).toString('utf8') : '';
    lists.set(
      entry.name.slice(LIST_DIR.length + 1),
      text
        .split('\n')
        .map((l) => l.replace(/^\.\//, ''))
        .filter((l) => l !== ''),
    );
  });
  return lists;
}

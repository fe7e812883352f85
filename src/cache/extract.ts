/**
 * After a successful build: takes out of BuildKit only what the build changed (from a held
 * helper, or a new extract helper), joins it with the used part of the restored archive, and
 * leaves the archives for the post step to save.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { helperPaths, runHelperBuild, type HelperResult } from './helpers.js';
import { extractFromHeld, stopHeld } from './inject-held.js';
import { extractDockerfile, extractScript, LIST_DIR } from './scripts.js';
import { byImage, helperMounts, restoredListText, SINCE_MARGIN_SECONDS, type GoCacheSession, type GoCacheTools, type PendingSave, type SlotState } from './session.js';
import { readTar } from './tar.js';
import { trimAndJoin } from './trim.js';

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
  const saves: PendingSave[] = [];
  let n = 0;
  for (const [image, group] of byImage(session.slots)) {
    const slots = group.filter((s) => todo.has(s));
    const held = session.held.get(image);
    session.held.delete(image);
    if (slots.length === 0) {
      if (held) await stopHeld(held);
      continue;
    }
    const taken = held
      ? { result: await extractFromHeld(held, (name) => listOf(group, name)), tar: held.tar }
      : await extractWithHelper(session, image, slots, `go-cache-extract-${n++}`, tools);
    saves.push(...(await joinTaken(taken, slots, tools.reporter)));
  }
  return saves;
}

/** The restored list of a held helper's mount ('' for one restored nothing: every file is new). */
function listOf(group: SlotState[], name: string): string {
  const s = group.find((g) => g.mountName === name);
  return s?.restoredKey ? restoredListText(s) : '';
}

/** A new helper build mounting the caches to save, with their restored lists in its context. */
async function extractWithHelper(session: GoCacheSession, image: string, slots: SlotState[], name: string, tools: GoCacheTools): Promise<{ result: HelperResult; tar: string }> {
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
  const result = await runHelperBuild(tools.docker, { builder: opts.builder, context, dockerfileText: extractDockerfile(image, mounts), dockerfilePath: paths.dockerfile, tarOutput: paths.tar });
  return { result, tar: paths.tar };
}

/** Joins what a helper took out with each slot's archive; the helper's tar is removed after. */
async function joinTaken(taken: { result: HelperResult; tar: string }, slots: SlotState[], reporter: Reporter): Promise<PendingSave[]> {
  const { result, tar } = taken;
  const saves: PendingSave[] = [];
  try {
    if (!result.ok) {
      reporter.warning(`Go cache: could not take the caches out of BuildKit (${result.error}); they are not saved.`);
      reporter.debug(result.log);
      return saves;
    }
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


/**
 * Inject strategy 2, for mounts the build may use at the same time (sharing=shared): the helper
 * streams the archives in, reports ready, and holds the mounts while the build runs; after it,
 * it is told to take out what the build changed (extract) or to end (stop).
 */
import { rm } from 'node:fs/promises';
import { serveControl } from './control-server.js';
import type { HelperResult } from './helpers.js';
import { helperPaths } from './helpers.js';
import { startStreaming } from './inject-stream.js';
import { heldDockerfile, heldScript, type ArchiveSource } from './scripts.js';
import {
  datedTo,
  helperMounts,
  SINCE_MARGIN_SECONDS,
  type GoCacheSession,
  type GoCacheTools,
  type HeldHelper,
  type InjectJob,
  type Injected,
} from './session.js';

/** Starts the held helper; undefined when the archives or the control channel could not be served. */
export async function heldInject(job: InjectJob, gateway: string, tools: GoCacheTools): Promise<Injected | undefined> {
  const control = await serveControl(gateway);
  if (!control) return undefined;
  const mounts = helperMounts(job.slots);
  const since = job.session.injectedAt - SINCE_MARGIN_SECONDS;
  const tar = helperPaths(job.session.opts.workDir, job.name).tar;
  const helper = {
    script: 'held.sh',
    text: (a: Record<string, ArchiveSource>) => heldScript(mounts, a, datedTo(job.session), since, control.urls),
    dockerfile: heldDockerfile(job.image, mounts),
    tarOutput: tar,
  };
  const streaming = await startStreaming(job, gateway, helper, tools).catch(async (error: unknown) => {
    await control.close();
    throw error;
  });
  if (!streaming) {
    await control.close();
    return undefined;
  }
  const how = 'streamed over the docker bridge';
  // A held helper that ends before it reports ready has failed (a stream it could not read).
  const held = await Promise.race([control.ready.then(() => true), streaming.build.then(() => false)]);
  if (!held) {
    const result = await streaming.build;
    await Promise.all([streaming.archives.close(), control.close()]);
    return { result, how };
  }
  job.session.held.set(job.key, { build: streaming.build, archives: streaming.archives, control, tar });
  return {
    result: { ok: true, seconds: (Date.now() - streaming.started) / 1000, log: '' },
    how: `${how}; the helper holds the mounts until the build ends`,
  };
}

/** Tells a held helper to take out what the build changed (with the restored lists) and waits for it. */
export async function extractFromHeld(helper: HeldHelper, lists: (mount: string) => string): Promise<HelperResult> {
  helper.control.setLists(lists);
  const started = Date.now();
  helper.control.release('extract');
  const result = { ...(await helper.build), seconds: (Date.now() - started) / 1000 };
  await closeHeld(helper);
  return result;
}

/** Tells a held helper to end without taking anything out, and waits until it has. */
export async function stopHeld(helper: HeldHelper): Promise<void> {
  helper.control.release('stop');
  await helper.build;
  await closeHeld(helper);
  await rm(helper.tar, { force: true }).catch(() => undefined);
}

async function closeHeld(helper: HeldHelper): Promise<void> {
  await Promise.all([helper.archives.close(), helper.control.close()]);
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

/**
 * Puts the restored archives into BuildKit's cache mounts, one helper build per base image:
 * streamed over the docker bridge (held when the build may share the mounts), else, or when the
 * stream fails, as build context. A failed inject leaves the build to run without the caches.
 */
import { contextInject } from './inject-context.js';
import { heldInject } from './inject-held.js';
import { streamInject } from './inject-stream.js';
import { byImage, forgetRestore, validateRestored, type GoCacheSession, type GoCacheTools, type InjectJob, type Injected } from './session.js';
import { plural } from '../util/plural.js';

export async function injectGoCaches(session: GoCacheSession, gateway: string | undefined, tools: GoCacheTools): Promise<void> {
  let n = 0;
  for (const [image, slots] of byImage(session.slots)) {
    const job: InjectJob = { session, image, slots, candidates: slots.filter((s) => s.restoredKey), name: `go-cache-inject-${n++}` };
    await injectImage(job, gateway, tools);
  }
}

/** Streamed when there is a gateway (and something to stream or mounts to hold). */
function streamed(job: InjectJob, gateway: string | undefined, tools: GoCacheTools): Promise<Injected | undefined> {
  if (!gateway || (job.candidates.length === 0 && !holds(job))) return Promise.resolve(undefined);
  return holds(job) ? heldInject(job, gateway, tools) : streamInject(job, gateway, tools);
}

/** A held helper needs mounts the build may use at the same time; locked or private ones get an inject now and an extract after the build. */
function holds(job: InjectJob): boolean {
  return job.slots.every((s) => s.slot.sharing === 'shared');
}

async function injectImage(job: InjectJob, gateway: string | undefined, tools: GoCacheTools): Promise<void> {
  const { reporter } = tools;
  let injected = await streamed(job, gateway, tools);
  if (!injected) for (const s of job.candidates) await validateRestored(s, reporter);
  else if (!injected.result.ok) reporter.debug(`Go cache: streaming the archives failed (${injected.result.error}); sending them as build context`);
  const restored = job.slots.filter((s) => s.restoredKey).length;
  if (!injected?.result.ok) injected = await contextInject(job, tools);
  const { result, how } = injected;
  if (result.ok) {
    reporter.info(`Go cache: injected ${plural(restored, 'archive')} into BuildKit (${how}) in ${result.seconds.toFixed(1)} s (image ${job.image})`);
  } else {
    reporter.warning(`Go cache: could not inject the caches (${result.error}); the build runs without them.`);
    reporter.debug(result.log);
    for (const s of job.slots) forgetRestore(s);
  }
}

/**
 * Puts the restored archives into BuildKit's cache mounts, one helper build per builder node
 * (that builds a platform using them) and base image:
 * streamed over the docker bridge (held when the build may share the mounts), else, or when the
 * stream fails, as build context. A failed inject leaves the build to run without the caches.
 */
import { contextInject } from './inject-context.js';
import { heldInject } from './inject-held.js';
import { streamInject } from './inject-stream.js';
import {
  forgetRestore,
  onNode,
  validateRestored,
  type GoCacheSession,
  type GoCacheTools,
  type HelperGroup,
  type InjectJob,
  type Injected,
} from './session.js';
import { plural } from '../util/plural.js';

/** The inject of every helper group: nodes side by side, a node's groups one after the other. */
export async function injectGoCaches(session: GoCacheSession, gateway: string | undefined, tools: GoCacheTools): Promise<void> {
  const named = session.groups.map((group, n) => ({ group, name: `go-cache-inject-${n}` }));
  await perNode(named, ({ group, name }) => injectGroup(session, group, name, group.reachesRunner ? gateway : undefined, tools));
}

/**
 * Runs `work` for each item, the items of one node in order and nodes side by side; waits for
 * all of them (a helper that holds mounts must be known to the session before a fault is
 * thrown), then throws the first fault.
 */
export async function perNode<T extends { group: HelperGroup }, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const nodes = [...new Set(items.map((i) => i.group.target.node))];
  const results = new Map<T, R>();
  const settled = await Promise.allSettled(
    nodes.map(async (node) => {
      for (const item of items.filter((i) => i.group.target.node === node)) results.set(item, await work(item));
    }),
  );
  const fault = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (fault) throw fault.reason;
  return items.map((i) => results.get(i)!);
}

function injectGroup(
  session: GoCacheSession,
  group: HelperGroup,
  name: string,
  gateway: string | undefined,
  tools: GoCacheTools,
): Promise<void> {
  // The candidates now: an inject on another node may have dropped a restore meanwhile.
  const candidates = group.slots.filter((s) => s.restoredKey);
  const job: InjectJob = { session, key: group.key, target: group.target, image: group.image, slots: group.slots, candidates, name };
  return injectImage(job, gateway, tools);
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
  else if (!injected.result.ok)
    reporter.debug(`Go cache: streaming the archives failed (${injected.result.error}); sending them as build context`);
  const restored = job.slots.filter((s) => s.restoredKey).length;
  if (!injected?.result.ok) injected = await contextInject(job, tools);
  const { result, how } = injected;
  if (result.ok) {
    reporter.info(
      `Go cache: injected ${plural(restored, 'archive')} into BuildKit (${how}) in ${result.seconds.toFixed(1)} s (image ${job.image})${onNode(job.target)}`,
    );
  } else {
    reporter.warning(`Go cache: could not inject the caches${onNode(job.target)} (${result.error}); the build runs without them.`);
    reporter.debug(result.log);
    for (const s of job.slots) forgetRestore(s);
  }
}

import type { Reporter } from '../reporter.js';
import type { PostState } from '../state.js';
import { errorText } from '../errors.js';
import { isolate, type CacheService } from '../actions-cache/service.js';
import { formatBinaryBytes } from '../util/bytes.js';

/** The post step: uploads what the main step prepared (the archives go with the work dir). */
export async function saveGoCaches(
  state: Pick<PostState, 'goCacheSaves' | 'goCacheEnv'>,
  service: CacheService,
  reporter: Reporter,
): Promise<void> {
  const saves = state.goCacheSaves;
  const env = state.goCacheEnv;
  if (saves.length === 0 || !env) return;
  const isolated = isolate(service, env);
  const faults = new Set<string>();
  for (const save of saves) {
    const started = Date.now();
    try {
      await isolated.save([save.path], save.key);
      reporter.info(
        `Go cache: saved ${save.id} (${formatBinaryBytes(save.bytes)}) as ${save.key} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
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

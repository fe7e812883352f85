import * as cache from '@actions/cache';
import { probeAnswer, runWorker } from './worker.js';

// The bundle's entry (dist/cache-worker): started by the action for each call of the cache service.
void runWorker(async (request) => {
  switch (request.call) {
    case 'probe':
      return probeAnswer();
    case 'restore':
      return (await cache.restoreCache(request.paths, request.primaryKey, request.restoreKeys, { lookupOnly: request.lookupOnly })) ?? null;
    case 'save':
      return cache.saveCache(request.paths, request.key);
    default:
      throw new Error(`the cache worker does not answer ${request.call}`);
  }
});

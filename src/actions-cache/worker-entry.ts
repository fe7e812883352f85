import { runCacheWorker } from './worker.js';

// The bundle's entry (dist/cache-worker): started by the action for each call of the cache service.
void runCacheWorker();

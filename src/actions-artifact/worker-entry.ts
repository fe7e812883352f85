import { runWorker } from '../actions-cache/worker.js';
import { artifactCall } from './calls.js';

// The bundle's entry (dist/artifact-worker): started by the action for each call of the artifact service.
void runWorker(async (request) => {
  if (!request.call.startsWith('artifact-')) throw new Error(`the artifact worker does not answer ${request.call}`);
  return artifactCall(request as Parameters<typeof artifactCall>[0]);
});

/**
 * The calls of @actions/artifact, run in the worker (actions-cache/worker.ts): the client reads
 * ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN and GITHUB_SERVER_URL from the environment at call
 * time, which the action hands to the worker and never sets in its own process.
 */
import { DefaultArtifactClient } from '@actions/artifact';
import type { ArtifactRequest } from '../actions-cache/worker-protocol.js';

/** One artifact of the run, as the worker answers a listing (JSON). */
export interface ListedArtifact {
  name: string;
  id: number;
  digest?: string;
}

/**
 * upload: the artifact's id; list: the run's artifacts as JSON; download: 'digest-mismatch'
 * when the zip is not what its upload hashed to, else null.
 */
export async function artifactCall(request: ArtifactRequest): Promise<string | number | null> {
  const client = new DefaultArtifactClient();
  switch (request.call) {
    case 'artifact-upload': {
      const { id } = await client.uploadArtifact(request.name, [request.file], request.root);
      return id ?? null;
    }
    case 'artifact-list': {
      const { artifacts } = await client.listArtifacts();
      const listed: ListedArtifact[] = artifacts.map((a) => ({ name: a.name, id: a.id, ...(a.digest ? { digest: a.digest } : {}) }));
      return JSON.stringify(listed);
    }
    case 'artifact-download': {
      const options = { path: request.path, ...(request.expectedHash ? { expectedHash: request.expectedHash } : {}) };
      const { digestMismatch } = await client.downloadArtifact(request.id, options);
      return digestMismatch ? 'digest-mismatch' : null;
    }
  }
}

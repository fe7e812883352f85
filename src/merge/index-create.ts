/**
 * The multi-platform index of a merge: `docker buildx imagetools create --dry-run` composes it
 * from the platform manifests the per-platform jobs pushed by digest, and the action puts those
 * exact bytes into every repository by digest, no tag yet. The tags follow (release/apply.ts:
 * imagetools create again, from `<repository>@<index digest>`, which keeps an index as it is)
 * only once every check passed.
 */
import type { ComposedIndex, DockerClient } from '../docker/client.js';
import { ActionError, errorText } from '../errors.js';
import type { RegistryGuards } from '../oci/registry-client.js';
import { putManifest, repositoryClient } from '../oci/registry-push.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';

/** Pure: the argv (the program is `docker`) that prints the index over `digests` of `repository`, pushing nothing. */
export function dryRunArgv(repository: string, digests: readonly string[], builder?: string): string[] {
  return [
    'buildx',
    'imagetools',
    'create',
    ...(builder ? ['--builder', builder] : []),
    '--dry-run',
    ...digests.map((d) => `${repository}@${d}`),
  ];
}

export interface IndexDeps {
  docker: DockerClient;
  guards: RegistryGuards;
  reporter: Reporter;
  builder?: string;
}

/** Composes the index and puts it into every repository by digest. */
async function composeAndPush(repositories: readonly string[], digests: readonly string[], deps: IndexDeps): Promise<ComposedIndex> {
  const composed = await deps.docker.composeIndex(dryRunArgv(repositories[0]!, digests, deps.builder), digests);
  if (!composed.ok) throw new ActionError(composed.error || `docker buildx imagetools create exited with code ${composed.exitCode}`);
  const index = composed.value;
  for (const repository of repositories)
    await putManifest(repositoryClient(repository, deps.guards), index.digest, index.mediaType, index.body);
  return index;
}

/** The index as a stage: its digest is the `digest` and `imageid` outputs; a fault fails the step and no tag moves. */
export async function createIndexStage(
  repositories: readonly string[],
  digests: readonly string[],
  deps: IndexDeps,
): Promise<{ result: StageResult; index?: ComposedIndex }> {
  try {
    const index = await deps.reporter.group(`Creating the index of ${digests.length} platforms in ${repositories.join(', ')}`, () =>
      composeAndPush(repositories, digests, deps),
    );
    deps.reporter.info(`Index ${index.digest} pushed by digest to ${repositories.join(', ')}; no tag moved yet`);
    return { result: { outputs: { digest: index.digest, imageid: index.digest }, failures: [] }, index };
  } catch (error) {
    return {
      result: { outputs: {}, failures: [`Could not create the multi-platform index in ${repositories.join(', ')}: ${errorText(error)}`] },
    };
  }
}

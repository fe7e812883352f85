/**
 * The multi-platform index of a merge: `docker buildx imagetools create --dry-run` composes it
 * from the platform manifests the per-platform jobs pushed by digest, and the action puts those
 * exact bytes into every repository by digest, no tag yet. The tags follow (release/apply.ts:
 * imagetools create again, from `<repository>@<index digest>`, which keeps an index as it is)
 * only once every check passed.
 */
import { createHash } from 'node:crypto';
import type { DockerClient } from '../docker/client.js';
import { ActionError, errorText } from '../errors.js';
import { OCI_INDEX } from '../oci/media-types.js';
import type { RegistryGuards } from '../oci/registry-client.js';
import { putManifest, repositoryClient } from '../oci/registry-push.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import { lastErrorLine } from '../util/exec.js';
import { isRecord } from '../util/json.js';

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

export interface ComposedIndex {
  digest: string;
  mediaType: string;
  body: Buffer;
}

/**
 * Pure: the index imagetools printed (its bytes, then one newline), checked to list exactly
 * the manifests asked for; its digest is that of the bytes, as a registry computes it.
 */
export function composedIndex(stdout: string, digests: readonly string[]): ComposedIndex {
  const text = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActionError('docker buildx imagetools create --dry-run printed no index');
  }
  const listed =
    isRecord(parsed) && Array.isArray(parsed.manifests) ? parsed.manifests.map((m: unknown) => (isRecord(m) ? m.digest : undefined)) : [];
  if (listed.length !== digests.length || !digests.every((d) => listed.includes(d))) {
    throw new ActionError(
      `docker buildx imagetools create --dry-run composed an index of ${listed.join(', ') || 'nothing'}, not of ${digests.join(', ')}`,
    );
  }
  const body = Buffer.from(text, 'utf8');
  const mediaType = isRecord(parsed) && typeof parsed.mediaType === 'string' ? parsed.mediaType : OCI_INDEX;
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, mediaType, body };
}

export interface IndexDeps {
  docker: DockerClient;
  guards: RegistryGuards;
  reporter: Reporter;
  builder?: string;
}

/** Composes the index and puts it into every repository by digest. */
async function composeAndPush(repositories: readonly string[], digests: readonly string[], deps: IndexDeps): Promise<ComposedIndex> {
  const result = await deps.docker.imagetoolsCreate(dryRunArgv(repositories[0]!, digests, deps.builder));
  if (result.exitCode !== 0)
    throw new ActionError(lastErrorLine(result.stderr) || `docker buildx imagetools create exited with code ${result.exitCode}`);
  const index = composedIndex(result.stdout, digests);
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

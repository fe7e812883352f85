/**
 * Moving the tags, the last thing a pushing run does: the image went to its repositories by
 * digest only, and only once every check passed do the tags name it. Each repository gets
 * its tags with one `docker buildx imagetools create`, from its own copy of the image
 * (`<repository>@<digest>`), so nothing is copied between registries and the tags name the
 * very bytes that were checked (imagetools keeps an index as it is).
 */
import type { DockerClient } from '../docker/client.js';
import { errorText } from '../errors.js';
import { DOCKER_MANIFEST, OCI_MANIFEST } from '../oci/media-types.js';
import type { RegistryGuards } from '../oci/registry-client.js';
import { tagManifest } from '../oci/registry-push.js';
import { tagGroups, type TagGroup } from '../util/reference.js';
import { STAGE_NAMES, type StageId } from '../stage.js';

/** Pure: the argv (the program is `docker`) that points one repository's tags at `digest`. */
export function imagetoolsArgv(group: TagGroup, digest: string, builder?: string): string[] {
  return [
    'buildx',
    'imagetools',
    'create',
    ...(builder ? ['--builder', builder] : []),
    ...group.tags.flatMap((t) => ['--tag', t]),
    `${group.repository}@${digest}`,
  ];
}

/** Pure: whether `mediaType` is a lone image manifest (imagetools would wrap it in a new index). */
export function isLoneManifest(mediaType: string | undefined): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/** Pure: why the tags stay where they are, from the stages that failed. */
export function notTaggedReason(failed: readonly StageId[]): string {
  if (failed.length === 0) return 'not tagged';
  const words = failed.map((id) => STAGE_NAMES[id]);
  const names = words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;
  return `not tagged: ${names} failed`;
}

export interface TaggingOutcome {
  /** The tags that now name the image. */
  applied: string[];
  /** Why the rest could not be applied. */
  failure?: string;
}

export interface TaggingDeps {
  docker: DockerClient;
  guards: RegistryGuards;
  log: (message: string) => void;
}

/**
 * Points every tag at the pushed image, repository by repository; stops at the first
 * repository that refuses (those before keep their new tags: a registry cannot take a tag back).
 */
export async function applyTags(
  tags: readonly string[],
  image: { digest: string; mediaType?: string },
  builder: string | undefined,
  deps: TaggingDeps,
): Promise<TaggingOutcome> {
  const applied: string[] = [];
  for (const group of tagGroups(tags)) {
    const failure = await tagRepository(group, image, builder, deps);
    if (failure) {
      const done = applied.length ? ` (already tagged: ${applied.join(', ')})` : '';
      return { applied, failure: `Could not tag ${group.repository}@${image.digest} as ${group.tags.join(', ')}: ${failure}${done}` };
    }
    applied.push(...group.tags);
    deps.log(`Tagged ${group.repository}@${image.digest}: ${group.tags.join(', ')}`);
  }
  return { applied };
}

async function tagRepository(
  group: TagGroup,
  image: { digest: string; mediaType?: string },
  builder: string | undefined,
  deps: TaggingDeps,
): Promise<string | undefined> {
  if (isLoneManifest(image.mediaType)) {
    try {
      await tagManifest(group.repository, image.digest, group.tags, deps.guards);
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  }
  const result = await deps.docker.imagetoolsCreate(imagetoolsArgv(group, image.digest, builder));
  if (result.ok) return undefined;
  return result.error || `docker buildx imagetools create exited with code ${result.exitCode}`;
}

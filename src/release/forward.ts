/**
 * Before tags move: which of them would go backwards. Reads, for each floating tag, the labels
 * of the image it names now (for an index, its first platform's config: every platform of one
 * build carries the same labels) and those of the new image, and keeps the tags the verdict
 * (monotonic.ts) says stay. Plugs in after any tag list is computed: it judges tags by name.
 */
import { errorText } from '../errors.js';
import { imageManifests } from '../oci/index-walk.js';
import type { ImageIndex } from '../oci/descriptor.js';
import { isIndex } from '../oci/media-types.js';
import { RegistryGuards } from '../oci/registry-client.js';
import { isRecord } from '../util/json.js';
import { isImageReferenceError, parseImageReference, repositoryOf } from '../util/reference.js';
import {
  forwardVerdict,
  imageFacts,
  needsNewImage,
  tagKind,
  type CurrentImage,
  type ForwardVerdict,
  type ImageFacts,
  type Unreadable,
} from './monotonic.js';
import { registryTagStore, type StoredManifest, type TagStore } from './tag-store.js';

/**
 * The deadlines of reading what the tags name: one call 10 s, all of them 30 s, apart from the
 * move's own (a registry that hangs here leaves the floating tags where they are, with a warning,
 * and the move of the exact tags still has its whole budget).
 */
export const FORWARD_CALL_MS = 10_000;
export const FORWARD_TOTAL_MS = 30_000;

export function forwardTagStore(scale: number): TagStore {
  return registryTagStore(new RegistryGuards({ callMs: FORWARD_CALL_MS, totalMs: FORWARD_TOTAL_MS }, scale));
}

/** Which tags move, and what to say about the others. */
export interface ForwardPlan {
  move: string[];
  verdicts: ForwardVerdict[];
  /** How many tags were read from the registry (the floating ones). */
  read: number;
}

/** Pure: the tags that move, in the order given. */
export function planOf(verdicts: ForwardVerdict[], read = 0): ForwardPlan {
  return { move: verdicts.filter((v) => v.move).map((v) => v.tag), verdicts, read };
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new Error(`the registry answered ${what} with something that is not JSON`);
  }
}

/** The labels of the image a manifest (or an index) is; {} when it names no config. Throws on a fault. */
async function labelsOf(store: TagStore, repository: string, content: StoredManifest, signal?: AbortSignal): Promise<unknown> {
  let doc = parseJson(content.body, `the manifest ${content.digest.slice(0, 19)}…`);
  if (isIndex(content.mediaType, doc)) {
    if (!isRecord(doc) || !Array.isArray(doc.manifests)) return {};
    const first = imageManifests(doc as unknown as ImageIndex).find((d) => typeof d.digest === 'string');
    if (!first) return {};
    const platform = await store.read(`${repository}@${first.digest}`, signal);
    if (platform === 'absent') throw new Error(`the index lists ${first.digest.slice(0, 19)}…, which the registry does not have`);
    doc = parseJson(platform.body, `the manifest ${first.digest.slice(0, 19)}…`);
  }
  const config = isRecord(doc) && isRecord(doc.config) ? doc.config.digest : undefined;
  if (typeof config !== 'string') return {};
  const parsed = parseJson(await store.blob(`${repository}@${config}`, signal), `the config ${config.slice(0, 19)}…`);
  return isRecord(parsed) && isRecord(parsed.config) ? parsed.config.Labels : undefined;
}

/** What `reference` names now, with its labels; a fault is said, not thrown. */
export async function readCurrent(store: TagStore, reference: string, signal?: AbortSignal): Promise<CurrentImage> {
  const parsed = parseImageReference(reference);
  if (isImageReferenceError(parsed)) return { fault: `'${reference}' ${parsed.error}` };
  try {
    const content = await store.read(reference, signal);
    if (content === 'absent') return 'absent';
    return imageFacts(content.digest, await labelsOf(store, repositoryOf(parsed), content, signal));
  } catch (error) {
    return { fault: errorText(error) };
  }
}

/**
 * The verdict for every tag: exact tags without a read, the others from what they name now and
 * (once per repository, only when needed) what the new image says. Never throws.
 */
export async function forwardTags(
  tags: readonly string[],
  image: { digest: string },
  io: { store: TagStore; refIsTag: boolean; signal?: AbortSignal },
): Promise<ForwardPlan> {
  const newImage = new Map<string, Promise<ImageFacts | Unreadable>>();
  const readNew = (repository: string): Promise<ImageFacts | Unreadable> => {
    let read = newImage.get(repository);
    if (!read) {
      read = readCurrent(io.store, `${repository}@${image.digest}`, io.signal).then((c) =>
        c === 'absent' ? { fault: `the registry does not have ${repository}@${image.digest.slice(0, 19)}…` } : c,
      );
      newImage.set(repository, read);
    }
    return read;
  };
  let read = 0;
  const verdicts = await Promise.all(
    tags.map(async (tag): Promise<ForwardVerdict> => {
      const parsed = parseImageReference(tag);
      if (isImageReferenceError(parsed) || !parsed.tag) return { tag, move: true };
      const kind = tagKind(parsed.tag, io.refIsTag);
      if (kind === 'exact') return { tag, move: true };
      read++;
      const current = await readCurrent(io.store, tag, io.signal);
      const next = needsNewImage(kind, current, image.digest) ? await readNew(repositoryOf(parsed)) : { digest: image.digest };
      return forwardVerdict(tag, kind, current, next);
    }),
  );
  return planOf(verdicts, read);
}

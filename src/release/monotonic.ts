/**
 * Tags never go backwards. A floating version tag (`latest`, `1`, `1.2`) moves only to an image
 * of a higher version than the one it names; a tag that follows commits (`edge`, a branch's
 * tag, `pr-7`) moves only to an image of a commit at least as new. Exact tags (`1.2.3`,
 * `sha-abc1234`) always move: each names one build. Pure: what the registry says the tag
 * names now goes in, the verdict comes out; the adapter (forward.ts) reads the registry.
 */
import semver from 'semver';
import { isRecord } from '../util/json.js';

export const VERSION_LABEL = 'org.opencontainers.image.version';
/** The build stamps the commit time here (SOURCE_DATE_EPOCH) when it can, else the build's time. */
export const CREATED_LABEL = 'org.opencontainers.image.created';
export const REVISION_LABEL = 'org.opencontainers.image.revision';

/** How a tag may move: `exact` always; `version` only up in semver; `commit` only to a commit at least as new. */
export type TagKind = 'exact' | 'version' | 'commit';

/**
 * Pure: the kind of a tag (without its repository), from its name. `refIsTag`: the run is for a
 * git tag, whose other tags (`nightly`, `stable`) were put on their commit on purpose and move as asked.
 */
export function tagKind(tag: string, refIsTag = false): TagKind {
  if (tag === 'latest' || /^v?\d+(?:\.\d+)?$/.test(tag)) return 'version';
  if (semver.valid(tag) || /^sha-[0-9a-f]{7,}$/i.test(tag)) return 'exact';
  return refIsTag ? 'exact' : 'commit';
}

/** What an image says about itself through its labels. */
export interface ImageFacts {
  digest: string;
  version?: string;
  /** Milliseconds since the epoch. */
  created?: number;
  revision?: string;
}

/** The registry could not say (an error, a deadline, an answer that is not JSON). */
export interface Unreadable {
  fault: string;
}

/** What a tag names now. */
export type CurrentImage = 'absent' | Unreadable | ImageFacts;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** Pure: the facts of an image from its config's labels (anything else than strings ignored). */
export function imageFacts(digest: string, labels: unknown): ImageFacts {
  const l = isRecord(labels) ? labels : {};
  const created = text(l[CREATED_LABEL]);
  const ms = created && /^\d{4}-\d{2}-\d{2}T/.test(created) ? Date.parse(created) : NaN;
  return {
    digest,
    version: text(l[VERSION_LABEL]),
    ...(Number.isFinite(ms) ? { created: ms } : {}),
    revision: text(l[REVISION_LABEL]),
  };
}

export const isUnreadable = (c: CurrentImage | ImageFacts | Unreadable): c is Unreadable => typeof c === 'object' && 'fault' in c;

/** One tag's verdict: it moves, or stays with a sentence that says why; `note`: a move worth saying. */
export interface ForwardVerdict {
  tag: string;
  move: boolean;
  /** Why it stays (a sentence for the summary), or a note on how it moved. */
  why?: string;
  /** It stays because the registry could not be read: a warning, not a plain note. */
  fault?: boolean;
}

/** Pure: whether judging the tag needs the new image's facts (not for exact tags, absent tags, faults, the same image, an unlabelled one). */
export function needsNewImage(kind: TagKind, current: CurrentImage, digest: string): boolean {
  if (kind === 'exact' || current === 'absent' || isUnreadable(current) || current.digest === digest) return false;
  return current.version !== undefined || current.created !== undefined;
}

/**
 * Pure: whether `tag` moves from what it names now to the new image (`next`: its facts, or only
 * its digest when needsNewImage said they are not needed). A tag whose image cannot
 * be read stays (a floating tag moved without knowing could go backwards; the next release
 * moves it). A tag whose image carries no label to order by moves, with a note: it was not put
 * there by a build that stamps them, and keeping it would freeze it for good.
 */
export function forwardVerdict(tag: string, kind: TagKind, current: CurrentImage, next: ImageFacts | Unreadable): ForwardVerdict {
  if (kind === 'exact' || current === 'absent') return { tag, move: true };
  if (isUnreadable(current)) return stays(tag, `${tag} stays where it was: could not read what it names now (${current.fault})`, true);
  if (current.version === undefined && current.created === undefined)
    return { tag, move: true, why: `${tag} moved: the image it named carries no version or created label to order by` };
  if (isUnreadable(next)) return stays(tag, `${tag} stays where it was: could not read the new image's labels (${next.fault})`, true);
  // The same image again (a re-run): nothing goes backwards.
  if (current.digest === next.digest) return { tag, move: true };
  if (kind === 'version' && semver.valid(next.version ?? '')) return byVersion(tag, current, next);
  return byCommit(tag, current, next);
}

function stays(tag: string, why: string, fault = false): ForwardVerdict {
  return { tag, move: false, why, ...(fault ? { fault } : {}) };
}

function byVersion(tag: string, current: ImageFacts, next: ImageFacts): ForwardVerdict {
  const was = current.version ?? '';
  if (!semver.valid(was))
    return { tag, move: true, why: `${tag} moved to ${next.version}: the image it named has no semver version label (${was || 'none'})` };
  const order = semver.compare(next.version!, was);
  if (order >= 0) return { tag, move: true };
  return stays(tag, `${tag} stays on ${was}, newer than ${next.version}`);
}

const when = (f: ImageFacts): string => new Date(f.created!).toISOString().replace('.000Z', 'Z');
const what = (f: ImageFacts): string => {
  const name = f.revision && /^[0-9a-f]{7,}$/i.test(f.revision) ? f.revision.slice(0, 7) : (f.version ?? f.digest.slice(0, 19));
  return `${name} (created ${when(f)})`;
};

function byCommit(tag: string, current: ImageFacts, next: ImageFacts): ForwardVerdict {
  if (current.created === undefined)
    return { tag, move: true, why: `${tag} moved: the image it named has no ${CREATED_LABEL} label to order by` };
  if (next.created === undefined) return { tag, move: true, why: `${tag} moved: the new image has no ${CREATED_LABEL} label to order by` };
  if (next.created >= current.created) return { tag, move: true };
  return stays(tag, `${tag} stays on ${what(current)}, newer than ${what(next)}`);
}

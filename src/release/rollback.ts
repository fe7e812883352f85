/**
 * Tags move all together or not at all: before the move each tag's content is recorded (or
 * that it did not exist); when the move fails or is cancelled, every tag it may have touched
 * is put back (the old manifest's bytes under the tag, or the tag removed). The pure parts:
 * what to do for one tag, where each tag stands, and the lines that say so.
 */
import { errorText } from '../errors.js';
import type { TagContent, TagStore } from './tag-store.js';

/** Where one tag stands once tagging ended. `names`: the digest it names now, when known (none: it does not exist). */
export interface TagStanding {
  tag: string;
  state: 'moved' | 'kept' | 'restored' | 'removed' | 'stuck';
  names?: string;
  /** For `stuck`: why it could not be put back. */
  why?: string;
  /** For `stuck`: the registry could not say what it names now. */
  unknown?: boolean;
}

/** What putting one tag back takes. */
export type UndoAction = { kind: 'none' } | { kind: 'put'; content: Exclude<TagContent, 'absent'> } | { kind: 'delete' };

/** Pure: from what a tag named before and names now ('unknown' when it could not be read), what puts it back. */
export function undoAction(before: TagContent, now: TagContent | 'unknown'): UndoAction {
  if (before === 'absent') return now === 'absent' ? { kind: 'none' } : { kind: 'delete' };
  if (now !== 'absent' && now !== 'unknown' && now.digest === before.digest) return { kind: 'none' };
  return { kind: 'put', content: before };
}

const digestOf = (content: TagContent | undefined): string | undefined => (content && content !== 'absent' ? content.digest : undefined);

/** Pure: one tag's state line, for the error and the summary. */
export function standingLine(s: TagStanding, image: string): string {
  const at = (digest: string | undefined): string => (digest === image ? 'the new image' : (digest ?? 'nothing'));
  switch (s.state) {
    case 'moved':
      return `${s.tag}: moved to the new image`;
    case 'kept':
      if (s.names === image) return `${s.tag}: named the new image already`;
      return s.names ? `${s.tag}: not moved, still at ${s.names}` : `${s.tag}: not moved, still absent`;
    case 'restored':
      return `${s.tag}: put back to its old digest ${s.names ?? ''}`;
    case 'removed':
      return `${s.tag}: removed (it did not exist before)`;
    case 'stuck':
      return `${s.tag}: could not be put back (${s.why ?? 'unknown'}); ${s.names ? `it names ${at(s.names)}` : s.unknown ? 'what it names is unknown' : 'it does not exist'}`;
  }
}

/** Pure: the tags that name `image` now (the `tags` output once tagging ended). */
export function tagsNaming(standings: readonly TagStanding[], image: string): string[] {
  return standings.filter((s) => s.names === image).map((s) => s.tag);
}

/** Pure: the headline over the standings: whether every tag is back where it was. */
export function rollbackHeadline(standings: readonly TagStanding[]): string {
  const stuck = standings.filter((s) => s.state === 'stuck').map((s) => s.tag);
  if (stuck.length === 0) return 'no tag moved: every tag is where it was';
  return `${stuck.length === 1 ? 'a tag' : `${stuck.length} tags`} could not be put back: ${stuck.join(', ')}`;
}

/** Pure: a tag not reached by the move, as it stands (its recorded content, if it was read). */
export function keptStanding(tag: string, before: TagContent | undefined): TagStanding {
  return { tag, state: 'kept', names: digestOf(before) };
}

/** Puts one tag back: reads it (what the move left), then writes or removes it; never throws. */
export async function putBack(tag: string, before: TagContent, store: TagStore): Promise<TagStanding> {
  let now: TagContent | 'unknown';
  try {
    now = await store.read(tag);
  } catch {
    now = 'unknown';
  }
  const action = undoAction(before, now);
  const names = now === 'unknown' ? undefined : digestOf(now);
  try {
    if (action.kind === 'none') return keptStanding(tag, before);
    if (action.kind === 'put') {
      await store.put(tag, action.content);
      return { tag, state: 'restored', names: action.content.digest };
    }
    await store.remove(tag);
    return { tag, state: 'removed' };
  } catch (error) {
    const why = action.kind === 'delete' ? `the registry did not remove the tag: ${errorText(error)}` : errorText(error);
    return { tag, state: 'stuck', names, why, ...(now === 'unknown' ? { unknown: true } : {}) };
  }
}

/**
 * The fan-out inputs: `push-by-digest` (one job of several, each on its own runner, each with
 * its platforms) and `merge` (the job that puts their results together). Checked before any
 * build, each refusal naming the input to change.
 */
import { InputError } from '../errors.js';
import { booleanInput, type InputReader } from '../input-table.js';

/** What this job is in a fan-out: a whole build (none), one part of it, or the merge of the parts. */
export type FanOut = 'none' | 'push-by-digest' | 'merge';

export interface FanOutSettings {
  fanOut: FanOut;
}

/** What the fan-out inputs are checked against: the inputs parsed before them. */
export interface FanOutContext {
  push: boolean;
  load: boolean;
  tags: readonly string[];
  images: readonly string[];
  platforms: readonly string[];
  /** The compose files of the smoke test (empty: none). */
  composeFile: string;
}

/** Reads `push-by-digest` and `merge`, and refuses the combinations that cannot work. */
export function parseFanOut(read: InputReader, given: FanOutContext): FanOut {
  const pushByDigest = booleanInput(read, 'push-by-digest');
  const merge = booleanInput(read, 'merge');
  if (pushByDigest && merge) {
    throw new InputError(
      'merge',
      'is true, and so is push-by-digest. Expected one of them per job: push-by-digest: true in each per-platform job, merge: true in the one job that merges them.',
    );
  }
  const named = given.tags.length > 0 || given.images.length > 0;
  if (pushByDigest && given.push && !named) {
    throw new InputError(
      'push-by-digest',
      'is true with push, but neither tags nor images name a repository to push to. Expected repositories in images (e.g. ghcr.io/org/app) or image references in tags, the same as in the merge job.',
    );
  }
  if (merge) checkMerge(given);
  return pushByDigest ? 'push-by-digest' : merge ? 'merge' : 'none';
}

function checkMerge(given: FanOutContext): void {
  if (given.platforms.length < 2) {
    throw new InputError(
      'platforms',
      `names only ${given.platforms.join(', ')}, but merge puts together the platforms of the per-platform jobs. Expected every platform they build, e.g. linux/amd64,linux/arm64.`,
    );
  }
  if (given.push && given.tags.length === 0 && given.images.length === 0) {
    throw new InputError(
      'merge',
      'is true with push, but neither tags nor images name the repositories to tag. Expected the same tags or images as the per-platform jobs.',
    );
  }
  if (given.load)
    throw new InputError(
      'load',
      'is true, but a merge job builds nothing to load. Expected false with merge: true (load in the per-platform jobs).',
    );
  if (given.composeFile.trim() !== '') {
    throw new InputError(
      'compose-file',
      'is set, but a merge job builds nothing to test. Expected it in the per-platform jobs (push-by-digest: true), which run the smoke test on their own runners.',
    );
  }
}

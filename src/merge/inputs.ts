/**
 * The fan-out inputs: `push-by-digest` (one job of several, each on its own runner, each with
 * its platforms) and `merge` (the job that puts their results together). Checked before any
 * build, each refusal naming the input to change.
 */
import { InputError } from '../errors.js';
import { booleanInput, INPUTS, type InputName, type InputReader } from '../input-table.js';

/** What this job is in a fan-out: a whole build (none), one part of it, or the merge of the parts. */
export type FanOut = 'none' | 'push-by-digest' | 'merge';

export interface FanOutSettings {
  fanOut: FanOut;
  /** In a merge job: the build-only inputs that are set, and do nothing there (warned once). */
  mergeIgnored?: InputName[];
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
  if (pushByDigest) checkPushByDigest(given);
  if (merge) checkMerge(given);
  return pushByDigest ? 'push-by-digest' : merge ? 'merge' : 'none';
}

function checkPushByDigest(given: FanOutContext): void {
  const named = given.tags.length > 0 || given.images.length > 0;
  if (given.push && !named) {
    throw new InputError(
      'push-by-digest',
      'is true with push, but neither tags nor images name a repository to push to. Expected repositories in images (e.g. ghcr.io/org/app) or image references in tags, the same as in the merge job.',
    );
  }
  if (given.load) {
    throw new InputError(
      'load',
      'is true, and so is push-by-digest. Expected load: false in a per-platform job: it hands its image to the merge job by digest, ' +
        'and its smoke test loads the image it runs by itself. Load in a job without push-by-digest.',
    );
  }
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

/**
 * The inputs only a build reads. A merge job builds nothing, so they do nothing there; set
 * (say, from a `with:` block shared with the per-platform jobs) they are warned about, not
 * refused: the merged result is what it would be without them. `load` and `compose-file` are
 * refused instead: they promise a loaded or tested image the merge job does not have.
 */
export const BUILD_ONLY_INPUTS = [
  'secrets',
  'secret-files',
  'secret-envs',
  'ssh',
  'build-contexts',
  'annotations',
  'labels',
  'provenance',
  'sbom',
  'no-cache',
  'pull',
  'network',
  'add-hosts',
  'shm-size',
  'ulimit',
  'cache-from',
  'cache-to',
  'go-private',
  'go-private-token',
] as const satisfies readonly InputName[];

/** Pure: the build-only inputs set to something other than their default, in the table's order. */
export function mergeIgnoredInputs(read: InputReader): InputName[] {
  return BUILD_ONLY_INPUTS.filter((name) => {
    const spec: { kind: string; default: string } = INPUTS[name];
    if (spec.kind === 'boolean') return booleanInput(read, name as 'no-cache' | 'pull') !== (spec.default === 'true');
    const raw = read(name).trim();
    return raw !== '' && raw !== spec.default;
  });
}

/** The one warning of a merge job about inputs it ignores; undefined when there are none. */
export function mergeIgnoredWarning(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const what = names.length === 1 ? `${names[0]} does` : `${names.join(', ')} do`;
  return `merge is true, and a merge job builds nothing: ${what} nothing in this job. Expected them in the per-platform jobs (push-by-digest: true), which build.`;
}

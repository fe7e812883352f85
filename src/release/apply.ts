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
import type { TagState } from '../buildx/summary.js';
import type { Reporter } from '../reporter.js';
import { STAGE_NAMES, type StageId, type StageResult } from '../stage.js';
import type { CancelHooks } from '../util/cancel.js';
import { formatDuration } from '../util/deadline.js';
import { plural } from '../util/plural.js';
import { tagGroups, type TagGroup } from '../util/reference.js';
import { forwardTagStore, forwardTags, type ForwardPlan } from './forward.js';
import { keptStanding, putBack, rollbackHeadline, standingLine, tagsNaming, type TagStanding } from './rollback.js';
import { registryTagStore, rollbackTagStore, type TagContent, type TagStore } from './tag-store.js';

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
  /** The tags that name the image once tagging ended (the `tags` output). */
  applied: string[];
  /** Why tagging failed: the cause, then where each tag stands now. */
  failure?: string;
  /** Where each tag stands, in the order given (on a failure). */
  standings: TagStanding[];
  /** For the summary: what became of the tags after a failure. */
  reason?: string;
  /** The tags that stayed so as not to go backwards (never moved, never put back). */
  kept?: string[];
  /** Why they stayed, and how others moved when worth saying. */
  forward?: string[];
}

export interface TaggingDeps {
  docker: DockerClient;
  guards: RegistryGuards;
  log: (message: string) => void;
  /** What the tags name, and the lone manifest's move (default: the registries over HTTP, under `guards`). */
  store?: TagStore;
  /** Where tags are put back (default: the registries, with deadlines of their own: the move's may be spent). */
  rollbackStore?: TagStore;
  /** RunContext.deadlineScale, for the default rollback store. */
  deadlineScale?: number;
  /** The step's cancellation: a cancel while tagging puts the tags back before the step exits. */
  cancel?: CancelHooks;
  /** Told, after a cancel put the tags back, what to say and which tags name the image. */
  cancelled?: (message: string, applied: string[], standings: string[]) => Promise<void> | void;
  /** Which tags would go backwards, before any moves (default: every tag moves). */
  forward?: (tags: readonly string[], image: { digest: string }) => Promise<ForwardPlan>;
}

type Image = { digest: string; mediaType?: string };

/**
 * Points every tag at the pushed image, all together or not at all, except those `deps.forward`
 * says would go backwards (they stay, and the outcome says why): records what each tag names first, moves them repository by repository, and on a refusal, an error, a deadline or
 * a cancel puts every tag it may have touched back where it was.
 */
export async function applyTags(
  tags: readonly string[],
  image: Image,
  builder: string | undefined,
  deps: TaggingDeps,
): Promise<TaggingOutcome> {
  const forward = deps.forward ? await deps.forward(tags, image) : undefined;
  const move = new TagMove(forward?.move ?? tags, image, builder, deps);
  const release = deps.cancel?.onCancel(async (signal) => {
    const started = Date.now();
    const standings = await move.cancel();
    const lines = standings.map((s) => standingLine(s, image.digest));
    const took = formatDuration(Date.now() - started);
    await deps.cancelled?.(
      `Cancelled (${signal}) during tagging; ${rollbackHeadline(standings)} (in ${took}). Where each tag stands now: ${lines.join('; ')}.`,
      tagsNaming(standings, image.digest),
      lines,
    );
  });
  try {
    const outcome = await move.run();
    if (!forward) return outcome;
    const kept = forward.verdicts.filter((v) => !v.move).map((v) => v.tag);
    return { ...outcome, kept, forward: forward.verdicts.flatMap((v) => (v.why ? [v.why] : [])) };
  } finally {
    release?.();
  }
}

/** One move of the tags: what they named before, which ones it touched, and how to put them back once. */
class TagMove {
  private readonly aborted = new AbortController();
  private readonly before = new Map<string, TagContent>();
  private readonly touched = new Set<string>();
  private undone: Promise<TagStanding[]> | undefined;
  private readonly store: TagStore;

  constructor(
    private readonly tags: readonly string[],
    private readonly image: Image,
    private readonly builder: string | undefined,
    private readonly deps: TaggingDeps,
  ) {
    this.store = deps.store ?? registryTagStore(deps.guards);
  }

  async run(): Promise<TaggingOutcome> {
    const { signal } = this.aborted;
    try {
      const read = await Promise.all(this.tags.map(async (tag) => [tag, await this.store.read(tag, signal)] as const));
      for (const [tag, content] of read) this.before.set(tag, content);
    } catch (error) {
      const standings = this.tags.map((tag) => keptStanding(tag, undefined));
      const failure = `Could not read what ${this.tags.join(', ')} name now, so no tag moved: ${errorText(error)}`;
      return { applied: [], failure, standings, reason: 'not tagged: tagging failed' };
    }
    for (const group of tagGroups(this.tags)) {
      if (signal.aborted) return this.failed(group, 'cancelled');
      for (const tag of group.tags) this.touched.add(tag);
      const failure = await this.tagRepository(group);
      if (failure) return this.failed(group, failure);
      this.deps.log(`Tagged ${group.repository}@${this.image.digest}: ${group.tags.join(', ')}`);
    }
    return { applied: [...this.tags], standings: this.tags.map((tag) => ({ tag, state: 'moved', names: this.image.digest })) };
  }

  /** Stops the move and puts back what it touched (once, however often asked). */
  cancel(): Promise<TagStanding[]> {
    this.aborted.abort();
    return this.rollback();
  }

  private rollback(): Promise<TagStanding[]> {
    const store = this.deps.rollbackStore ?? rollbackTagStore(this.deps.deadlineScale ?? 1);
    this.undone ??= Promise.all(
      this.tags.map((tag) => {
        const before = this.before.get(tag);
        return this.touched.has(tag) && before ? putBack(tag, before, store) : Promise.resolve(keptStanding(tag, before));
      }),
    );
    return this.undone;
  }

  private async failed(group: TagGroup, cause: string): Promise<TaggingOutcome> {
    const standings = await this.rollback();
    const lines = standings.map((s) => standingLine(s, this.image.digest));
    const headline = rollbackHeadline(standings);
    return {
      applied: tagsNaming(standings, this.image.digest),
      standings,
      failure: `Could not tag ${group.repository}@${this.image.digest} as ${group.tags.join(', ')}: ${cause}; ${headline}. Where each tag stands now: ${lines.join('; ')}.`,
      reason: `tagging failed; ${headline}`,
    };
  }

  private async tagRepository(group: TagGroup): Promise<string | undefined> {
    const { signal } = this.aborted;
    if (isLoneManifest(this.image.mediaType)) {
      try {
        const manifest = await this.store.read(`${group.repository}@${this.image.digest}`, signal);
        if (manifest === 'absent') return `${group.repository}@${this.image.digest} is not in the registry`;
        for (const tag of group.tags) await this.store.put(tag, manifest, signal);
        return undefined;
      } catch (error) {
        return signal.aborted ? 'cancelled' : errorText(error);
      }
    }
    const result = await this.deps.docker.imagetoolsCreate(imagetoolsArgv(group, this.image.digest, this.builder));
    if (result.ok) return undefined;
    return result.error || `docker buildx imagetools create exited with code ${result.exitCode}`;
  }
}

/** What the pipeline hands tagging: the docker client, the deadlines, and on a cancel the error and the `tags` output. */
export function taggingDeps(
  deps: {
    docker: DockerClient;
    reporter: Reporter;
    cancel?: CancelHooks;
    tagStore?: TagStore;
    ctx: { deadlineScale: number; ref?: string };
  },
  guards: RegistryGuards,
  out: { output: (name: 'tags', value: string) => void },
  /** After a cancel put the tags back: the summary says where each stands (the step ends before tagging returns). */
  onCancelled?: (tagging: TagState) => Promise<void>,
): TaggingDeps {
  const { reporter } = deps;
  return {
    docker: deps.docker,
    guards,
    log: (m) => reporter.info(m),
    deadlineScale: deps.ctx.deadlineScale,
    store: deps.tagStore,
    rollbackStore: deps.tagStore,
    cancel: deps.cancel,
    forward: async (tags, image) => {
      const store = deps.tagStore ?? forwardTagStore(deps.ctx.deadlineScale);
      const started = Date.now();
      const plan = await forwardTags(tags, image, { store, refIsTag: (deps.ctx.ref ?? '').startsWith('refs/tags/') });
      if (plan.read > 0)
        reporter.info(
          `Read what ${plural(plan.read, 'floating tag')} name${plan.read === 1 ? 's' : ''} now in ${formatDuration(Date.now() - started)}.`,
        );
      for (const v of plan.verdicts) {
        if (v.fault) reporter.warning(`${v.why ?? ''}: a floating tag moves only once the new image is known to be newer.`);
        else if (!v.move) reporter.notice(`${v.why ?? ''}: it stays (tags never go backwards).`);
        else if (v.why) reporter.info(v.why);
      }
      return plan;
    },
    cancelled: async (message, applied, standings) => {
      out.output('tags', applied.join('\n'));
      reporter.error(message);
      await onCancelled?.({ applied: false, reason: 'cancelled during tagging', standings });
    },
  };
}

/** Pure: a move's outcome as a stage's result (on a failure the `tags` output keeps only the tags naming the image) and the summary's tag state. */
export function taggingResult(tagged: TaggingOutcome, digest: string): { result: StageResult; tagging: TagState } {
  const kept = tagged.kept ?? [];
  const forward = { ...(kept.length ? { kept } : {}), ...(tagged.forward?.length ? { forward: tagged.forward } : {}) };
  // The `tags` output lists the tags that name the new image: without those that stayed.
  if (!tagged.failure)
    return {
      result: { outputs: kept.length ? { tags: tagged.applied.join('\n') } : {}, failures: [] },
      tagging: { applied: true, ...forward },
    };
  return {
    result: { outputs: { tags: tagged.applied.join('\n') }, failures: [tagged.failure] },
    tagging: {
      applied: false,
      reason: tagged.reason ?? 'not tagged: tagging failed',
      standings: tagged.standings.map((s) => standingLine(s, digest)),
      ...forward,
    },
  };
}

import type { ArtifactService } from '../actions-artifact/service.js';
import type { CacheService } from '../actions-cache/service.js';
import type { RunContext } from '../context.js';
import type { DockerClient } from '../docker/client.js';
import type { CacheApi } from '../github/caches.js';
import type { CommentApi } from '../github/comment.js';
import type { Reporter } from '../reporter.js';
import type { TagStore } from '../release/tag-store.js';
import type { CancelHooks } from '../util/cancel.js';
import type { Clock } from '../util/clock.js';

/** What a run talks to, built once by the entry point (main, post, the CLI) and handed down. */
export interface PipelineDeps {
  reporter: Reporter;
  ctx: RunContext;
  clock: Clock;
  /** The Actions cache service. */
  cache: CacheService;
  /** The workflow run's artifacts: the merge hand-off (none: the hand-off goes through the cache). */
  artifacts?: ArtifactService;
  /** Docker, buildx and compose. */
  docker: DockerClient;
  /** The GitHub API for the pull-request comment, with the step's token. */
  github: (token: string) => CommentApi;
  /** The repository's Actions cache entries through the GitHub API (deleting superseded ones), with the step's token. */
  caches?: (token: string) => CacheApi;
  /** The step's cancellation: what a stage must undo on a cancel (the tags put back). */
  cancel?: CancelHooks;
  /** Where tagging reads and puts tags (default: the registries over HTTP; tests hand a fake). */
  tagStore?: TagStore;
  /** Writes the job summary at once, when the step writes one: a cancel ends the step before the pipeline returns. */
  writeSummaryNow?: () => Promise<void>;
}

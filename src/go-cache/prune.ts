/**
 * Deletes the Actions cache entries a save supersedes (the same cache on the same ref, older),
 * through the REST API. Optional: without `actions: write` one notice names the permission, a
 * hung or failing API one warning; either way the run goes on and the entries stay until GitHub
 * evicts them.
 */
import { errorText } from '../errors.js';
import type { CacheApi, ListedCacheEntry } from '../github/caches.js';
import { httpStatus } from '../github/comment.js';
import type { Reporter } from '../reporter.js';
import { formatBytes } from '../util/bytes.js';
import { DELETE_PERMISSION, supersededEntries, type SavedEntry } from './quota.js';

/** What stopped the deletions: the token may not delete (403), there is no token, or the API failed. */
export type PruneStop = 'denied' | 'no-token' | 'fault';

export class CachePruner {
  readonly deleted: ListedCacheEntry[] = [];
  /** Why superseded entries were not deleted (for the summary); once set, the API is not asked to delete again. */
  notDeleted?: string;
  stop?: PruneStop;
  private readonly api: CacheApi | undefined;
  private readonly reporter: Reporter;

  /**
   * `stoppedEarlier`: an earlier step of this job already stopped (the token may not delete, or
   * the API failed) and said so: one notice or warning per job.
   */
  constructor(api: CacheApi | undefined, reporter: Reporter, stoppedEarlier?: 'denied' | 'fault') {
    this.api = api;
    this.reporter = reporter;
    if (!api) this.halt('no-token', 'no github-token to delete them with');
    else if (stoppedEarlier === 'denied') this.halt('denied', `the token lacks ${DELETE_PERMISSION}`);
    else if (stoppedEarlier === 'fault') this.halt('fault', 'the GitHub API failed earlier in this job');
  }

  private halt(stop: PruneStop, why: string): void {
    this.stop ??= stop;
    this.notDeleted ??= why;
  }

  /** Deletes the entries `saved` supersedes. Never throws. */
  async supersede(saved: SavedEntry, what: string): Promise<void> {
    if (!this.api || this.stop) return;
    let listed: ListedCacheEntry[];
    try {
      listed = await this.api.list(saved.prefix, saved.ref);
    } catch (error) {
      this.fault(error);
      return;
    }
    const { superseded, found } = supersededEntries(listed, saved);
    if (!found) {
      this.reporter.info(`${what}: ${saved.key} is not listed on ${saved.ref} yet: no older entry deleted`);
      return;
    }
    for (const entry of superseded) {
      if (this.stop) return;
      try {
        await this.api.remove(entry.id);
        this.deleted.push(entry);
        this.reporter.info(`${what}: deleted the superseded entry ${entry.key} (${formatBytes(entry.sizeBytes)}) of ${entry.ref}`);
      } catch (error) {
        // Gone already: another run of the ref deleted it.
        if (httpStatus(error) !== 404) this.fault(error);
      }
    }
  }

  private fault(error: unknown): void {
    if (this.stop) return;
    if (httpStatus(error) === 403) {
      this.halt('denied', `the token lacks ${DELETE_PERMISSION}`);
      this.reporter.notice(
        `Superseded Actions cache entries were not deleted: the token may not delete caches (403). ` +
          `Give the job \`permissions: ${DELETE_PERMISSION}\` to keep one entry per cache and ref, ` +
          'or set go-cache-save: always to keep every entry (GitHub then evicts the least recently used).',
      );
      return;
    }
    this.halt('fault', `the GitHub API failed: ${errorText(error)}`);
    if (httpStatus(error) === 404) {
      // A server without the cache endpoints (an older GitHub Enterprise Server): nothing is wrong with the run.
      this.notDeleted = 'the GitHub API has no Actions cache endpoints here (404)';
      this.reporter.info(`Superseded Actions cache entries were not deleted: ${this.notDeleted}.`);
      return;
    }
    this.reporter.warning(
      `Superseded Actions cache entries were not deleted (${errorText(error)}); they stay until GitHub evicts them. The build goes on.`,
    );
  }

  /** The repository's cache use, or undefined when it could not be read (said once, as info). */
  async usage(): Promise<{ bytes: number; count: number } | undefined> {
    if (!this.api || this.stop === 'fault') return undefined;
    try {
      return await this.api.usage();
    } catch (error) {
      this.reporter.info(`The repository's Actions cache use could not be read: ${errorText(error)}`);
      return undefined;
    }
  }
}

/**
 * The merge job's first stage: this run's result of every platform, from the per-platform jobs
 * (`push-by-digest: true`) through the run's artifacts (or the Actions cache where there are
 * none); then the verdict on them: every platform must be there, have passed its job's checks,
 * and (with push) have been pushed.
 */
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import type { HandoffScope, PlatformHandoff } from './handoff.js';
import type { Found, HandoffStore } from './store.js';

/** Pure: the failure naming the missing platforms, why each is missing, and the job that must produce it. */
export function missingFailure(missing: readonly { platform: string; missing: string }[], scope: HandoffScope): string {
  const attempts = Number(scope.runAttempt) > 1 ? `attempts ${scope.runAttempt} to 1` : `attempt ${scope.runAttempt}`;
  // Platforms missing for one reason (a service fault) are named together, with it once.
  const reasons = [...new Set(missing.map((m) => m.missing))];
  const each = reasons
    .map(
      (why) =>
        `${missing
          .filter((m) => m.missing === why)
          .map((m) => m.platform)
          .join(', ')} (${why})`,
    )
    .join('; ');
  const jobs = missing.map((m) => `platforms: ${m.platform}`).join(', ');
  return (
    `No result of ${missing.map((m) => m.platform).join(', ')} in run ${scope.runId} (${attempts}): ${each}. ` +
    `Each comes from a job of this run with push-by-digest: true and ${jobs} (and the same tags or images), which this merge job must need (needs:) and which must have finished.`
  );
}

export interface GatherInput {
  store: HandoffStore;
  scope: HandoffScope;
  platforms: readonly string[];
}

/** Restores every platform's record; the records in the order of `platforms`, or the failure naming the missing ones. */
export async function gatherStage(input: GatherInput, reporter: Reporter): Promise<{ result: StageResult; records: PlatformHandoff[] }> {
  const found: Found[] = await reporter.group(`Gathering the results of ${input.platforms.join(', ')}`, () =>
    input.store.restore(input.scope, input.platforms),
  );
  const records: PlatformHandoff[] = [];
  const missing: { platform: string; missing: string }[] = [];
  for (const f of found) {
    if ('missing' in f) {
      missing.push(f);
      continue;
    }
    reporter.info(`${f.platform}: ${f.record.digest ?? 'not built'} from attempt ${f.record.runAttempt} (${f.key})`);
    records.push(f.record);
  }
  return { result: { outputs: {}, failures: missing.length > 0 ? [missingFailure(missing, input.scope)] : [] }, records };
}

/**
 * Pure: why the platforms cannot be tagged, one sentence per platform: its job failed a
 * check (or its build), or (with push) it was not pushed to every repository.
 */
export function platformFailures(records: readonly PlatformHandoff[], push: boolean, repositories: readonly string[]): string[] {
  const failures: string[] = [];
  for (const r of records) {
    if (r.failures.length > 0) {
      failures.push(`${r.platform} failed in its job (push-by-digest, attempt ${r.runAttempt}): ${r.failures.join(' ')}`);
      continue;
    }
    if (!push) continue;
    const absent = repositories.filter((repo) => !r.repositories.includes(repo));
    if (!r.pushed) failures.push(`${r.platform} was not pushed by its job (push is false there), so it cannot be part of the index.`);
    else if (absent.length > 0) failures.push(`${r.platform} was not pushed to ${absent.join(', ')} by its job.`);
  }
  return failures;
}

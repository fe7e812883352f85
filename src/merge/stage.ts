/**
 * The merge job's stages besides gathering and the index (gather.ts, index-create.ts): the
 * verdict on the platforms, the one size report, and the tags. Each returns what it produced;
 * the pipeline sets the outputs and decides failure.
 */
import type { TagState } from '../buildx/summary.js';
import type { RunContext } from '../context.js';
import type { RegistryGuards } from '../oci/registry-client.js';
import { applyTags, taggingDeps, taggingResult } from '../release/apply.js';
import type { Reporter } from '../reporter.js';
import { imageName } from '../size/stage.js';
import { reportStage, type ReportResult, type ReportRun } from '../report/stage.js';
import type { StageResult } from '../stage.js';
import { repositoriesOf } from '../util/reference.js';
import { platformFailures } from './gather.js';
import { handoffImage, type HandoffScope, type PlatformHandoff } from './handoff.js';
import { mergedExtras, mergedReport, mergedSmoke } from './report.js';

/**
 * What both kinds of job call this run and image: the per-platform jobs save under it, the merge
 * job looks under it. Same inputs (tags or images, Dockerfile, target), same scope.
 */
export function handoffScope(
  image: { tags: readonly string[]; file: string; target?: string },
  ctx: Pick<RunContext, 'runId' | 'runAttempt' | 'workspace'>,
): HandoffScope {
  const name = imageName({ tags: [...image.tags], file: image.file, target: image.target }, ctx.workspace);
  return { runId: ctx.runId, runAttempt: ctx.runAttempt, image: handoffImage(repositoriesOf(image.tags), name) };
}

/** The platforms' verdict: a platform that failed in its job (or, with push, was not pushed) keeps every tag where it was. */
export function platformsStage(records: readonly PlatformHandoff[], push: boolean, repositories: readonly string[]): StageResult {
  return { outputs: { 'smoke-status': mergedSmoke(records).status }, failures: platformFailures(records, push, repositories) };
}

export interface MergedSizeInput extends ReportRun {
  tags: readonly string[];
  file: string;
  target?: string;
  version: string;
  guards: RegistryGuards;
  /** The index's digest ('' when nothing was pushed). */
  digest: string;
}

/** The one size report over every platform: baseline, budgets, comment and saved baseline as a single job's. */
export async function mergedSizeStage(
  input: MergedSizeInput,
  records: readonly PlatformHandoff[],
  reporter: Reporter,
): Promise<ReportResult> {
  const name = imageName({ tags: [...input.tags], file: input.file, target: input.target }, input.ctx.workspace);
  const extras = mergedExtras(records, input.version);
  const report = {
    image: input.tags[0] ?? name,
    digest: input.digest,
    version: input.version,
    commit: input.ctx.sha || undefined,
    ref: input.ctx.ref || undefined,
    size: input.size,
  };
  return reportStage({ ...input, extras }, { name, guards: input.guards }, (found) => mergedReport(report, records, found), reporter);
}

/**
 * Points every tag at the index, all together or not at all (release/apply.ts); `out.output`
 * hears the `tags` output when a cancel put the tags back.
 */
export async function tagIndexStage(
  tags: readonly string[],
  index: { digest: string; mediaType: string },
  deps: Parameters<typeof taggingDeps>[0] & { guards: RegistryGuards; builder?: string },
  out: { output: (name: 'tags', value: string) => void },
): Promise<{ result: StageResult; tagging: TagState }> {
  const tagged = await deps.reporter.group(`Tagging ${tags.join(', ')}`, () =>
    applyTags(tags, index, deps.builder, taggingDeps(deps, deps.guards, out)),
  );
  return taggingResult(tagged, index.digest);
}

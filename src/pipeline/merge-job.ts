/**
 * A merge job (merge: true) builds nothing: it gathers this run's per-platform results, and once
 * every platform passed puts them under the tags as one index; one size report over all of them.
 */
import type { Inputs } from '../inputs.js';
import { gatherStage } from '../merge/gather.js';
import type { PlatformHandoff } from '../merge/handoff.js';
import { mergeIgnoredWarning } from '../merge/inputs.js';
import { createIndexStage } from '../merge/index-create.js';
import { handoffScope, mergedSizeStage, platformsStage, tagIndexStage } from '../merge/stage.js';
import { renderMergeSummary, type MergeSummaryInput } from '../merge/summary.js';
import { RegistryGuards } from '../oci/registry-client.js';
import { notTaggedReason } from '../release/apply.js';
import { repositoriesOf } from '../util/reference.js';
import type { Collector } from './collector.js';
import type { PipelineDeps } from './deps.js';
import { labelOutputs, releaseStage } from './prepare.js';
import { reportServices, runCache, runHandoff, runWorkDir } from './work-dir.js';
import { mergedVulnScan } from '../merge/report.js';
import { describeDb } from '../vuln/db.js';

export async function mergeJob(inputs: Inputs, deps: PipelineDeps, out: Collector): Promise<void> {
  const { reporter, ctx } = deps;
  const ignored = mergeIgnoredWarning(inputs.mergeIgnored ?? []);
  if (ignored) reporter.warning(ignored);
  const release = await releaseStage(inputs, deps, out);
  if (!release) return;
  const version = release.version;
  labelOutputs(inputs, release, ctx, deps.clock.now(), out);
  const section = out.reserve();
  const summary: MergeSummaryInput = { records: [], missing: [], tags: release.tags, push: inputs.push };
  try {
    const workDir = await runWorkDir(deps);
    const cache = { ...runCache(deps, workDir), reportDir: workDir };
    const store = runHandoff(deps, workDir);
    const gathered = await gatherStage(
      { store, scope: handoffScope({ ...inputs, tags: release.tags }, ctx), platforms: inputs.platforms },
      reporter,
    );
    summary.records = gathered.records;
    summary.missing = inputs.platforms.filter((p) => !gathered.records.some((r) => r.platform === p));
    if (!out.take(gathered.result, 'gather')) return;
    await mergeRecords(inputs, { version, tags: release.tags, records: gathered.records, cache }, deps, out, summary);
  } finally {
    section(renderMergeSummary(summary));
  }
}

/** Every platform is there: the index, the one size report, then the tags. */
async function mergeRecords(
  inputs: Inputs,
  run: { version: string; tags: string[]; records: PlatformHandoff[]; cache: ReturnType<typeof runCache> & { reportDir: string } },
  deps: PipelineDeps,
  out: Collector,
  summary: MergeSummaryInput,
): Promise<void> {
  const { reporter, ctx, docker } = deps;
  const repositories = repositoriesOf(run.tags);
  out.take(platformsStage(run.records, inputs.push, repositories), 'platform-jobs');
  const guards = new RegistryGuards(undefined, ctx.deadlineScale);
  const io = { docker, guards, reporter, builder: inputs.builder };
  const digests = run.records.map((r) => r.digest ?? '');
  const made = inputs.push && out.failures.length === 0 ? await createIndexStage(repositories, digests, io) : undefined;
  if (made) out.take(made.result, 'index');
  summary.digest = made?.index?.digest;
  const sizeInput = {
    ...{ size: inputs.size, githubToken: inputs.githubToken, file: inputs.file, target: inputs.target },
    ...{ ctx, tags: run.tags, version: run.version, guards, digest: summary.digest ?? '' },
    ...reportServices(deps, run.cache, inputs.githubToken, { mode: inputs.goCacheSave, stopped: () => undefined }),
    reportDir: run.cache.reportDir,
  };
  const scan = inputs.vuln.check === 'off' ? undefined : mergedVulnScan(run.records, describeDb(inputs.vuln.db));
  const reported = await mergedSizeStage({ ...sizeInput, vuln: scan ? { inputs: inputs.vuln, scan } : undefined }, run.records, reporter);
  out.take(reported, 'size-budget');
  out.take(reported.vuln, 'vuln-check');
  if (!inputs.push) return;
  summary.tagging = { applied: false, reason: notTaggedReason(out.failedStages) };
  if (made?.index && out.failures.length === 0) {
    const tagged = await tagIndexStage(run.tags, made.index, { ...io, cancel: deps.cancel, tagStore: deps.tagStore, ctx }, out);
    out.take(tagged.result, 'tagging');
    summary.tagging = tagged.tagging;
  } else {
    reporter.warning(`Tags not moved (${summary.tagging.reason}): ${run.tags.join(', ')} stay where they were.`);
    // The tags output lists the tags that name the new image when the step ends: none moved.
    out.output('tags', '');
  }
}

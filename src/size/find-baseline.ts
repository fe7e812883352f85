/**
 * The baseline a run's sizes are compared with: an image measured in its registry, or the
 * report a earlier run left in the Actions cache. Not finding one is a note in the report,
 * never a fault of the step; a fault in reading one is a warning.
 */
import type { CacheService } from '../actions-cache/service.js';
import type { CachePruner } from '../go-cache/prune.js';
import type { RunContext } from '../context.js';
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { restoreReport, saveReport, type BaselineSetting, type CachePlan } from './baseline.js';
import { goBinaries } from './go-binaries.js';
import { measureImage } from './measure.js';
import { RegistrySource } from './registry.js';
import { RegistryNotFoundError, type RegistryGuards } from '../oci/registry-client.js';
import { baselineFromReport, goSummary, layerRow, type Baseline, type SizeReport } from './report.js';

export interface FoundBaseline {
  baseline: Baseline | null;
  /** Why there is none, for the report. */
  note?: string;
}

export interface BaselineLookup {
  setting: BaselineSetting;
  /** What `baseline: auto` restores and saves on this event. */
  cachePlan: CachePlan;
  ctx: Pick<RunContext, 'workspace' | 'ref'>;
  cacheService?: CacheService;
  /** Where the cached report's file is written while its cache call runs (the run's work dir); else the workspace. */
  cacheWorkspace?: string;
  /** The run's registry deadlines, shared with the image's own reads. */
  guards: RegistryGuards;
  /** Deletes the baseline entries a saved one supersedes (the same image on the same ref). */
  supersede?: SupersedeBaseline;
  /** Read a baseline image's Go binaries whole, with their function tables (the vulnerability scan). */
  symbols?: boolean;
}

export interface SupersedeBaseline {
  pruner: CachePruner;
  /** The run's ref (GITHUB_REF): the saved entry's. */
  ref: string;
  /** Called when deleting stopped (no permission, or the API failed): the post step then does not say it again. */
  stopped: (why: 'denied' | 'fault') => void;
}

export async function findBaseline(lookup: BaselineLookup, reporter: Reporter): Promise<FoundBaseline> {
  const { setting, cachePlan } = lookup;
  if (setting.kind === 'none') return { baseline: null, note: 'baseline: none' };
  if (setting.kind === 'reference') return referenceBaseline(setting.ref, lookup, reporter);
  if (cachePlan.restorePrefix) return cachedBaseline(lookup, cachePlan.restorePrefix, reporter);
  return { baseline: null, note: 'no baseline for this event' };
}

async function referenceBaseline(ref: string, lookup: BaselineLookup, reporter: Reporter): Promise<FoundBaseline> {
  try {
    return { baseline: await reporter.group(`Measuring the baseline ${ref}`, () => measureReference(ref, lookup, reporter)) };
  } catch (error) {
    if (error instanceof RegistryNotFoundError) {
      // Not there (yet): no baseline, which is not a fault.
      reporter.info(`No baseline: ${errorText(error)}.`);
      return { baseline: null, note: `the baseline ${ref} does not exist` };
    }
    reporter.warning(`The baseline ${ref} could not be read (${errorText(error)}); the report has no baseline.`);
    return { baseline: null, note: `the baseline ${ref} could not be read` };
  }
}

async function measureReference(ref: string, lookup: BaselineLookup, reporter: Reporter): Promise<Baseline> {
  const source = new RegistrySource(ref, lookup.guards);
  const measured = await measureImage(source);
  const go = await goBinaries(source, measured, reporter, { symbols: lookup.symbols });
  return {
    label: ref,
    source: 'reference',
    platforms: measured.platforms.map((p) => ({
      platform: p.platform,
      manifestDigest: p.manifestDigest,
      compressedBytes: p.compressedBytes,
      uncompressedBytes: p.uncompressedBytes,
      layers: p.layers.map(layerRow),
      go: goSummary(go[p.platform]),
    })),
    ...(lookup.symbols ? { binaries: go } : {}),
  };
}

async function cachedBaseline(lookup: BaselineLookup, prefix: string, reporter: Reporter): Promise<FoundBaseline> {
  try {
    const restored = await restoreReport(lookup.cacheWorkspace ?? lookup.ctx.workspace, prefix, lookup.cacheService);
    if (!restored.report) {
      reporter.info(`No baseline: ${restored.note}.`);
      return { baseline: null, note: restored.note };
    }
    const r = restored.report;
    reporter.info(
      `Baseline: the size report of ${lookup.cachePlan.restoreLabel}${r.commit ? ` at ${r.commit.slice(0, 7)}` : ''} (${restored.key})`,
    );
    return { baseline: baselineFromReport(r, r.digest ? `${r.image.replace(/@.*$/, '')}@${r.digest}` : r.image) };
  } catch (error) {
    reporter.warning(`The cached size report could not be restored (${errorText(error)}); the report has no baseline.`);
    return { baseline: null, note: 'the cached baseline could not be read' };
  }
}

/** Keeps this run's report as the baseline of its branch or tag, when the cache plan says so. */
export async function saveBaseline(
  lookup: Omit<BaselineLookup, 'setting' | 'guards'>,
  report: SizeReport,
  reporter: Reporter,
): Promise<void> {
  const { cachePlan, ctx } = lookup;
  if (!cachePlan.saveKey) return;
  try {
    const saved = await saveReport(lookup.cacheWorkspace ?? ctx.workspace, cachePlan.saveKey, report, lookup.cacheService);
    if (saved === 'saved') {
      reporter.info(`Saved the size report as the baseline of ${ctx.ref} (${cachePlan.saveKey}).`);
      await supersedeBaseline(lookup.supersede, cachePlan);
    }
    if (saved === 'exists')
      reporter.info(`The baseline of ${ctx.ref} for this commit is already saved (${cachePlan.saveKey}): kept as it is.`);
  } catch (error) {
    // @actions/cache has already warned about real faults; an existing key (a re-run) is no fault.
    reporter.info(`The size report was not saved as a baseline: ${errorText(error)}`);
  }
}

/** One baseline per ref: the older reports of this image on the run's ref go once the new one is saved. */
async function supersedeBaseline(supersede: SupersedeBaseline | undefined, plan: CachePlan): Promise<void> {
  if (!supersede || !plan.saveKey || !plan.savePrefix) return;
  await supersede.pruner.supersede({ key: plan.saveKey, prefix: plan.savePrefix, ref: supersede.ref }, 'Size baseline');
  const stop = supersede.pruner.stop;
  if (stop === 'denied' || stop === 'fault') supersede.stopped(stop);
}

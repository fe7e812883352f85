import { judgePlatform, overallStatus, type BudgetMode, type BudgetSpec, type Status } from './budget.js';
import { diffModules, type GoBinary, type GoModule, type ModuleDiff } from './goinfo.js';
import type { ImageSize, LayerSize } from './measure.js';

/** The Go program in one platform of the image, as the report keeps it. */
export interface GoSummary {
  path: string;
  sizeBytes: number;
  goVersion: string;
  /** The package path of main. */
  package: string;
  mainModule: string | null;
  modules: GoModule[];
}

export interface PlatformReport {
  platform: string;
  manifestDigest: string;
  compressedBytes: number;
  uncompressedBytes: number;
  baselineCompressedBytes: number | null;
  baselineUncompressedBytes: number | null;
  deltaBytes: number | null;
  /** The absolute budget in bytes, when there is one. */
  budgetBytes: number | null;
  /** The budget in words, e.g. `≤ 25MB, +1MB`; empty without budgets. */
  budget: string;
  status: Status;
  /** Why it is over budget, naming the platform and by how much. */
  reasons: string[];
  layers: { digest: string; compressedBytes: number; uncompressedBytes: number | null; instruction: string | null }[];
  go: GoSummary | null;
}

/** The `size-report` output, and what the cache keeps as the next run's baseline. */
export interface SizeReport {
  schema: 1;
  image: string;
  digest: string;
  version?: string;
  commit?: string;
  ref?: string;
  /** What the sizes are compared with: an image reference, or a cached report's image and commit. */
  baseline: string | null;
  baselineSource: 'reference' | 'cache' | null;
  /** Why there is no baseline, when there is none. */
  baselineNote?: string;
  status: Status;
  platforms: PlatformReport[];
}

export function goSummary(binary: GoBinary | undefined): GoSummary | null {
  if (!binary) return null;
  return {
    path: binary.path,
    sizeBytes: binary.sizeBytes,
    goVersion: binary.buildInfo.goVersion,
    package: binary.buildInfo.path,
    mainModule: binary.buildInfo.main?.path ?? null,
    modules: binary.buildInfo.deps,
  };
}

export interface Baseline {
  /** The reference or description shown as the baseline. */
  label: string;
  source: 'reference' | 'cache';
  /** Per platform: the baseline's sizes, layers and Go program. */
  platforms: Pick<PlatformReport, 'platform' | 'compressedBytes' | 'uncompressedBytes' | 'layers' | 'go'>[];
}

export interface ReportInput {
  image: string;
  digest: string;
  version?: string;
  commit?: string;
  ref?: string;
  measured: ImageSize;
  go: Record<string, GoBinary | undefined>;
  baseline: Baseline | null;
  baselineNote?: string;
  budget: BudgetSpec;
  increase: BudgetSpec;
  mode: BudgetMode;
}

function layerRow(l: LayerSize): PlatformReport['layers'][number] {
  return { digest: l.digest, compressedBytes: l.compressedBytes, uncompressedBytes: l.uncompressedBytes, instruction: l.instruction };
}

/** Pure: measurements + baseline + budgets -> the report, with a verdict per platform. */
export function buildReport(input: ReportInput): SizeReport {
  const platforms: PlatformReport[] = input.measured.platforms.map((p) => {
    const base = input.baseline?.platforms.find((b) => b.platform === p.platform);
    const baselineBytes = base ? base.compressedBytes : null;
    const verdict = judgePlatform(p.platform, p.compressedBytes, baselineBytes, input.budget, input.increase, input.mode);
    return {
      platform: p.platform,
      manifestDigest: p.manifestDigest,
      compressedBytes: p.compressedBytes,
      uncompressedBytes: p.uncompressedBytes,
      baselineCompressedBytes: baselineBytes,
      baselineUncompressedBytes: base ? base.uncompressedBytes : null,
      deltaBytes: baselineBytes === null ? null : p.compressedBytes - baselineBytes,
      budgetBytes: verdict.budgetBytes ?? null,
      budget: verdict.budgetText,
      status: verdict.status,
      reasons: verdict.reasons,
      layers: p.layers.map(layerRow),
      go: goSummary(input.go[p.platform]),
    };
  });
  return {
    schema: 1,
    image: input.image,
    digest: input.digest,
    ...(input.version !== undefined ? { version: input.version } : {}),
    ...(input.commit ? { commit: input.commit } : {}),
    ...(input.ref ? { ref: input.ref } : {}),
    baseline: input.baseline?.label ?? null,
    baselineSource: input.baseline?.source ?? null,
    ...(input.baseline ? {} : { baselineNote: input.baselineNote ?? 'no baseline' }),
    status: overallStatus(platforms.map((p) => p.status)),
    platforms,
  };
}

/** Pure: a stored report as a baseline (what the cache gives back on a pull request). */
export function baselineFromReport(report: SizeReport, label: string): Baseline {
  return {
    label,
    source: 'cache',
    platforms: report.platforms.map((p) => ({ platform: p.platform, compressedBytes: p.compressedBytes, uncompressedBytes: p.uncompressedBytes, layers: p.layers, go: p.go })),
  };
}

/** Pure: checks that parsed JSON is a report this version can compare with. */
export function isSizeReport(value: unknown): value is SizeReport {
  if (!value || typeof value !== 'object') return false;
  const r = value as Partial<SizeReport>;
  return (
    r.schema === 1 &&
    typeof r.image === 'string' &&
    Array.isArray(r.platforms) &&
    r.platforms.every((p) => p && typeof p.platform === 'string' && typeof p.compressedBytes === 'number' && Array.isArray(p.layers))
  );
}

export interface LayerChange {
  instruction: string | null;
  before: number | null;
  after: number | null;
}

/**
 * Pure: the layers that differ from the baseline. Layers with the same digest are unchanged;
 * the rest are paired by instruction, so `COPY . .` shows before and after in one row.
 */
export function changedLayers(before: PlatformReport['layers'], after: PlatformReport['layers']): LayerChange[] {
  const beforeDigests = new Set(before.map((l) => l.digest));
  const afterDigests = new Set(after.map((l) => l.digest));
  const gone = before.filter((l) => !afterDigests.has(l.digest));
  const out: LayerChange[] = [];
  for (const l of after) {
    if (beforeDigests.has(l.digest)) continue;
    const pair = gone.findIndex((g) => g.instruction !== null && g.instruction === l.instruction);
    if (pair >= 0) {
      out.push({ instruction: l.instruction, before: gone[pair]!.compressedBytes, after: l.compressedBytes });
      gone.splice(pair, 1);
    } else out.push({ instruction: l.instruction, before: null, after: l.compressedBytes });
  }
  for (const g of gone) out.push({ instruction: g.instruction, before: g.compressedBytes, after: null });
  return out;
}

export function platformModuleDiff(p: PlatformReport, base: Baseline | null): ModuleDiff | null {
  const b = base?.platforms.find((x) => x.platform === p.platform);
  if (!p.go || !b?.go) return null;
  return diffModules(b.go.modules, p.go.modules);
}

import { judgePlatform, overallStatus, type BudgetMode, type BudgetSpec, type Status } from './budget.js';
import type { GoModule } from '../gobinary/buildinfo.js';
import { diffModules, type GoBinary, type ModuleDiff } from './goinfo.js';
import type { ImageSize, LayerSize } from './measure.js';
import type { VulnFinding } from '../vuln/scan.js';
import type { VulnReport } from '../vuln/stage.js';

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
  /**
   * The baseline's manifest for this platform is this very manifest (same digest): nothing in
   * the image changed, which a reproducible build makes visible.
   */
  identicalToBaseline: boolean;
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
  /** `diffId`: the digest of the unpacked layer, when the image config lists it (reports of earlier versions lack it). */
  layers: { digest: string; diffId?: string; compressedBytes: number; uncompressedBytes: number | null; instruction: string | null }[];
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
  /** The known vulnerabilities of the Go binaries against the baseline's; absent with vuln-check off (and in earlier reports). */
  vulnerabilities?: VulnReport;
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
  platforms: (Pick<PlatformReport, 'platform' | 'compressedBytes' | 'uncompressedBytes' | 'layers' | 'go'> & { manifestDigest?: string })[];
  /** The baseline's known vulnerabilities, when they were checked (its cached report's, or its image scanned). */
  vulnerabilities?: VulnFinding[];
  /** The Go binary of each platform of a baseline image read from its registry, to scan. */
  binaries?: Record<string, GoBinary | undefined>;
}

export interface ReportInput {
  image: string;
  digest: string;
  version?: string;
  commit?: string;
  ref?: string;
  measured: ImageSize | MeasuredImage;
  go: Record<string, GoBinary | undefined>;
  /** The Go program of each platform as a report already keeps it (a merge of per-platform reports): used instead of `go`. */
  goSummaries?: Record<string, GoSummary | null>;
  baseline: Baseline | null;
  baselineNote?: string;
  budget: BudgetSpec;
  increase: BudgetSpec;
  mode: BudgetMode;
}

/** A layer as measured, or as a report keeps it. */
type MeasuredLayer = Pick<LayerSize, 'digest' | 'diffId' | 'compressedBytes' | 'uncompressedBytes' | 'instruction'>;

/** What a report is built from: an image as measured, or the platforms of per-platform reports. */
export interface MeasuredImage {
  digest: string;
  platforms: (Pick<ImageSize['platforms'][number], 'platform' | 'manifestDigest' | 'compressedBytes' | 'uncompressedBytes'> & {
    layers: MeasuredLayer[];
  })[];
}

/** Pure: a measured layer as the report (and a baseline) keeps it. */
export function layerRow(l: MeasuredLayer): PlatformReport['layers'][number] {
  return {
    digest: l.digest,
    ...(l.diffId ? { diffId: l.diffId } : {}),
    compressedBytes: l.compressedBytes,
    uncompressedBytes: l.uncompressedBytes,
    instruction: l.instruction,
  };
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
      identicalToBaseline: base?.manifestDigest === p.manifestDigest,
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
      go: input.goSummaries ? (input.goSummaries[p.platform] ?? null) : goSummary(input.go[p.platform]),
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
    platforms: report.platforms.map((p) => ({
      platform: p.platform,
      manifestDigest: p.manifestDigest,
      compressedBytes: p.compressedBytes,
      uncompressedBytes: p.uncompressedBytes,
      layers: p.layers,
      go: p.go,
    })),
    ...(report.vulnerabilities?.checked && Array.isArray(report.vulnerabilities.findings)
      ? { vulnerabilities: report.vulnerabilities.findings.filter((f) => f.status !== 'fixed') }
      : {}),
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

/** What changed between the baseline's layers and this image's. */
export interface LayerComparison {
  /** Layers added, removed, or changed in size: each one is listed. */
  changed: LayerChange[];
  /**
   * Layers built again by the same instruction with the same size (a new digest for the same
   * files with new timestamps, or the same files compressed again): counted, not listed.
   */
  rebuilt: LayerChange[];
}

/**
 * Compressed sizes of a layer rebuilt from the same files differ by a few bytes (new
 * timestamps in the tar headers compress a little differently); a change this small is noise.
 */
export const REBUILT_TOLERANCE_BYTES = 64;

type LayerRow = PlatformReport['layers'][number];

/**
 * Pure: whether a layer paired with its baseline by instruction holds the same files as far as
 * size goes: the download differs by no more than the tolerance, and the unpacked content is
 * the same (same diff ID) or, when that is not known, the same size (tar sizes move in 512-byte blocks).
 */
export function sameSizeRebuild(before: LayerRow, after: LayerRow): boolean {
  if (Math.abs(after.compressedBytes - before.compressedBytes) > REBUILT_TOLERANCE_BYTES) return false;
  if (before.diffId && before.diffId === after.diffId) return true;
  return before.uncompressedBytes === null || after.uncompressedBytes === null || before.uncompressedBytes === after.uncompressedBytes;
}

/**
 * Pure: the layers that differ from the baseline. Layers with the same digest are unchanged;
 * the rest are paired by instruction, so `COPY . .` shows before and after in one row, and a
 * pair that is a same-size rebuild is counted apart. Added and removed layers are always listed.
 */
export function changedLayers(before: LayerRow[], after: LayerRow[]): LayerComparison {
  const beforeDigests = new Set(before.map((l) => l.digest));
  const afterDigests = new Set(after.map((l) => l.digest));
  const gone = before.filter((l) => !afterDigests.has(l.digest));
  const result: LayerComparison = { changed: [], rebuilt: [] };
  for (const l of after) {
    if (beforeDigests.has(l.digest)) continue;
    const pair = gone.findIndex((g) => g.instruction !== null && g.instruction === l.instruction);
    if (pair < 0) {
      result.changed.push({ instruction: l.instruction, before: null, after: l.compressedBytes });
      continue;
    }
    const old = gone.splice(pair, 1)[0]!;
    const change = { instruction: l.instruction, before: old.compressedBytes, after: l.compressedBytes };
    (sameSizeRebuild(old, l) ? result.rebuilt : result.changed).push(change);
  }
  for (const g of gone) result.changed.push({ instruction: g.instruction, before: g.compressedBytes, after: null });
  return result;
}

export function platformModuleDiff(p: PlatformReport, base: Baseline | null): ModuleDiff | null {
  const b = base?.platforms.find((x) => x.platform === p.platform);
  if (!p.go || !b?.go) return null;
  return diffModules(b.go.modules, p.go.modules);
}

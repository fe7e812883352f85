/**
 * The last stage of a per-platform job (`push-by-digest: true`): one record per platform for the
 * merge job of the same run, saved as the run's artifacts (or in the Actions cache where there
 * are none). It moves no tag, ever, and writes no PR comment: the merge job does both, once,
 * for every platform.
 */
import { errorText } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { checkPlatforms } from '../size/platform-check.js';
import { goSummary, layerRow } from '../size/report.js';
import { programFacts, type Measurement } from '../size/stage.js';
import type { StageResult } from '../stage.js';
import { HANDOFF_SCHEMA, type HandoffScope, type HandoffVulns, type PlatformHandoff, type SmokeStatus } from './handoff.js';
import type { HandoffStore } from './store.js';
import { renderHandoffSummary } from './summary.js';
import type { VulnScan } from '../vuln/stage.js';

export interface HandOffInput {
  scope: HandoffScope;
  platforms: readonly string[];
  repositories: readonly string[];
  version: string;
  /** Undefined when the build failed (nothing was measured). */
  measurement?: Measurement;
  /** Whether the image went to every repository (by digest). */
  pushed: boolean;
  smoke: { status: SmokeStatus; detail?: string };
  /** The job's failures so far: each platform's record carries them, and the merge refuses to tag. */
  failures: readonly string[];
  /** The known-vulnerability scan of the job's binaries (absent: vuln-check off, or nothing measured). */
  vulnScan?: VulnScan;
}

/** Pure: the scan as one platform's record keeps it: that platform's findings only. */
function platformVulns(scan: VulnScan | undefined, platform: string): HandoffVulns | undefined {
  if (!scan) return undefined;
  if (!scan.checked) return { checked: false, note: scan.note, findings: [] };
  return {
    checked: true,
    findings: scan.findings.filter((f) => f.platforms.includes(platform)).map((f) => ({ ...f, platforms: [platform] })),
  };
}

/** Pure: one platform's record. */
function recordOf(input: HandOffInput, platform: string): PlatformHandoff {
  const image = input.measurement?.image;
  const failures = [...input.failures];
  let size: PlatformHandoff['size'] = null;
  let check: PlatformHandoff['platformCheck'] = { errors: [], warnings: [], unchecked: [] };
  if (image && 'fault' in image) failures.push(image.fault);
  else if (image) {
    const p = image.measured.platforms.find((m) => m.platform === platform);
    if (!p)
      failures.push(
        `The built image holds no ${platform} manifest (it holds ${image.measured.platforms.map((m) => m.platform).join(', ') || 'none'}).`,
      );
    else {
      size = {
        platform,
        manifestDigest: p.manifestDigest,
        compressedBytes: p.compressedBytes,
        uncompressedBytes: p.uncompressedBytes,
        layers: p.layers.map(layerRow),
        go: goSummary(image.programs[platform]?.binary),
      };
      const judged = checkPlatforms(programFacts(image).filter((f) => f.platform === platform));
      check = { errors: judged.errors, warnings: judged.warnings, unchecked: judged.unchecked };
    }
  }
  return {
    schema: HANDOFF_SCHEMA,
    ...input.scope,
    platform,
    digest: size?.manifestDigest ?? null,
    pushed: input.pushed && size !== null,
    repositories: [...input.repositories],
    version: input.version,
    size,
    smoke: input.smoke,
    platformCheck: check,
    failures,
    ...(input.vulnScan ? { vulns: platformVulns(input.vulnScan, platform) } : {}),
  };
}

/** Pure: the records of every platform the job built. */
export function handoffRecords(input: HandOffInput): PlatformHandoff[] {
  return input.platforms.map((p) => recordOf(input, p));
}

/**
 * Saves the records; the `digest` output is the platform manifest's (a job of one platform).
 * A record that cannot be saved fails the step (one error), never just a warning: the merge job
 * would not find it and could only fail later, far from the cause; a failed job is what a re-run
 * of failed jobs runs again.
 */
export async function handOffStage(input: HandOffInput, io: { store: HandoffStore; reporter: Reporter }): Promise<StageResult> {
  const records = handoffRecords(input);
  const outputs: StageResult['outputs'] = {};
  if (records.length === 1 && records[0]!.digest) outputs.digest = records[0]!.digest;
  try {
    const keys = await io.reporter.group('Handing the result to the merge job', () => io.store.save(records));
    for (const [i, key] of keys.entries())
      io.reporter.info(`${records[i]!.platform}: ${records[i]!.digest ?? 'no digest'} handed off as ${key} through ${io.store.via}`);
    return { outputs, failures: [], summary: renderHandoffSummary(records) };
  } catch (error) {
    const failure = `Could not hand the result of ${input.platforms.join(', ')} to the merge job through ${io.store.via}: ${errorText(error)}`;
    return { outputs, failures: [failure], summary: renderHandoffSummary(records, failure) };
  }
}

import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import type { BuildResult } from './docker.js';
import type { BuildPlan } from './plan.js';
import type { SourceDate } from './source-date.js';

/** Where the VERSION build-arg went (src/checks/version.ts), with the Dockerfile as the summary names it. */
export interface VersionUseRow {
  stage?: string;
  line?: number;
  binary: boolean;
  file: string;
}

/** Pure: the Version row: the version, and which stage of the Dockerfile reads it. */
export function versionCell(version: string, use?: VersionUseRow): string {
  if (!use) return inlineCode(version);
  if (use.stage === undefined)
    return `${inlineCode(version)} (labels and outputs only: no stage of the Dockerfile reads the VERSION build-arg)`;
  const where = `build-arg VERSION → stage ${inlineCode(use.stage)}, ${escapeMarkdown(`${use.file}:${use.line}`)}`;
  return `${inlineCode(version)} (${where}${use.binary ? '' : '; not the Go build: see GO011'})`;
}

/**
 * Whether a push moved its tags: only once every check passed. `standings`: where each tag stands
 * after a failed move. `kept`: the tags that stayed so as not to go backwards; `forward`: why, and how
 * others moved when that is worth saying, in words.
 */
export type TagState = ({ applied: true } | { applied: false; reason: string; standings?: string[] }) & {
  kept?: string[];
  forward?: string[];
};

export interface BuildSummaryInput {
  plan: BuildPlan;
  version: string;
  build: BuildResult;
  seconds: number;
  /** Where derived tags came from. */
  tagsNote?: string;
  /** For a push: whether the tags now name the image. */
  tagging?: TagState;
  /** Which stage of the Dockerfile reads the VERSION build-arg. */
  versionUse?: VersionUseRow;
  /** The time the build stamped (SOURCE_DATE_EPOCH), or why none. */
  sourceDate?: SourceDate;
}

/** Pure: the Timestamps row: the time stamped and where it came from, or why the image is not reproducible. */
export function timestampsCell(date: SourceDate): string {
  // The texts are the action's own, with at most 7 hex digits of the commit.
  if (date.epoch === undefined) return date.why;
  return `${inlineCode(new Date(date.epoch * 1000).toISOString())} (SOURCE_DATE_EPOCH=${date.epoch}, ${date.from})`;
}

function outputCell(plan: BuildPlan, tagging: TagState | undefined): string {
  if (!plan.push) return plan.load ? 'loaded into the image store' : 'kept as an OCI layout';
  const loaded = plan.load ? ', loaded into the image store' : '';
  if (!plan.pushByDigest) return `pushed under the tags, before the checks (this builder cannot push by digest)${loaded}`;
  return `${tagging?.applied ? 'pushed by digest, then tagged' : 'pushed by digest only'}${loaded}`;
}

/** Pure: the build's part of the job summary. */
export function renderBuildSummary({
  plan,
  version,
  build,
  seconds,
  tagsNote,
  tagging,
  versionUse,
  sourceDate,
}: BuildSummaryInput): string {
  const failed = tagging && !tagging.applied && plan.tags.length ? tagging : undefined;
  const notes = [tagsNote, ...(tagging?.forward ?? []), failed?.reason, ...(failed?.standings ?? [])].filter((n): n is string =>
    Boolean(n),
  );
  const rows: [string, string][] = [
    ['Result', build.ok ? '✅ built' : `❌ failed: ${escapeMarkdown(build.error ?? '')}`],
    ['Version', versionCell(version, versionUse)],
    ['Platforms', plan.platforms.map(inlineCode).join(', ')],
    [
      'Tags',
      (plan.tags.length ? plan.tags.map(inlineCode).join('<br>') : '_none_') + notes.map((n) => `<br>_${escapeMarkdown(n)}_`).join(''),
    ],
    ['Output', outputCell(plan, tagging)],
    ['Time', `${seconds.toFixed(1)} s`],
  ];
  if (sourceDate) rows.push(['Timestamps', timestampsCell(sourceDate)]);
  if (build.metadata.digest) rows.push(['Digest', inlineCode(build.metadata.digest)]);
  return ['### 🐳 Go container build', '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

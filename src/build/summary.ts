import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import type { BuildResult } from './docker.js';
import type { BuildPlan } from './plan.js';

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
  if (use.stage === undefined) return `${inlineCode(version)} (labels and outputs only: no stage of the Dockerfile reads the VERSION build-arg)`;
  const where = `build-arg VERSION → stage ${inlineCode(use.stage)}, ${escapeMarkdown(`${use.file}:${use.line}`)}`;
  return `${inlineCode(version)} (${where}${use.binary ? '' : '; not the Go build: see GO011'})`;
}

/** Pure: the build's part of the job summary. */
export function renderBuildSummary({ plan, version, build, seconds, tagsNote, versionUse }: { plan: BuildPlan; version: string; build: BuildResult; seconds: number; tagsNote?: string; versionUse?: VersionUseRow }): string {
  const rows: [string, string][] = [
    ['Result', build.ok ? '✅ built' : `❌ failed: ${escapeMarkdown(build.error ?? '')}`],
    ['Version', versionCell(version, versionUse)],
    ['Platforms', plan.platforms.map(inlineCode).join(', ')],
    ['Tags', (plan.tags.length ? plan.tags.map(inlineCode).join('<br>') : '_none_') + (tagsNote ? `<br>_${escapeMarkdown(tagsNote)}_` : '')],
    ['Output', plan.push ? 'pushed' : plan.load ? 'loaded into the image store' : 'kept as an OCI layout'],
    ['Time', `${seconds.toFixed(1)} s`],
  ];
  if (build.metadata.digest) rows.push(['Digest', inlineCode(build.metadata.digest)]);
  return ['### 🐳 Go container build', '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

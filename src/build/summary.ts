import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import type { BuildResult } from './docker.js';
import type { BuildPlan } from './plan.js';

/** Pure: the build's part of the job summary. */
export function renderBuildSummary({ plan, version, build, seconds, tagsNote }: { plan: BuildPlan; version: string; build: BuildResult; seconds: number; tagsNote?: string }): string {
  const rows: [string, string][] = [
    ['Result', build.ok ? '✅ built' : `❌ failed: ${escapeMarkdown(build.error ?? '')}`],
    ['Version', inlineCode(version)],
    ['Platforms', plan.platforms.map(inlineCode).join(', ')],
    ['Tags', (plan.tags.length ? plan.tags.map(inlineCode).join('<br>') : '_none_') + (tagsNote ? `<br>_${escapeMarkdown(tagsNote)}_` : '')],
    ['Output', plan.push ? 'pushed' : plan.load ? 'loaded into the image store' : 'kept as an OCI layout'],
    ['Time', `${seconds.toFixed(1)} s`],
  ];
  if (build.metadata.digest) rows.push(['Digest', inlineCode(build.metadata.digest)]);
  return ['### 🐳 Go container build', '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

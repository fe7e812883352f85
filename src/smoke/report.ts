import { escapeMarkdown, inlineCode } from '../util/markdown.js';
import { clip } from '../util/text.js';
import type { HealthProbe } from './health.js';
import type { ProbeResult, ServiceResult, WaitOutcome } from './wait.js';
import { plural } from '../util/plural.js';

const seconds = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** Pure: the last health-check probes, one block per probe (time, exit code, output). */
export function formatHealthLog(log: readonly HealthProbe[], last = 5): string {
  return log
    .slice(-last)
    .map((p) => {
      const time = /T(\d\d:\d\d:\d\d)/.exec(p.end || p.start)?.[1] ?? '';
      const output = p.output.trim();
      return `[${time}] exit ${p.exitCode}${output ? `: ${output}` : ''}`;
    })
    .join('\n');
}

/** The health log of a service's first container that has one. */
export function serviceHealthLog(s: ServiceResult): HealthProbe[] {
  return s.containers.find((c) => c.health && c.health.log.length > 0)?.health?.log ?? [];
}

/** Pure: what a failed probe last got. */
export function describeProbe(p: ProbeResult): string {
  if (p.ok) return `answered ${p.last?.status ?? '2xx'}`;
  if (!p.last) return 'was not tried (the services never became ready)';
  const answer = p.last.status !== undefined ? `answered ${p.last.status}` : `got no answer (${p.last.detail})`;
  const body = p.last.status !== undefined && p.last.detail ? `: ${p.last.detail.replace(/\s+/g, ' ').slice(0, 120)}` : '';
  return `${answer}${body}, ${plural(p.attempts, 'attempt')}`;
}

/** The services that failed on their own account (not those left waiting because of them). */
export function failedServices(outcome: WaitOutcome): ServiceResult[] {
  return outcome.services.filter((s) => s.readiness === 'failed');
}

/** The longest failure message; what does not fit is in the job summary. */
export const MAX_FAILURE = 1200;
/** The longest reason of one service in the failure message. */
const MAX_REASON = 600;

/** Pure: one sentence per thing that failed, for the failure message: each service's own fault, once. */
export function failureReasons(outcome: WaitOutcome): string[] {
  const reasons = failedServices(outcome).map((s) => `service ${s.service}: ${clip(s.reason, MAX_REASON)}`);
  if (reasons.length === 0) {
    for (const p of outcome.probes.filter((x) => !x.ok)) reasons.push(`probe ${p.url} ${describeProbe(p)}`);
  }
  if (outcome.upError) reasons.push(`docker compose up failed: ${outcome.upError}`);
  return reasons;
}

/** Pure: the reasons joined, as many as fit in `max` characters (each is bounded); the rest counted. */
export function boundedReasons(reasons: readonly string[], max: number): string {
  let text = '';
  for (const [i, reason] of reasons.entries()) {
    const next = text ? `${text}; ${reason}` : reason;
    if (text && next.length > max) return `${text}; and ${reasons.length - i} more (see the job summary)`;
    text = next;
  }
  return text;
}

/** Pure: the one-line failure the step fails with. */
export function failureMessage(outcome: WaitOutcome): string {
  const when = outcome.timedOut ? `timed out after ${seconds(outcome.elapsedMs)}` : `failed after ${seconds(outcome.elapsedMs)}`;
  return `Compose smoke test ${when}: ${boundedReasons(failureReasons(outcome), MAX_FAILURE)}`;
}

/** Pure: a short line for the PR comment. */
export function shortDetail(outcome: WaitOutcome): string {
  if (outcome.ok) {
    const n = outcome.services.length;
    const probes = outcome.probes.length ? `, ${plural(outcome.probes.length, 'probe')} answered 2xx` : '';
    return `${plural(n, 'service')} ready in ${seconds(outcome.elapsedMs)}${probes}`;
  }
  const failed = failedServices(outcome);
  if (failed.length > 0) return failed.map((s) => `${s.service}: ${s.state}`).join(', ');
  if (outcome.upError) return 'compose up failed';
  const probes = outcome.probes.filter((p) => !p.ok);
  if (probes.length > 0) return probes.map((p) => `${p.url} ${p.last?.status ?? 'no answer'}`).join(', ');
  return 'compose up failed';
}

/** A fenced block that no line of the text can close. */
function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function details(summary: string, body: string): string {
  return `<details><summary>${escapeMarkdown(summary)}</summary>\n\n${fenced(body)}\n\n</details>`;
}

export interface SmokeReport {
  outcome: WaitOutcome;
  project: string;
  image: string;
  platform: string;
  underTest: readonly string[];
  /** Logs of the services that are not ready, by service. */
  logs: ReadonlyMap<string, string>;
  /** How the image got into the image store. */
  imageNote?: string;
}

/** Pure: the smoke test's part of the job summary. */
export function renderSmokeSummary(r: SmokeReport): string {
  const { outcome } = r;
  const head = outcome.ok
    ? `### 🧪 Compose smoke test: ✅ passed in ${seconds(outcome.elapsedMs)}`
    : `### 🧪 Compose smoke test: ❌ ${outcome.timedOut ? 'timed out' : 'failed'} after ${seconds(outcome.elapsedMs)}`;
  const lines = [
    head,
    '',
    `${r.underTest.map(inlineCode).join(', ')} ran ${inlineCode(r.image)} (${inlineCode(r.platform)}), the image this run built` +
      `${r.imageNote ? ` (${escapeMarkdown(r.imageNote)})` : ''}; project ${inlineCode(r.project)}.`,
    '',
    '| Service | State | Ready after | Note |',
    '|---|---|---|---|',
  ];
  for (const s of outcome.services) {
    const icon = s.readiness === 'ready' ? '✅' : s.readiness === 'failed' ? '❌' : '⏳';
    const note = s.readiness === 'ready' ? '' : escapeMarkdown(s.reason);
    lines.push(`| ${inlineCode(s.service)} | ${icon} ${escapeMarkdown(s.state)} | ${seconds(s.readyAfterMs)} | ${note} |`);
  }
  if (outcome.probes.length > 0) {
    lines.push('', '| Probe | Result | Ready after |', '|---|---|---|');
    for (const p of outcome.probes) {
      lines.push(`| ${inlineCode(p.url)} | ${p.ok ? '✅' : '❌'} ${escapeMarkdown(describeProbe(p))} | ${seconds(p.readyAfterMs)} |`);
    }
  }
  if (!outcome.ok) {
    if (outcome.upError) lines.push('', `\`docker compose up\` failed: ${escapeMarkdown(outcome.upError)}`);
    for (const s of failedServices(outcome)) {
      const health = serviceHealthLog(s);
      if (health.length > 0) lines.push('', details(`${s.service}: health-check log`, formatHealthLog(health)));
      const logs = r.logs.get(s.service);
      if (logs !== undefined) lines.push('', details(`${s.service}: last 100 log lines`, logs || '(no output)'));
    }
  }
  return lines.join('\n');
}

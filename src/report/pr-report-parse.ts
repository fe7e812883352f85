/**
 * Reading a pull-request report back (comment-from). The file comes from a workflow that whoever
 * opened the pull request controls, so it is untrusted input: its size is bounded before it is
 * parsed, every field the renderer reads is checked and bounded, and a fresh report is built
 * from them. The few strings the renderer prints as they are (a platform's budget text and
 * reasons) are escaped here, and a finding's id must be one of the catalog's.
 */
import { CHECKS, type CheckId, type ReportedFinding } from '../checks/catalog.js';
import type { Baseline, GoSummary, PlatformReport, SizeReport } from '../size/report.js';
import { escapeMarkdown } from '../util/markdown.js';
import * as s from '../util/shape.js';
import { PR_REPORT_SCHEMA, type PullRequestReport } from './pr-report.js';
import { parseVulnReport } from './pr-report-vulns.js';
import { COMMENT_LIMIT } from './render.js';

/** The largest report file read: a report of 64 platforms with 2,000 modules each is far below. */
export const MAX_REPORT_BYTES = 4 * 1024 * 1024;

const LIMITS = { platforms: 64, layers: 512, modules: 2_000, findings: 200, reasons: 16, problems: 64 };
const STATUS = ['pass', 'warn', 'fail'] as const;
const RESULT = ['passed', 'failed', 'skipped'] as const;
const LEVELS = ['error', 'warning', 'notice'] as const;
const SOURCES = ['reference', 'cache'] as const;
const SHA = /^[0-9a-f]{40}$/;
const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
/** An image reference, or a Dockerfile's path and target (what names an image that is not pushed). */
const IMAGE = /^[A-Za-z0-9._/:@#+ -]{1,500}$/;
const PLATFORM = /^[a-z0-9_.-]{1,20}\/[a-z0-9_.-]{1,20}(\/[a-z0-9_.-]{1,20})?$/;

function platform(value: unknown, what: string): string {
  if (typeof value !== 'string' || !PLATFORM.test(value)) throw new s.ShapeError(`${what} is not a platform (os/arch[/variant])`);
  return value;
}

function imageText(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IMAGE.test(value)) throw new s.ShapeError(`${what} is not an image reference or a Dockerfile's path`);
  return value;
}

function layer(value: unknown, what: string): PlatformReport['layers'][number] {
  const l = s.object(value, what);
  const diffId = l.diffId === undefined ? undefined : s.digest(l.diffId, `${what}.diffId`);
  return {
    digest: s.digest(l.digest, `${what}.digest`),
    ...(diffId ? { diffId } : {}),
    compressedBytes: s.integer(l.compressedBytes, `${what}.compressedBytes`),
    uncompressedBytes: s.nullableInteger(l.uncompressedBytes, `${what}.uncompressedBytes`),
    instruction: s.nullableText(l.instruction, `${what}.instruction`, 4_000),
  };
}

function goModule(value: unknown, what: string): GoSummary['modules'][number] {
  const m = s.object(value, what);
  const module = { path: s.text(m.path, `${what}.path`, 500), version: s.text(m.version, `${what}.version`, 200) };
  if (m.replacedBy === undefined) return module;
  const r = s.object(m.replacedBy, `${what}.replacedBy`);
  return {
    ...module,
    replacedBy: { path: s.text(r.path, `${what}.replacedBy.path`, 500), version: s.text(r.version, `${what}.replacedBy.version`, 200) },
  };
}

function goSummary(value: unknown, what: string): GoSummary | null {
  if (value === null) return null;
  const g = s.object(value, what);
  return {
    path: s.text(g.path, `${what}.path`, 1_000),
    sizeBytes: s.integer(g.sizeBytes, `${what}.sizeBytes`),
    goVersion: s.text(g.goVersion, `${what}.goVersion`, 100),
    package: s.text(g.package, `${what}.package`, 500),
    mainModule: s.nullableText(g.mainModule, `${what}.mainModule`, 500),
    modules: s.list(g.modules, `${what}.modules`, LIMITS.modules, goModule),
  };
}

function platformReport(value: unknown, what: string): PlatformReport {
  const p = s.object(value, what);
  const budgetBytes = s.nullableInteger(p.budgetBytes ?? null, `${what}.budgetBytes`);
  return {
    platform: platform(p.platform, `${what}.platform`),
    manifestDigest: s.digest(p.manifestDigest, `${what}.manifestDigest`),
    identicalToBaseline: s.bool(p.identicalToBaseline, `${what}.identicalToBaseline`),
    compressedBytes: s.integer(p.compressedBytes, `${what}.compressedBytes`),
    uncompressedBytes: s.integer(p.uncompressedBytes, `${what}.uncompressedBytes`),
    baselineCompressedBytes: s.nullableInteger(p.baselineCompressedBytes, `${what}.baselineCompressedBytes`),
    baselineUncompressedBytes: s.nullableInteger(p.baselineUncompressedBytes, `${what}.baselineUncompressedBytes`),
    deltaBytes: s.nullableInteger(p.deltaBytes, `${what}.deltaBytes`, true),
    budgetBytes,
    // Printed as they are by the renderer: escaped, since this run did not write them.
    budget: escapeMarkdown(s.text(p.budget, `${what}.budget`, 200)),
    status: s.oneOf(p.status, `${what}.status`, STATUS),
    reasons: s.texts(p.reasons, `${what}.reasons`, LIMITS.reasons, 500).map(escapeMarkdown),
    layers: s.list(p.layers, `${what}.layers`, LIMITS.layers, layer),
    go: goSummary(p.go, `${what}.go`),
  };
}

function sizeReport(value: unknown, what: string): SizeReport {
  const r = s.object(value, what);
  if (r.schema !== 1) throw new s.ShapeError(`${what}.schema is not 1`);
  const optional = (key: 'version' | 'commit' | 'ref' | 'baselineNote', max: number): Record<string, string> => {
    const v = s.optionalText(r[key], `${what}.${key}`, max);
    return v === undefined ? {} : { [key]: v };
  };
  return {
    schema: 1,
    image: imageText(r.image, `${what}.image`),
    digest: r.digest === '' ? '' : s.digest(r.digest, `${what}.digest`),
    ...optional('version', 200),
    ...optional('commit', 100),
    ...optional('ref', 300),
    baseline: s.nullableText(r.baseline, `${what}.baseline`, 1_000),
    baselineSource: r.baselineSource === null ? null : s.oneOf(r.baselineSource, `${what}.baselineSource`, SOURCES),
    ...optional('baselineNote', 1_000),
    status: s.oneOf(r.status, `${what}.status`, STATUS),
    platforms: s.list(r.platforms, `${what}.platforms`, LIMITS.platforms, platformReport),
    ...(r.vulnerabilities === undefined ? {} : { vulnerabilities: parseVulnReport(r.vulnerabilities, `${what}.vulnerabilities`) }),
  };
}

function baseline(value: unknown): Baseline | null {
  if (value === null) return null;
  const b = s.object(value, 'baseline');
  const basePlatform = (v: unknown, what: string): Baseline['platforms'][number] => {
    const p = s.object(v, what);
    const manifestDigest = p.manifestDigest === undefined ? undefined : s.digest(p.manifestDigest, `${what}.manifestDigest`);
    return {
      platform: platform(p.platform, `${what}.platform`),
      compressedBytes: s.integer(p.compressedBytes, `${what}.compressedBytes`),
      uncompressedBytes: s.integer(p.uncompressedBytes, `${what}.uncompressedBytes`),
      layers: s.list(p.layers, `${what}.layers`, LIMITS.layers, layer),
      go: goSummary(p.go, `${what}.go`),
      ...(manifestDigest ? { manifestDigest } : {}),
    };
  };
  return {
    label: s.text(b.label, 'baseline.label', 1_000),
    source: s.oneOf(b.source, 'baseline.source', SOURCES),
    platforms: s.list(b.platforms, 'baseline.platforms', LIMITS.platforms, basePlatform),
  };
}

function finding(value: unknown, what: string): ReportedFinding {
  const f = s.object(value, what);
  if (typeof f.id !== 'string' || !Object.hasOwn(CHECKS, f.id)) throw new s.ShapeError(`${what}.id is not a check of the catalog`);
  const id = f.id as CheckId;
  const text = s.optionalText(f.text, `${what}.text`, 1_000);
  return {
    id,
    // The catalog's title, whatever the file says.
    title: CHECKS[id].title,
    level: s.oneOf(f.level, `${what}.level`, LEVELS),
    file: s.text(f.file, `${what}.file`, 1_000),
    line: s.integer(f.line, `${what}.line`),
    message: s.text(f.message, `${what}.message`, 2_000),
    ...(text !== undefined ? { text } : {}),
  };
}

function extras(r: Record<string, unknown>): Pick<PullRequestReport, 'version' | 'smoke' | 'findings' | 'platform_check'> {
  const version = s.optionalText(r.version, 'version', 200);
  const smoke = r.smoke === undefined ? undefined : s.object(r.smoke, 'smoke');
  const detail = smoke ? s.optionalText(smoke.detail, 'smoke.detail', 4_000) : undefined;
  const check = r.platform_check === undefined ? undefined : s.object(r.platform_check, 'platform_check');
  return {
    ...(version !== undefined ? { version } : {}),
    ...(smoke ? { smoke: { status: s.oneOf(smoke.status, 'smoke.status', RESULT), ...(detail !== undefined ? { detail } : {}) } } : {}),
    findings: s.list(r.findings ?? [], 'findings', LIMITS.findings, finding),
    ...(check
      ? {
          platform_check: {
            status: s.oneOf(check.status, 'platform_check.status', RESULT),
            problems: s.texts(check.problems, 'platform_check.problems', LIMITS.problems, 1_000),
          },
        }
      : {}),
  };
}

/** The parts that say which pull request and commit the report is of. */
function identity(r: Record<string, unknown>): Pick<PullRequestReport, 'pull_request' | 'head_sha' | 'repository' | 'image'> {
  if (r.schema !== PR_REPORT_SCHEMA) throw new s.ShapeError(`schema is not ${PR_REPORT_SCHEMA}`);
  const number = r.pull_request;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0)
    throw new s.ShapeError('pull_request is not a pull request number');
  if (typeof r.head_sha !== 'string' || !SHA.test(r.head_sha)) throw new s.ShapeError('head_sha is not a 40-hex commit sha');
  if (typeof r.repository !== 'string' || !REPOSITORY.test(r.repository)) throw new s.ShapeError('repository is not owner/name');
  return { pull_request: number, head_sha: r.head_sha, repository: r.repository, image: imageText(r.image, 'image') };
}

/**
 * Pure: a report file's text, checked and rebuilt; the reason when it cannot be used. The
 * caller bounds the text (MAX_REPORT_BYTES) before it gets here.
 */
export function parsePullRequestReport(raw: string): PullRequestReport | { invalid: string } {
  try {
    if (raw.length > MAX_REPORT_BYTES) throw new s.ShapeError(`it is larger than ${MAX_REPORT_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new s.ShapeError('it is not JSON');
    }
    const r = s.object(parsed, 'the report');
    return {
      schema: PR_REPORT_SCHEMA,
      ...identity(r),
      size_report: sizeReport(r.size_report, 'size_report'),
      baseline: baseline(r.baseline),
      ...extras(r),
      body: s.text(r.body, 'body', COMMENT_LIMIT),
    };
  } catch (error) {
    if (error instanceof s.ShapeError) return { invalid: error.message };
    throw error;
  }
}

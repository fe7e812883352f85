/**
 * Reading the vulnerability section of a pull-request report back (comment-from). The file is
 * untrusted, so each finding is rebuilt from checked fields: IDs and aliases in the forms
 * vulnerability databases use, module paths and versions in Go's shapes, bounded symbol lists,
 * platforms as os/arch. Which findings fail the policy is worked out again from the findings,
 * never read from the file, so the comment's ❌ follows the data.
 */
import { failingFindings, type VulnCheck } from '../vuln/policy.js';
import type { VulnFinding } from '../vuln/scan.js';
import type { VulnReport } from '../vuln/stage.js';
import * as s from '../util/shape.js';

export const VULN_LIMITS = { findings: 2_000, aliases: 16, symbols: 200 };
const POLICIES = ['warn', 'fail-new', 'fail'] as const satisfies readonly VulnCheck[];
const STATUSES = ['new', 'fixed', 'unchanged'] as const;

/** GO-2025-3849, CVE-2025-47907, PYSEC-2024-1, a fixture database's own GCA-2026-0001; GHSA-xxxx-xxxx-xxxx. */
const VULN_ID = /^(?:[A-Z][A-Z0-9]{0,15}-\d{4}-\d{1,7}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})$/;
/** A module path: dot-separated host, then path elements; or the standard library. */
const MODULE_PATH = /^(?:stdlib|toolchain|[A-Za-z0-9][A-Za-z0-9.-]*(?:\/[A-Za-z0-9~._+-]+)*)$/;
/** A module's semantic version (v1.2.3, v0.0.0-2024…-abcdef, +incompatible) or a Go version (go1.24.4, go1.25rc1). */
const VERSION = /^(?:v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?|go\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?)$/;
/** A package path and a function or method: net/http.Client.Do, example.com/m/v2/pkg.Func. */
const SYMBOL = /^[A-Za-z0-9._~+/-]+\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const PLATFORM = /^[a-z0-9_.-]{1,20}\/[a-z0-9_.-]{1,20}(\/[a-z0-9_.-]{1,20})?$/;

function matching(value: unknown, what: string, form: RegExp, max: number, expected: string): string {
  if (typeof value !== 'string' || value.length > max || !form.test(value)) throw new s.ShapeError(`${what} is not ${expected}`);
  return value;
}

const vulnId = (v: unknown, what: string): string => matching(v, what, VULN_ID, 40, 'a vulnerability ID (GO-2025-1234, CVE-…, GHSA-…)');
const version = (v: unknown, what: string): string => matching(v, what, VERSION, 100, 'a module or Go version');

function finding(value: unknown, what: string): VulnFinding {
  const f = s.object(value, what);
  return {
    id: vulnId(f.id, `${what}.id`),
    aliases: s.list(f.aliases ?? [], `${what}.aliases`, VULN_LIMITS.aliases, vulnId),
    module: matching(f.module, `${what}.module`, MODULE_PATH, 300, 'a module path'),
    version: version(f.version, `${what}.version`),
    fixed: f.fixed === null ? null : version(f.fixed, `${what}.fixed`),
    called: s.bool(f.called, `${what}.called`),
    symbols: s.list(f.symbols, `${what}.symbols`, VULN_LIMITS.symbols, (v, w) => matching(v, w, SYMBOL, 300, 'a package symbol')),
    platforms: s.list(f.platforms, `${what}.platforms`, 64, (v, w) => matching(v, w, PLATFORM, 62, 'a platform (os/arch[/variant])')),
    status: s.oneOf(f.status, `${what}.status`, STATUSES),
  };
}

/** Pure: a report's `vulnerabilities`, checked and rebuilt; its failing IDs computed from its findings. Throws ShapeError. */
export function parseVulnReport(value: unknown, what: string): VulnReport {
  const v = s.object(value, what);
  const policy = s.oneOf(v.policy, `${what}.policy`, POLICIES);
  if (!s.bool(v.checked, `${what}.checked`)) {
    // The reason is printed escaped by the renderer; bounded here.
    const note = s.optionalText(v.note, `${what}.note`, 300);
    return { checked: false, ...(note !== undefined ? { note } : {}), policy, compared: false, findings: [], failing: [] };
  }
  const findings = s.list(v.findings, `${what}.findings`, VULN_LIMITS.findings, finding);
  return {
    checked: true,
    policy,
    compared: s.bool(v.compared, `${what}.compared`),
    findings,
    failing: failingFindings(findings, policy).map((f) => f.id),
  };
}

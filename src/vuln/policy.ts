/** The `vuln-check` policy and its verdict on the findings. Pure. */
import { InputError } from '../errors.js';
import type { VulnFinding } from './scan.js';

/** warn: report only; fail-new: fail on new called ones; fail: fail on any called one; off: no scan. */
export type VulnCheck = 'warn' | 'fail-new' | 'fail' | 'off';

export function parseVulnCheck(raw: string): VulnCheck {
  const v = raw.trim().toLowerCase();
  if (v === '') return 'warn';
  if (v === 'warn' || v === 'fail-new' || v === 'fail' || v === 'off') return v;
  throw new InputError(
    'vuln-check',
    `'${raw.trim()}' is not a policy. Expected warn (report only), fail-new (fail on new called vulnerabilities), fail (on any called one) or off.`,
  );
}

/** Pure: the findings that fail the step under the policy (empty: it passes). */
export function failingFindings(findings: readonly VulnFinding[], policy: VulnCheck): VulnFinding[] {
  if (policy === 'fail') return findings.filter((f) => f.called && f.status !== 'fixed');
  if (policy === 'fail-new') return findings.filter((f) => f.called && f.status === 'new');
  return [];
}

/** Pure: the failure message, naming each vulnerability by ID with its module and the symbols found. */
export function vulnFailure(failing: readonly VulnFinding[], policy: VulnCheck): string | undefined {
  if (failing.length === 0) return undefined;
  const what = policy === 'fail-new' ? 'new called' : 'called';
  const items = failing.map((f) => `${f.id} (${f.module}@${f.version}${f.fixed ? `, fixed in ${f.fixed}` : ''}; ${f.symbols.join(', ')})`);
  return `Known vulnerabilities (vuln-check: ${policy}): ${failing.length} ${what} in the image's Go binaries: ${items.join('; ')}.`;
}

import { InputError } from '../errors.js';
import { listItems } from '../input-table.js';
import { normalizePlatform } from '../util/platforms.js';
import { formatBytes } from '../util/bytes.js';
import { parseSize } from '../util/bytes.js';
import { formatDelta } from './units.js';

/** A limit in bytes, or (for increases) in percent of the baseline. */
export type Limit = { kind: 'bytes'; bytes: number; text: string } | { kind: 'percent'; percent: number; text: string };

/** One limit for every platform, or one per platform (platforms not named have none). */
export interface BudgetSpec {
  all?: Limit;
  perPlatform: Record<string, Limit>;
}

export type BudgetMode = 'fail' | 'warn';
export type Status = 'pass' | 'fail' | 'warn';

const SIZE_FORMS = 'a size such as 25MB, 20 MiB or 1.5GB (units B, KB, MB, GB = powers of 1000; KiB, MiB, GiB = powers of 1024)';

function parseLimit(name: string, text: string, allowPercent: boolean): Limit {
  const value = text.trim();
  const forms = allowPercent ? `${SIZE_FORMS}, or a percentage such as 5%` : SIZE_FORMS;
  if (value === '') throw new InputError(name, `has an empty size. Expected ${forms}.`);
  if (allowPercent && value.endsWith('%')) {
    const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(value);
    if (!m) throw new InputError(name, `'${value}' is not a percentage. Expected ${forms}.`);
    return { kind: 'percent', percent: Number(m[1]), text: `${Number(m[1])}%` };
  }
  if (value.startsWith('-')) throw new InputError(name, `'${value}' is negative. Expected ${forms}.`);
  const bytes = parseSize(value);
  if (bytes === undefined) throw new InputError(name, `'${value}' is not a size. Expected ${forms}.`);
  return { kind: 'bytes', bytes, text: value.replace(/\s+/g, ' ') };
}

/** The inputs that hold a size budget. */
export type BudgetInputName = 'size-budget' | 'size-budget-increase';

/**
 * Parses `size-budget` / `size-budget-increase`: one limit (`25MB`, `5%`), or a list of
 * `platform=limit` separated by commas or new lines. Platforms must be among those built.
 */
export function parseBudget(name: BudgetInputName, raw: string, platforms: string[], allowPercent: boolean): BudgetSpec {
  const spec: BudgetSpec = { perPlatform: {} };
  const entries = listItems(name, raw);
  if (entries.length === 0) return spec;
  const forms = `one limit for every platform, or platform=limit pairs such as linux/amd64=20MB,linux/arm64=22MB`;
  if (entries.length === 1 && !entries[0]!.includes('=')) {
    spec.all = parseLimit(name, entries[0]!, allowPercent);
    return spec;
  }
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) throw new InputError(name, `'${entry}' has no platform. Expected ${forms}.`);
    const platformText = entry.slice(0, eq).trim();
    const platform = normalizePlatform(platformText);
    if (!platform) throw new InputError(name, `'${platformText}' is not a platform. Expected ${forms}.`);
    if (!platforms.includes(platform)) {
      throw new InputError(
        name,
        `names ${platform}, which is not built (platforms: ${platforms.join(', ')}). Expected limits for built platforms only.`,
      );
    }
    if (entry.slice(eq + 1).trim() === '') throw new InputError(name, `'${entry}' has no limit. Expected ${forms}.`);
    if (platform in spec.perPlatform) throw new InputError(name, `names ${platform} twice. Expected one limit per platform.`);
    spec.perPlatform[platform] = parseLimit(name, entry.slice(eq + 1), allowPercent);
  }
  return spec;
}

export function parseBudgetMode(raw: string): BudgetMode {
  const v = raw.trim().toLowerCase();
  if (v === '' || v === 'fail') return 'fail';
  if (v === 'warn') return 'warn';
  throw new InputError('size-budget-mode', `'${raw.trim()}' is not a mode. Expected fail or warn.`);
}

export function limitFor(spec: BudgetSpec, platform: string): Limit | undefined {
  return spec.perPlatform[platform] ?? spec.all;
}

export interface PlatformVerdict {
  status: Status;
  /** Why the platform is over budget, naming it and by how much; empty when within. */
  reasons: string[];
  /** The budget in words for the table, e.g. `25MB, +1MB`. */
  budgetText: string;
  /** The absolute budget in bytes, when there is one. */
  budgetBytes?: number;
}

/** Pure: a platform's status against its absolute and increase budgets. */
export function judgePlatform(
  platform: string,
  compressedBytes: number,
  baselineBytes: number | null,
  budget: BudgetSpec,
  increase: BudgetSpec,
  mode: BudgetMode,
): PlatformVerdict {
  const reasons: string[] = [];
  const parts: string[] = [];
  const absolute = limitFor(budget, platform);
  let budgetBytes: number | undefined;
  if (absolute && absolute.kind === 'bytes') {
    budgetBytes = absolute.bytes;
    parts.push(`≤ ${absolute.text}`);
    if (compressedBytes > absolute.bytes) {
      reasons.push(
        `${platform}: ${formatBytes(compressedBytes)} is ${formatBytes(compressedBytes - absolute.bytes)} over the size budget of ${absolute.text}`,
      );
    }
  }
  const growth = limitFor(increase, platform);
  if (growth) {
    parts.push(`+${growth.text}`);
    if (baselineBytes !== null) {
      const allowed = growth.kind === 'bytes' ? growth.bytes : Math.floor((baselineBytes * growth.percent) / 100);
      const delta = compressedBytes - baselineBytes;
      if (delta > allowed) {
        reasons.push(
          `${platform}: grew by ${formatDelta(delta)}, ${formatBytes(delta - allowed)} over the allowed increase of ${growth.text}`,
        );
      }
    }
  }
  const status: Status = reasons.length === 0 ? 'pass' : mode;
  return { status, reasons, budgetText: parts.join(', '), budgetBytes };
}

/** The worst status of all platforms. */
export function overallStatus(statuses: Status[]): Status {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('warn')) return 'warn';
  return 'pass';
}

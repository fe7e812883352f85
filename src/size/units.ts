import { formatBytes } from '../util/bytes.js';

/**
 * Sizes as people write them in budgets: B, KB, MB, GB (powers of 1000) and KiB, MiB, GiB
 * (powers of 1024), with or without a space. A bare number is bytes.
 */
const UNIT_FACTORS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

const SIZE_RE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

/** Bytes of a size such as `25MB`, `20 MiB`, `1.5GB`, `300`; undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : UNIT_FACTORS[unit];
  if (factor === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isFinite(bytes) ? bytes : undefined;
}

/** A change with its sign: `+2.62 MB`, `-512 B`, `±0 B`. */
export function formatDelta(bytes: number): string {
  if (bytes === 0) return '±0 B';
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/**
 * A change in percent of the baseline, with its sign; undefined without a baseline size, and
 * for a change too small to show in two decimals (`-2 B` of megabytes is not `-0.00%`).
 */
export function formatPercent(delta: number, baseline: number): string | undefined {
  if (baseline <= 0) return undefined;
  const pct = Math.abs((delta / baseline) * 100);
  const text = pct < 0.1 ? pct.toFixed(2) : pct.toFixed(1);
  if (Number(text) === 0) return undefined;
  return `${delta > 0 ? '+' : '-'}${text}%`;
}

import { formatBytes } from '../util/bytes.js';

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

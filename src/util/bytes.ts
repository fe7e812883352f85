/**
 * Byte counts for people. Two scales on purpose: image sizes and budgets use decimal units
 * (what registries and `docker images` show, the same KB/MB/GB a budget is written in), the
 * Go cache log uses binary units (what `du -h` shows for the files it packs).
 */

interface Scale {
  base: number;
  units: string[];
  /** Digits after the point, for a value in a unit. */
  digits: (value: number, unit: number) => number;
}

/** Three significant digits at most (`2.59`, `12.35`, `123.5`). */
const DECIMAL: Scale = { base: 1000, units: ['KB', 'MB', 'GB', 'TB'], digits: (value) => (value >= 100 ? 1 : 2) };
const BINARY: Scale = { base: 1024, units: ['KiB', 'MiB', 'GiB'], digits: (_value, unit) => (unit >= 2 ? 2 : 1) };

/** The first unit where the value stays under the base once rounded: 999,999 bytes is `1.00 MB`, not `1000.0 KB`. */
function scaled(abs: number, scale: Scale): string {
  let value = abs / scale.base;
  let unit = 0;
  while (unit < scale.units.length - 1 && Number(value.toFixed(scale.digits(value, unit))) >= scale.base) {
    value /= scale.base;
    unit++;
  }
  // The digits go by the value as shown: 99,999 bytes is `100.0 KB`, not `100.00 KB`.
  const digits = scale.digits(Number(value.toFixed(scale.digits(value, unit))), unit);
  return `${value.toFixed(digits)} ${scale.units[unit]}`;
}

/** `12.35 MB`: decimal units, the same powers of 1000 as the budget's KB/MB/GB. */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '';
  return abs < 1000 ? `${sign}${abs} B` : sign + scaled(abs, DECIMAL);
}

/** `1.5 MiB`: binary units (powers of 1024), for the Go cache's archives. */
export function formatBinaryBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : scaled(bytes, BINARY);
}

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

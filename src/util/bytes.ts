/**
 * Byte counts for people. Two scales on purpose: image sizes and budgets use decimal units
 * (what registries and `docker images` show, the same KB/MB/GB a budget is written in), the
 * Go cache log uses binary units (what `du -h` shows for the files it packs).
 */

/** `12.35 MB`: decimal units, the same powers of 1000 as the budget's KB/MB/GB. */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${abs} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = abs / 1000;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  const digits = value >= 100 ? 1 : 2;
  return `${sign}${value.toFixed(digits)} ${units[i]}`;
}

/** `1.5 MiB`: binary units (powers of 1024), for the Go cache's archives. */
export function formatBinaryBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

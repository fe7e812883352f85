import { describe, expect, it } from 'vitest';
import { formatBinaryBytes, formatBytes } from '../../src/util/bytes.js';

describe('byte counts for people', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 KB'],
    [1024, '1.02 KB'],
    [2_588_159, '2.59 MB'],
    [123_456_789, '123.5 MB'],
    [5_000_000_000, '5.00 GB'],
    [-2_500_000, '-2.50 MB'],
    [-2, '-2 B'],
    [999_499, '999.5 KB'],
    [999_999, '1.00 MB'],
    [999_999_999, '1.00 GB'],
  ])('formatBytes(%i) = %s (decimal)', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [512, '512 B'],
    [1000, '1000 B'],
    [2048, '2.0 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [3 * 1024 ** 3, '3.00 GiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
  ])('formatBinaryBytes(%d) = %s (binary)', (n, text) => expect(formatBinaryBytes(n)).toBe(text));
});

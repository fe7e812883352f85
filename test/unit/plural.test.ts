import { describe, expect, it } from 'vitest';
import { plural } from '../../src/util/plural.js';

describe('plural', () => {
  it.each([
    [0, 'layer', undefined, '0 layers'],
    [1, 'layer', undefined, '1 layer'],
    [2, 'layer', undefined, '2 layers'],
    [1, 'process group', undefined, '1 process group'],
    [3, 'entry', 'entries', '3 entries'],
  ])('plural(%i, %s)', (n, noun, many, text) => expect(plural(n, noun, many)).toBe(text));
});

import { describe, expect, it } from 'vitest';
import { isDefaultBranch } from '../../src/github/refs.js';
import { planCache } from '../../src/size/baseline.js';
import { tagsForRef } from '../../src/release/tags.js';

const sha = 'c0ffee'.padEnd(40, '0');

describe('the default branch, one rule for release tags and the size baseline', () => {
  it.each([
    ['main', 'main', true],
    ['main', 'trunk', false],
    ['trunk', 'trunk', true],
    ['master', 'main', false],
    ['main', undefined, true],
    ['master', undefined, true],
    ['trunk', undefined, false],
    ['main-2', undefined, false],
  ] as const)('branch %s, payload default %s: %s', (branch, defaultBranch, expected) => {
    expect(isDefaultBranch(branch, defaultBranch)).toBe(expected);
    // Both users agree with the rule: edge tags and a saved baseline go together.
    const ctx = { eventName: 'push', ref: `refs/heads/${branch}`, sha, defaultBranch };
    expect(tagsForRef(ctx).rule === 'default-branch').toBe(expected);
    expect(planCache('img', ctx).saveKey !== undefined).toBe(expected);
  });
});

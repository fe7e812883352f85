import { describe, expect, it } from 'vitest';
import { epochOfTimestamp, resolveSourceDate, type SourceDateFacts } from '../../src/buildx/source-date.js';
import { timestampsCell } from '../../src/buildx/summary.js';

const SHA = 'a'.repeat(40);
const facts = (over: Partial<SourceDateFacts> = {}): SourceDateFacts => ({
  reproducible: true,
  buildArgs: [],
  sha: SHA,
  payload: {},
  ...over,
});

describe('resolveSourceDate', () => {
  it.each<[string, Partial<SourceDateFacts>, ReturnType<typeof resolveSourceDate>]>([
    ['the commit time from git', { commitEpoch: 1700000000 }, { epoch: 1700000000, from: 'the commit time of aaaaaaa' }],
    [
      'a build-arg wins over the commit',
      { commitEpoch: 1700000000, buildArgs: [{ key: 'SOURCE_DATE_EPOCH', value: '42' }] },
      { epoch: 42, from: 'the SOURCE_DATE_EPOCH build-arg' },
    ],
    [
      'the environment wins over the commit',
      { commitEpoch: 1700000000, env: '43' },
      { epoch: 43, from: 'SOURCE_DATE_EPOCH of the environment' },
    ],
    [
      'a build-arg that is no number is not a time',
      { commitEpoch: 7, buildArgs: [{ key: 'SOURCE_DATE_EPOCH', value: 'soon' }] },
      { epoch: 7, from: 'the commit time of aaaaaaa' },
    ],
    [
      'the push event names the commit built',
      { payload: { head_commit: { id: SHA, timestamp: '2023-11-14T23:13:20+01:00' } } },
      { epoch: 1700000000, from: 'the commit time of aaaaaaa (from the event)' },
    ],
    [
      'the event names another commit',
      { payload: { head_commit: { id: 'b'.repeat(40), timestamp: '2023-11-14T22:13:20Z' } } },
      { why: 'not reproducible: the workspace has no git history for aaaaaaa and the event names no commit time' },
    ],
    ['no commit at all', { sha: '' }, { why: 'not reproducible: no commit (GITHUB_SHA) to take the time from' }],
    ['turned off', { reproducible: false, commitEpoch: 1 }, { why: 'off (reproducible: false)' }],
  ])('%s', (_, over, expected) => {
    expect(resolveSourceDate(facts(over))).toEqual(expected);
  });

  it.each<[unknown, number | undefined]>([
    ['2023-11-14T22:13:20Z', 1700000000],
    ['yesterday', undefined],
    [1700000000, undefined],
    ['2023-13-45T99:00:00Z', undefined],
  ])('epochOfTimestamp(%j) = %s', (text, expected) => {
    expect(epochOfTimestamp(text)).toBe(expected);
  });
});

describe('timestampsCell', () => {
  it('names the time, the epoch and where it came from', () => {
    expect(timestampsCell({ epoch: 1700000000, from: 'the commit time of aaaaaaa' })).toBe(
      '`2023-11-14T22:13:20.000Z` (SOURCE_DATE_EPOCH=1700000000, the commit time of aaaaaaa)',
    );
  });
  it('says why there is none', () => {
    expect(timestampsCell({ why: 'off (reproducible: false)' })).toBe('off (reproducible: false)');
  });
  it('keeps only hex digits of a commit it names', () => {
    expect(resolveSourceDate(facts({ sha: '<b>@x|y', commitEpoch: 1 }))).toEqual({ epoch: 1, from: 'the commit time of b' });
  });
});

import { describe, expect, it } from 'vitest';
import {
  judgePlatform,
  overallStatus,
  parseBudget,
  parseBudgetMode,
  type BudgetInputName,
  type BudgetSpec,
} from '../../src/size/budget.js';
import { parseBaseline, parseCommentMode, parseSizeInputs } from '../../src/size/inputs.js';
import { formatBytes } from '../../src/util/bytes.js';
import { formatDelta, formatPercent } from '../../src/size/units.js';
import { parseSize } from '../../src/util/bytes.js';
import { InputError } from '../../src/errors.js';
import type { PlatformReport } from '../../src/size/report.js';
import { budgetVerdict, isBudgeted, unmeasuredVerdict } from '../../src/size/verdict.js';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];

describe('parseSize', () => {
  it.each([
    ['25MB', 25_000_000],
    ['20 MB', 20_000_000],
    ['20mb', 20_000_000],
    ['1.5GB', 1_500_000_000],
    ['2KB', 2000],
    ['300', 300],
    ['300B', 300],
    ['1KiB', 1024],
    ['20 MiB', 20 * 1024 * 1024],
    ['1GiB', 1024 ** 3],
    ['0.5 MiB', 524_288],
  ])('%s = %i bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['25XB', '-5MB', 'lots', '', 'MB', '5%', '5%%', '1,5MB', '1e3MB'])('%s is not a size', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 KB'],
    [2_588_159, '2.59 MB'],
    [123_456_789, '123.5 MB'],
    [-2_500_000, '-2.50 MB'],
    [999_999, '1.00 MB'],
    [99_999, '100.0 KB'],
  ])('formatBytes(%i) = %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [2_500_000, '+2.50 MB'],
    [-512, '-512 B'],
    [0, '±0 B'],
  ])('formatDelta(%i) = %s', (n, text) => expect(formatDelta(n)).toBe(text));

  it.each([
    [2_500_000, 2_500_000, '+100.0%'],
    [-1, 2000, '-0.05%'],
    [0, 10, undefined],
    [-2, 2_600_000, undefined],
    [1, 20_000, '+0.01%'],
    [1, 200_001, undefined],
    [999, 1_000_000, '+0.10%'],
    [5, 0, undefined],
  ])('formatPercent(%i, %i) = %s', (d, b, text) => expect(formatPercent(d, b)).toBe(text));
});

describe('parseBudget', () => {
  it.each<[string, boolean, BudgetSpec]>([
    ['', false, { perPlatform: {} }],
    ['25MB', false, { all: { kind: 'bytes', bytes: 25_000_000, text: '25MB' }, perPlatform: {} }],
    ['20 MB', false, { all: { kind: 'bytes', bytes: 20_000_000, text: '20 MB' }, perPlatform: {} }],
    [
      'linux/amd64=20MB,linux/arm64=22MB',
      false,
      {
        perPlatform: {
          'linux/amd64': { kind: 'bytes', bytes: 20_000_000, text: '20MB' },
          'linux/arm64': { kind: 'bytes', bytes: 22_000_000, text: '22MB' },
        },
      },
    ],
    ['linux/arm64 = 1 MiB\n', true, { perPlatform: { 'linux/arm64': { kind: 'bytes', bytes: 1_048_576, text: '1 MiB' } } }],
    ['5%', true, { all: { kind: 'percent', percent: 5, text: '5%' }, perPlatform: {} }],
    ['2.5 %', true, { all: { kind: 'percent', percent: 2.5, text: '2.5%' }, perPlatform: {} }],
    [
      'linux/amd64=2MB\nlinux/arm64=10%',
      true,
      {
        perPlatform: {
          'linux/amd64': { kind: 'bytes', bytes: 2_000_000, text: '2MB' },
          'linux/arm64': { kind: 'percent', percent: 10, text: '10%' },
        },
      },
    ],
  ])('%j (percent allowed: %s)', (raw, pct, spec) => {
    expect(parseBudget('size-budget', raw, PLATFORMS, pct)).toEqual(spec);
  });

  it.each<[BudgetInputName, string, boolean, RegExp]>([
    ['size-budget', '25XB', false, /'25XB' is not a size\. Expected a size such as 25MB.*KiB, MiB, GiB/],
    ['size-budget', '-5MB', false, /'-5MB' is negative\. Expected a size/],
    ['size-budget', 'lots', false, /'lots' is not a size/],
    ['size-budget', 'linux/amd64=', false, /'linux\/amd64=' has no limit\. Expected one limit for every platform, or platform=limit pairs/],
    ['size-budget', 'linux/s390x=20MB', false, /names linux\/s390x, which is not built \(platforms: linux\/amd64, linux\/arm64\)/],
    ['size-budget', 'linux/amd64=1MB,linux/amd64=2MB', false, /names linux\/amd64 twice/],
    ['size-budget', 'potato/x=1MB', false, /'potato\/x' is not a platform/],
    ['size-budget', '20MB,linux/arm64=1MB', false, /'20MB' has no platform/],
    ['size-budget', '5%', false, /'5%' is not a size/],
    ['size-budget-increase', '5%%', true, /'5%%' is not a percentage\. Expected .* or a percentage such as 5%/],
    ['size-budget-increase', '-5%', true, /'-5%' is not a percentage/],
    ['size-budget-increase', '1XB', true, /'1XB' is not a size/],
  ])('%s: %j fails, naming the input and the forms', (name, raw, pct, message) => {
    let error: unknown;
    try {
      parseBudget(name, raw, PLATFORMS, pct);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(name);
    expect((error as Error).message).toContain(`'${name}'`);
    expect((error as Error).message).toMatch(message);
  });
});

describe('modes and settings', () => {
  it.each([
    ['', 'fail'],
    ['fail', 'fail'],
    ['WARN', 'warn'],
  ])('size-budget-mode %j -> %s', (raw, mode) => expect(parseBudgetMode(raw)).toBe(mode));
  it('size-budget-mode rejects other words', () =>
    expect(() => parseBudgetMode('maybe')).toThrow(/size-budget-mode.*Expected fail or warn/));
  it.each([
    ['', { kind: 'auto' }],
    ['auto', { kind: 'auto' }],
    ['none', { kind: 'none' }],
    ['ghcr.io/org/app:main', { kind: 'reference', ref: 'ghcr.io/org/app:main' }],
  ])('baseline %j', (raw, setting) => expect(parseBaseline(raw)).toEqual(setting));
  it('baseline rejects what is no reference', () =>
    expect(() => parseBaseline('Not A Ref')).toThrow(/baseline.*Expected auto, none, or an image reference/));
  it.each([
    ['', 'auto'],
    ['always', 'always'],
    ['never', 'never'],
  ])('comment %j', (raw, mode) => expect(parseCommentMode(raw)).toBe(mode));
  it('comment rejects other words', () =>
    expect(() => parseCommentMode('sometimes')).toThrow(/comment.*Expected auto \(on pull requests\), always or never/));
  it('parseSizeInputs reads every size input', () => {
    const values: Record<string, string> = {
      baseline: 'none',
      'size-budget': '25MB',
      'size-budget-increase': '5%',
      'size-budget-mode': 'warn',
      comment: 'never',
    };
    const parsed = parseSizeInputs((n) => values[n] ?? '', PLATFORMS);
    expect(parsed.baseline).toEqual({ kind: 'none' });
    expect(parsed.budget.all?.kind).toBe('bytes');
    expect(parsed.increase.all).toEqual({ kind: 'percent', percent: 5, text: '5%' });
    expect(parsed.mode).toBe('warn');
    expect(parsed.comment).toBe('never');
  });
});

describe('judgePlatform', () => {
  const mb = (n: number): number => n * 1_000_000;
  const none: BudgetSpec = { perPlatform: {} };
  const abs = (bytes: number): BudgetSpec => ({ all: { kind: 'bytes', bytes, text: `${bytes / 1e6}MB` }, perPlatform: {} });
  const inc = (bytes: number): BudgetSpec => ({ all: { kind: 'bytes', bytes, text: `${bytes / 1e6}MB` }, perPlatform: {} });
  const pct = (percent: number): BudgetSpec => ({ all: { kind: 'percent', percent, text: `${percent}%` }, perPlatform: {} });

  it.each([
    ['no budgets', mb(30), mb(1), none, none, 'fail', 'pass', []],
    ['under the absolute budget', mb(24), null, abs(mb(25)), none, 'fail', 'pass', []],
    ['exactly at the absolute budget', mb(25), null, abs(mb(25)), none, 'fail', 'pass', []],
    [
      'over the absolute budget',
      mb(26),
      null,
      abs(mb(25)),
      none,
      'fail',
      'fail',
      ['linux/amd64: 26.00 MB is 1.00 MB over the size budget of 25MB'],
    ],
    ['over, mode warn', mb(26), null, abs(mb(25)), none, 'warn', 'warn', ['linux/amd64: 26.00 MB is 1.00 MB over the size budget of 25MB']],
    [
      'grew 2.5 MB with 1 MB allowed',
      mb(5.1),
      mb(2.6),
      none,
      inc(mb(1)),
      'fail',
      'fail',
      ['linux/amd64: grew by +2.50 MB, 1.50 MB over the allowed increase of 1MB'],
    ],
    ['grew 2.5 MB with 10 MB allowed', mb(5.1), mb(2.6), none, inc(mb(10)), 'fail', 'pass', []],
    ['increase without a baseline is not judged', mb(5.1), null, none, inc(mb(1)), 'fail', 'pass', []],
    ['shrank', mb(2), mb(3), none, inc(0), 'fail', 'pass', []],
    [
      'grew 6% with 5% allowed',
      mb(10.6),
      mb(10),
      none,
      pct(5),
      'fail',
      'fail',
      ['linux/amd64: grew by +600.0 KB, 100.0 KB over the allowed increase of 5%'],
    ],
    ['grew 4% with 5% allowed', mb(10.4), mb(10), none, pct(5), 'fail', 'pass', []],
  ] as const)('%s', (_name, bytes, base, budget, increase, mode, status, reasons) => {
    const verdict = judgePlatform('linux/amd64', bytes, base, budget, increase, mode);
    expect(verdict.status).toBe(status);
    expect(verdict.reasons).toEqual(reasons);
  });

  it('uses the per-platform limit of each platform', () => {
    const budget = parseBudget('size-budget', 'linux/amd64=20MB,linux/arm64=22MB', PLATFORMS, false);
    expect(judgePlatform('linux/amd64', mb(21), null, budget, none, 'fail').status).toBe('fail');
    expect(judgePlatform('linux/arm64', mb(21), null, budget, none, 'fail').status).toBe('pass');
  });

  it.each([
    [['pass', 'pass'], 'pass'],
    [['pass', 'warn'], 'warn'],
    [['warn', 'fail'], 'fail'],
    [[], 'pass'],
  ] as const)('overallStatus(%j) = %s', (list, status) => expect(overallStatus([...list])).toBe(status));
});

describe('budget verdict', () => {
  const platforms = (...reasons: string[][]) => reasons.map((r) => ({ reasons: r })) as unknown as PlatformReport[];
  it.each([
    ['pass', [[], []], [], []],
    ['fail', [['a: over'], ['b: over', 'b: grew']], ['Image size over budget:\n- a: over\n- b: over\n- b: grew'], []],
    ['warn', [['a: over'], []], [], ['Over size budget: a: over']],
  ] as const)('status %s with reasons %j', (status, reasons, failures, warnings) => {
    expect(budgetVerdict({ status, platforms: platforms(...reasons.map((r) => [...r])) })).toEqual({ failures, warnings });
  });

  it.each([
    [true, { status: 'fail', failures: ['cannot measure'], warnings: [] }],
    [false, { status: 'pass', failures: [], warnings: ['cannot measure'] }],
  ])('unmeasured, budgeted %s', (budgeted, verdict) => expect(unmeasuredVerdict(budgeted, 'cannot measure')).toEqual(verdict));

  const none: BudgetSpec = { perPlatform: {} };
  const some: BudgetSpec = { all: { kind: 'bytes', bytes: 1000, text: '1KB' }, perPlatform: {} };
  const one: BudgetSpec = { perPlatform: { 'linux/arm64': { kind: 'percent', percent: 5, text: '5%' } } };
  it.each([
    [none, none, false],
    [some, none, true],
    [none, some, true],
    [one, none, true],
    [none, one, true],
  ])('isBudgeted(%j, %j) = %s', (budget, increase, expected) => expect(isBudgeted({ budget, increase })).toBe(expected));
});

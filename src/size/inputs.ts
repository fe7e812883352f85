import { InputError } from '../errors.js';
import type { InputOf } from '../input-table.js';
import { isImageReferenceError, parseImageReference } from '../util/reference.js';
import type { BaselineSetting } from './baseline.js';
import { parseBudget, parseBudgetMode, type BudgetMode, type BudgetSpec } from './budget.js';

export type CommentMode = 'auto' | 'always' | 'never';

/** The size stage's settings, parsed with the rest of the inputs (before any build). */
export interface SizeInputs {
  baseline: BaselineSetting;
  budget: BudgetSpec;
  increase: BudgetSpec;
  mode: BudgetMode;
  comment: CommentMode;
}

export type SizeInputName = InputOf<'size'>;

export function parseBaseline(raw: string): BaselineSetting {
  const v = raw.trim();
  if (v === '' || v.toLowerCase() === 'auto') return { kind: 'auto' };
  if (v.toLowerCase() === 'none') return { kind: 'none' };
  const parsed = parseImageReference(v);
  if (isImageReferenceError(parsed)) {
    throw new InputError('baseline', `'${v}' ${parsed.error}. Expected auto, none, or an image reference such as ghcr.io/org/app:main.`);
  }
  return { kind: 'reference', ref: v };
}

export function parseCommentMode(raw: string): CommentMode {
  const v = raw.trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'always' || v === 'never') return v;
  throw new InputError('comment', `'${raw.trim()}' is not a comment mode. Expected auto (on pull requests), always or never.`);
}

export function parseSizeInputs(read: (name: SizeInputName) => string, platforms: string[]): SizeInputs {
  return {
    baseline: parseBaseline(read('baseline')),
    budget: parseBudget('size-budget', read('size-budget'), platforms, false),
    increase: parseBudget('size-budget-increase', read('size-budget-increase'), platforms, true),
    mode: parseBudgetMode(read('size-budget-mode')),
    comment: parseCommentMode(read('comment')),
  };
}

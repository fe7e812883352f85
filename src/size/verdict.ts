/**
 * What the budgets decide for the step, as plain data: which reasons fail it and which only
 * warn. Pure, so every rule is a table row; the stage turns it into failures and warnings.
 */
import type { SizeInputs } from './inputs.js';
import type { SizeReport } from './report.js';

export interface BudgetVerdict {
  /** Reasons the step fails (empty: it passes). */
  failures: string[];
  /** Warnings to show instead, when the mode is `warn` or nothing needs the size. */
  warnings: string[];
}

/** Pure: whether any budget needs the image's size (a size budget or an increase budget). */
export function isBudgeted(size: Pick<SizeInputs, 'budget' | 'increase'>): boolean {
  const { budget, increase } = size;
  return (
    budget.all !== undefined ||
    Object.keys(budget.perPlatform).length > 0 ||
    increase.all !== undefined ||
    Object.keys(increase.perPlatform).length > 0
  );
}

/** Pure: the verdict of a measured report: over budget fails (mode fail) or warns (mode warn). */
export function budgetVerdict(report: Pick<SizeReport, 'status' | 'platforms'>): BudgetVerdict {
  const reasons = report.platforms.flatMap((p) => p.reasons);
  if (report.status === 'fail') return { failures: [`Image size over budget:\n${reasons.map((r) => `- ${r}`).join('\n')}`], warnings: [] };
  if (report.status === 'warn') return { failures: [], warnings: reasons.map((r) => `Over size budget: ${r}`) };
  return { failures: [], warnings: [] };
}

/** Pure: without a measurement a budget cannot pass, so it fails the step; without a budget, it is a warning. */
export function unmeasuredVerdict(budgeted: boolean, message: string): BudgetVerdict & { status: 'pass' | 'fail' } {
  return budgeted ? { status: 'fail', failures: [message], warnings: [] } : { status: 'pass', failures: [], warnings: [message] };
}

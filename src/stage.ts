/**
 * What every stage of the pipeline hands back. A stage never sets outputs or fails the step
 * itself: it returns what it produced, and the pipeline alone writes the outputs, adds the
 * summary sections in order, and decides whether the step fails.
 */
import type { OutputName } from './output-table.js';

export interface StageResult {
  /** The outputs this stage produced, by name. */
  outputs: Partial<Record<OutputName, string>>;
  /** Reasons the step fails (empty: this stage passes). */
  failures: string[];
  /** This stage's section of the job summary (Markdown), if it has one. */
  summary?: string;
}

/** A stage result with nothing in it yet. */
export function emptyResult(): StageResult {
  return { outputs: {}, failures: [] };
}

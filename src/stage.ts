/**
 * What every stage of the pipeline hands back. A stage never sets outputs or fails the step
 * itself: it returns what it produced, and the pipeline alone writes the outputs, adds the
 * summary sections in order, and decides whether the step fails. An adapter that finds the
 * machine or an input unusable (docker missing, a compose file compose rejects) may throw an
 * ActionError or InputError: the pipeline turns it into a failure the same way.
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

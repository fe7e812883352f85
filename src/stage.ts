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

/** The stages whose failure keeps the tags where they are: what the pipeline branches on. */
export type StageId =
  | 'build'
  | 'push'
  | 'platform-check'
  | 'smoke-test'
  | 'size-budget'
  | 'vuln-check'
  | 'hand-off'
  | 'gather'
  | 'platform-jobs'
  | 'index'
  | 'tagging';

/** How the summary and the log name each stage. */
export const STAGE_NAMES: Readonly<Record<StageId, string>> = {
  build: 'the build',
  push: 'the push',
  'platform-check': 'the platform check',
  'smoke-test': 'the smoke test',
  'size-budget': 'the size budget',
  'vuln-check': 'the vulnerability check',
  'hand-off': 'the hand-off',
  gather: 'gathering the platforms',
  'platform-jobs': 'a per-platform job',
  index: 'the index',
  tagging: 'tagging',
};

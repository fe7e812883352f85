import { ActionError, failureMessage, InputError } from '../errors.js';
import type { OutputName } from '../output-table.js';
import type { Reporter } from '../reporter.js';
import type { StageId, StageResult } from '../stage.js';

/**
 * Collects what the stages return: the only place outputs are set, summary sections kept (in
 * the order the stages ran, written at the end) and failures kept, with the stages that failed.
 */
export class Collector {
  readonly failures: string[] = [];
  /** The stages that failed: why the tags stay where they are. */
  readonly failedStages: StageId[] = [];
  private readonly sections: (string | undefined)[] = [];
  private readonly reporter: Reporter;

  constructor(reporter: Reporter) {
    this.reporter = reporter;
  }

  output(name: OutputName, value: string): void {
    this.reporter.setOutput(name, value);
  }

  /** Takes a stage's result; true when the stage passed. `stage` names it for the tags' note. */
  take(result: StageResult, stage?: StageId): boolean {
    for (const [name, value] of Object.entries(result.outputs) as [OutputName, string][]) this.output(name, value);
    if (result.summary) this.sections.push(result.summary);
    this.failures.push(...result.failures);
    if (result.failures.length > 0 && stage) this.failedStages.push(stage);
    return result.failures.length === 0;
  }

  failed(stage: StageId): boolean {
    return this.failedStages.includes(stage);
  }

  /** Keeps a place for a section written later (the build's, which shows whether the tags moved); returns a setter. */
  reserve(): (markdown: string) => void {
    const at = this.sections.push(undefined) - 1;
    return (markdown) => (this.sections[at] = markdown);
  }

  /** Hands the sections to the reporter, in order. */
  flush(): void {
    for (const s of this.sections.splice(0)) if (s) this.reporter.addSummary(s);
  }
}

/** A user-facing error thrown by an adapter (a missing tool, a bad input found late) is a failure. */
export function asFailure(error: unknown): string {
  if (error instanceof ActionError || error instanceof InputError) return failureMessage(error);
  throw error;
}

import * as core from '@actions/core';
import type { AnnotationProperties, Reporter } from './reporter.js';
import { errorText } from './errors.js';
import { isCommandFree, quoteBlock } from './util/inert.js';

/** The Reporter of the action: workflow commands, step outputs, state and the job summary. */
export class ActionReporter implements Reporter {
  private readonly summaryParts: string[] = [];
  /** The action never issues a command through info: a message that embeds one from outside is quoted whole. */
  info(message: string): void {
    if (isCommandFree(message)) core.info(message);
    else process.stdout.write(quoteBlock(message));
  }
  /** One write: the title and the text inside a stop-commands block with a fresh token. */
  quote(title: string, text: string): void {
    process.stdout.write(quoteBlock(`${title}\n${text}`));
  }
  debug(message: string): void {
    core.debug(message);
  }
  notice(message: string, props?: AnnotationProperties): void {
    core.notice(message, props);
  }
  warning(message: string, props?: AnnotationProperties): void {
    core.warning(message, props);
  }
  error(message: string, props?: AnnotationProperties): void {
    core.error(message, props);
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn);
  }
  setOutput(name: string, value: string): void {
    core.setOutput(name, value);
  }
  addSummary(markdown: string): void {
    this.summaryParts.push(markdown);
  }
  saveState(name: string, value: string): void {
    core.saveState(name, value);
  }
  setSecret(value: string): void {
    if (value) core.setSecret(value);
  }
  /** Writes the job summary once, at the end (also when the step fails). */
  async writeSummary(): Promise<void> {
    if (this.summaryParts.length === 0 || !process.env.GITHUB_STEP_SUMMARY) return;
    try {
      await core.summary.addRaw(this.summaryParts.join('\n\n'), true).write();
    } catch (error) {
      core.warning(`Could not write the job summary: ${errorText(error)}`);
    }
  }
}

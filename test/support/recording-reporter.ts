import type { AnnotationProperties, Reporter } from '../../src/reporter.ts';

/** A Reporter that records everything: for unit tests of stages. */
export class RecordingReporter implements Reporter {
  readonly lines: string[] = [];
  readonly annotations: { level: 'notice' | 'warning' | 'error'; message: string; props?: AnnotationProperties }[] = [];
  readonly outputs: Record<string, string> = {};
  readonly state: Record<string, string> = {};
  readonly summary: string[] = [];
  readonly secrets: string[] = [];
  /** Every quote, as it was asked for. */
  readonly quotes: { title: string; text: string }[] = [];
  info(message: string): void {
    this.lines.push(message);
  }
  quote(title: string, text: string): void {
    this.quotes.push({ title, text });
    this.lines.push(`${title}\n${text}`);
  }
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  notice(message: string, props?: AnnotationProperties): void {
    this.annotations.push({ level: 'notice', message, props });
  }
  warning(message: string, props?: AnnotationProperties): void {
    this.annotations.push({ level: 'warning', message, props });
  }
  error(message: string, props?: AnnotationProperties): void {
    this.annotations.push({ level: 'error', message, props });
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${name}`);
    return fn();
  }
  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }
  addSummary(markdown: string): void {
    this.summary.push(markdown);
  }
  saveState(name: string, value: string): void {
    this.state[name] = value;
  }
  setSecret(value: string): void {
    this.secrets.push(value);
  }
}

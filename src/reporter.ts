/**
 * Everything the pipeline says to the outside world goes through a Reporter, so the action
 * (workflow commands, outputs, job summary) and the CLI (a terminal report) share one pipeline.
 */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
}

export interface Reporter {
  info(message: string): void;
  debug(message: string): void;
  notice(message: string, props?: AnnotationProperties): void;
  warning(message: string, props?: AnnotationProperties): void;
  error(message: string, props?: AnnotationProperties): void;
  /** Runs fn inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  setOutput(name: string, value: string): void;
  /** Appends markdown to the job summary (the CLI prints it). */
  addSummary(markdown: string): void;
  /** Hands a value to the post step. */
  saveState(name: string, value: string): void;
  /** Keeps a value out of every log (the token). */
  setSecret(value: string): void;
}

/** A Reporter that records everything: for unit tests of stages. */
export class RecordingReporter implements Reporter {
  readonly lines: string[] = [];
  readonly annotations: { level: 'notice' | 'warning' | 'error'; message: string; props?: AnnotationProperties }[] = [];
  readonly outputs: Record<string, string> = {};
  readonly state: Record<string, string> = {};
  readonly summary: string[] = [];
  readonly secrets: string[] = [];
  info(message: string): void {
    this.lines.push(message);
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

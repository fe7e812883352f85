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
  /** A line or more of the action's own; a line that could read as a workflow command is printed inert. */
  info(message: string): void;
  /**
   * Text the action did not write (service logs, health-check output), under a title, printed
   * in one write so that none of its lines can issue a workflow command (src/util/inert.ts).
   */
  quote(title: string, text: string): void;
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

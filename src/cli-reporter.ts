import type { AnnotationProperties, Reporter } from './reporter.js';
import { colorEnabled } from './terminal/color.js';
import { renderForTerminal } from './terminal/render.js';
import { inertLine, inertLines, runnerLines } from './util/inert.js';

const color = (code: number, text: string, enabled: boolean): string => (enabled ? `\x1b[${code}m${text}\x1b[0m` : text);

function where(props?: AnnotationProperties): string {
  if (!props?.file) return '';
  return props.startLine ? `${props.file}:${props.startLine}: ` : `${props.file}: `;
}

/** The Reporter of the CLI: a readable terminal report, and no state beyond the process. */
export class TerminalReporter implements Reporter {
  readonly outputs: Record<string, string> = {};
  readonly state: Record<string, string> = {};
  private readonly summaryParts: string[] = [];
  private readonly secrets: string[] = [];
  constructor(
    private readonly out: NodeJS.WritableStream = process.stderr,
    private readonly colors = colorEnabled(process.env, Boolean((out as NodeJS.WriteStream).isTTY)),
    private readonly verbose = false,
  ) {}
  private redact(text: string): string {
    return this.secrets.reduce((t, s) => t.split(s).join('***'), text);
  }
  private write(line: string): void {
    this.out.write(this.redact(line) + '\n');
  }
  /** Inert lines also here: the CLI may run inside a workflow step, whose runner reads stderr too. */
  info(message: string): void {
    this.write(inertLines(message));
  }
  /** The title, then each line of the text indented and inert. */
  quote(title: string, text: string): void {
    // The bar before each line keeps it from starting with `::`; inertLine defuses an old-form `##[`.
    const lines = runnerLines(text).map((line) => inertLine(`  │ ${line}`));
    this.write(`${title}\n${lines.join('\n')}`);
  }
  debug(message: string): void {
    if (this.verbose) this.write(color(90, message, this.colors));
  }
  notice(message: string, props?: AnnotationProperties): void {
    this.write(`${color(36, 'notice', this.colors)} ${where(props)}${message}`);
  }
  warning(message: string, props?: AnnotationProperties): void {
    this.write(`${color(33, 'warning', this.colors)} ${where(props)}${message}`);
  }
  error(message: string, props?: AnnotationProperties): void {
    this.write(`${color(31, 'error', this.colors)} ${where(props)}${message}`);
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.write(color(1, `▶ ${name}`, this.colors));
    return fn();
  }
  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }
  addSummary(markdown: string): void {
    this.summaryParts.push(markdown);
  }
  saveState(name: string, value: string): void {
    this.state[name] = value;
  }
  setSecret(value: string): void {
    if (value) this.secrets.push(value);
  }
  /**
   * The report at the end of a run: the summary sections rendered for a terminal (styled when
   * the stream is one, or FORCE_COLOR says so), and the outputs.
   */
  printReport(stream: NodeJS.WritableStream = process.stdout): void {
    const tty = stream as NodeJS.WriteStream;
    const opts = { color: colorEnabled(process.env, Boolean(tty.isTTY)), width: tty.isTTY ? tty.columns : undefined };
    if (this.summaryParts.length) stream.write('\n' + this.redact(renderForTerminal(this.summaryParts.join('\n\n'), opts)));
    const shown = Object.entries(this.outputs).filter(([k]) => k !== 'metadata' && k !== 'size-report');
    if (shown.length) {
      stream.write('\nOutputs:\n');
      for (const [k, v] of shown) stream.write(`  ${k}: ${v.includes('\n') ? v.split('\n').join(', ') : v}\n`);
    }
  }
}

/**
 * How the demo prints: phase headings, notes, facts, and each step's log groups with their
 * times as they end (a runner's log, folded), with ANSI styles only on a terminal.
 */
import type { ActionRun } from '../../test/support/runner.ts';
import { colorEnabled } from '../../src/terminal/color.ts';

/** A terminal: the line of the step running is redrawn in place. */
const tty = Boolean(process.stdout.isTTY);
/** Styles as the CLI decides them (NO_COLOR, FORCE_COLOR, a dumb terminal). */
export const color = colorEnabled(process.env, tty);

export function style(code: string, text: string): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export function heading(text: string): void {
  console.log(`\n${style('1;34', `━━ ${text} ━━`)}`);
}

/** What the demo does around the action (it is not the action's doing). */
export function note(text: string): void {
  console.log(style('2', `  · ${text}`));
}

/** What the run showed. */
export function fact(text: string): void {
  console.log(`  → ${text}`);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const NAME_WIDTH = 58;

function row(name: string, ms: number): string {
  const shown = name.length > NAME_WIDTH ? `${name.slice(0, NAME_WIDTH - 1)}…` : name;
  return `    ${shown.padEnd(NAME_WIDTH)} ${seconds(ms).padStart(7)}`;
}

/** One run of the action as it goes: each `::group::` of its steps, timed from here as it ends. */
export class StepLog {
  private group: { name: string; at: number } | undefined;
  private step: 'main' | 'post' | undefined;
  private readonly annotations: string[] = [];
  /** Each group's time in seconds, by name (the last one of a name). */
  readonly groups = new Map<string, number>();

  constructor(title: string) {
    console.log(style('1', `  ${title}: the action's main step, then its post step`));
  }

  line(line: string, step: 'main' | 'post'): void {
    if (line.startsWith('::group::')) {
      if (step !== this.step) console.log(`  ${step} step`);
      this.step = step;
      this.group = { name: line.slice('::group::'.length), at: Date.now() };
      if (tty) process.stdout.write(`    ${style('2', `${this.group.name} …`)}`);
    } else if (line.startsWith('::endgroup::') && this.group) {
      const ms = Date.now() - this.group.at;
      this.groups.set(this.group.name, ms / 1000);
      if (tty) process.stdout.write('\r\x1b[K');
      console.log(row(this.group.name, ms));
      this.group = undefined;
    } else {
      const annotation = /^::(error|warning)[^:]*::(.*)$/.exec(line);
      if (annotation) this.annotations.push(`${annotation[1]}: ${annotation[2]!.replace(/%0A/g, ' ')}`);
    }
  }

  end(run: ActionRun): void {
    if (tty && this.group) process.stdout.write('\r\x1b[K');
    const post = run.post ? `, post step ${seconds(run.post.durationMs)} (exit ${run.post.exitCode})` : '';
    console.log(`  main step ${seconds(run.main.durationMs)} (exit ${run.main.exitCode})${post}`);
    for (const a of this.annotations) console.log(style('33', `  ! ${a.length > 200 ? `${a.slice(0, 199)}…` : a}`));
  }
}

import { randomBytes } from 'node:crypto';

/**
 * The one place that makes text the action did not write (service logs, health-check output,
 * the output of the commands it runs) inert for the runner, which reads workflow commands from
 * every line of the step's stdout and stderr (actions/runner, OutputManager and ActionCommand):
 * - a line is split at `\r\n`, `\r` or `\n` (.NET's ReadLine);
 * - `::name …::data` is a command when it starts the line after leading white space is trimmed
 *   (.NET's TrimStart, which also trims U+0085);
 * - the older `##[name …]data` is a command wherever it stands in the line;
 * - after `::stop-commands::<token>` no command takes effect until a line is the command
 *   `<token>` (either form, the name compared ignoring case).
 */

/** Leading white space by JavaScript's rule and by .NET's (U+0085, and U+180E of older frameworks): more than the runner trims, never less. */
const LEADING_SPACE = /^[\s\u0085\u180e]+/u;
const LINE_BREAK = /\r\n|\r|\n/;

/** The lines of a text as the runner splits them; a final line break ends the last line, it does not start an empty one. */
export function runnerLines(text: string): string[] {
  const lines = text.split(LINE_BREAK);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/** `##[` not defused (`##[\\…` names no command). */
const OLD_FORM = /##\[(?!\\)/;

/** Whether the runner could read this line as a workflow command (a superset of its rule: the name is not checked). */
export function isCommandLike(line: string): boolean {
  return line.replace(LEADING_SPACE, '').startsWith('::') || OLD_FORM.test(line);
}

/** Whether no line of the text could be read as a workflow command. */
export function isCommandFree(text: string): boolean {
  return !runnerLines(text).some(isCommandLike);
}

/**
 * One line of outside text made inert, for output that streams (a build's log: a stop-commands
 * block around it would swallow the action's own commands printed meanwhile). A line the runner
 * could read as a command is prefixed with `» ` (it no longer starts with `::`) and each `##[`
 * becomes `##[\` (no command is named `\…`; the runner defuses its own markers the same way).
 * Any other line is left as it is. The line must hold no line break (see inertLines).
 */
export function inertLine(line: string): string {
  return isCommandLike(line) ? `» ${line.replaceAll('##[', '##[\\')}` : line;
}

/** Every line of a text made inert by inertLine, joined by `\n` (a `\r` alone is a line break to the runner). */
export function inertLines(text: string): string {
  return runnerLines(text).map(inertLine).join('\n');
}

/** A stop-commands token: 128 bits from crypto randomness, never derived from the text it guards. */
export function freshToken(): string {
  return `gca-${randomBytes(16).toString('hex')}`;
}

/**
 * Outside text as one stop-commands block, its lines unchanged: `::stop-commands::<token>`, the
 * lines, `::<token>::`, each ending with `\n`. The block is to be written in one write, so no
 * command of the action's own lands inside it. A token found in the text (compared as the runner
 * does, ignoring case) is never used: another is drawn.
 */
export function quoteBlock(text: string, token: () => string = freshToken): string {
  const upper = text.toUpperCase();
  let chosen = token();
  for (let tries = 1; upper.includes(chosen.toUpperCase()); tries++) {
    if (tries >= 100) throw new Error('could not draw a stop-commands token absent from the text');
    chosen = token();
  }
  return `::stop-commands::${chosen}\n${runnerLines(text).join('\n')}\n::${chosen}::\n`;
}

/**
 * A replay of a step's output as the runner reads it (actions/runner: Sdk/ProcessInvoker's
 * ReadLine, Worker/Handlers/OutputManager, Worker/ActionCommandManager, Common/ActionCommand),
 * returning every workflow command that took effect. The rules:
 * - lines end at `\r\n`, `\r` or `\n`;
 * - a line holding neither `::` nor `##[` is plain output;
 * - `::name k=v,k=v::data` is a command when, after .NET's TrimStart, the line starts with `::`
 *   and `name` (up to a space) is a registered command, compared ignoring case;
 * - otherwise the older `##[name k=v;k=v]data` is one wherever `##[` stands in the line;
 * - `stop-commands` with a token registers the token as a command; until a line is that command
 *   (either form), no other command takes effect (the lines are plain output). A token that is
 *   empty, a registered command or `pause-logging` is refused;
 * - `add-mask` adds its data (not blank) to the masks; error/warning/notice make annotations.
 */

/** .NET's Char.IsWhiteSpace: what String.TrimStart() removes. */
const DOTNET_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** The commands a runner registers (ActionCommandManager's extensions and stop-commands). */
export const RUNNER_COMMANDS = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
] as const;

export interface ParsedCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
  /** The line it came from, 0-based. */
  line: number;
}

export interface Replay {
  /** Every command that took effect, in order (stop-commands and its resume too). */
  commands: ParsedCommand[];
  annotations: { level: 'error' | 'warning' | 'notice'; message: string; properties: Record<string, string> }[];
  masks: string[];
  /** `endgroup` commands with no group open. */
  unmatchedEndGroups: number;
  /** Commands were stopped when the output ended (the token that would resume them). */
  stoppedAtEnd?: string;
  /** Lines that looked like commands but were ignored while commands were stopped. */
  ignoredWhileStopped: string[];
  /** stop-commands refused (a token that is empty or a command's name). */
  refused: string[];
}

const unescapeData = (s: string): string => s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
const unescapeProperty = (s: string): string => unescapeData(s).replaceAll('%3A', ':').replaceAll('%2C', ',');
const unescapeV1 = (s: string): string =>
  s.replaceAll('%3B', ';').replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%5D', ']').replaceAll('%25', '%');

function properties(text: string, separator: string, unescape: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(separator).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0 && eq < pair.length - 1) out[pair.slice(0, eq).toLowerCase()] = unescape(pair.slice(eq + 1));
  }
  return out;
}

/** ActionCommand.TryParseV2: `::name props::data` at the start of the trimmed line. */
function parseV2(line: string, registered: Set<string>): Omit<ParsedCommand, 'line'> | undefined {
  const message = line.replace(DOTNET_SPACE, '');
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!registered.has(name.toLowerCase())) return undefined;
  const props = space > 0 ? properties(info.slice(space + 1).trim(), ',', unescapeProperty) : {};
  return { name: name.toLowerCase(), properties: props, data: unescapeData(message.slice(end + 2)) };
}

/** ActionCommand.TryParse: the older `##[name props]data`, wherever it stands. */
function parseV1(line: string, registered: Set<string>): Omit<ParsedCommand, 'line'> | undefined {
  const at = line.indexOf('##[');
  if (at < 0) return undefined;
  const rb = line.indexOf(']', at);
  if (rb < 0) return undefined;
  const info = line.slice(at + 3, rb);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!registered.has(name.toLowerCase())) return undefined;
  const props = space > 0 ? properties(info.slice(space + 1), ';', unescapeV1) : {};
  return { name: name.toLowerCase(), properties: props, data: unescapeV1(line.slice(rb + 1)) };
}

/** Replays the output of a step (stdout, or stdout and stderr as one stream) as the runner reads it. */
export function replayCommands(output: string): Replay {
  const registered = new Set<string>(RUNNER_COMMANDS);
  const replay: Replay = { commands: [], annotations: [], masks: [], unmatchedEndGroups: 0, ignoredWhileStopped: [], refused: [] };
  let stopToken: string | undefined;
  let depth = 0;
  output.split(/\r\n|\r|\n/).forEach((line, index) => {
    if (!line.includes('::') && !line.includes('##[')) return;
    const parsed = parseV2(line, registered) ?? parseV1(line, registered);
    if (!parsed) return;
    const command = { ...parsed, line: index };
    if (stopToken !== undefined) {
      if (command.name !== stopToken) return void replay.ignoredWhileStopped.push(line);
      registered.delete(stopToken);
      stopToken = undefined;
      return void replay.commands.push(command);
    }
    if (command.name === 'stop-commands') {
      const token = command.data.toLowerCase();
      if (!token || registered.has(token) || token === 'pause-logging') return void replay.refused.push(line);
      stopToken = token;
      registered.add(token);
      return void replay.commands.push(command);
    }
    replay.commands.push(command);
    if (command.name === 'add-mask' && command.data.trim()) replay.masks.push(command.data);
    if (command.name === 'error' || command.name === 'warning' || command.name === 'notice') {
      replay.annotations.push({ level: command.name, message: command.data, properties: command.properties });
    }
    if (command.name === 'group') depth++;
    if (command.name === 'endgroup') {
      if (depth === 0) replay.unmatchedEndGroups++;
      else depth--;
    }
  });
  replay.stoppedAtEnd = stopToken;
  return replay;
}

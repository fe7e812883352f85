import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { errorText } from '../errors.js';
import { processChildren, signalGroup, StoppingError } from './children.js';
import { formatDuration } from './deadline.js';
import { inertLine, inertLines, runnerLines } from './inert.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The signal that cancelled the step while the command ran: it was ended by the cancel (or never started). */
  cancelled?: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: Buffer | string;
  /** Do not echo the command and its output to the log. */
  silent?: boolean;
  /**
   * Where the command and its output are echoed when not silent: the runner reads stdout (the
   * default); the CLI keeps stdout for its report and echoes to stderr.
   */
  echo?: Writable;
  /** Ends the program's process group (SIGKILL) after this long; it then answers exit code 124. */
  timeoutMs?: number;
  /** Called once the program has started (a helper build is spawned before other work holds the event loop). */
  onSpawn?: () => void;
}

/** A child's output streams may stay open after it exited (a grandchild holds them): not longer than this. */
const STREAMS_AFTER_EXIT_MS = 10_000;

/** Writes whole lines, each made inert (the output is the program's, not the action's); a partial line waits for its end. */
function lineEcho(echo: Writable): { write: (data: string) => void; flush: () => void } {
  let pending = '';
  const emit = (text: string): void => {
    if (text)
      echo.write(
        runnerLines(text)
          .map((line) => `${inertLine(line)}\n`)
          .join(''),
      );
  };
  return {
    write: (data) => {
      pending += data;
      // A `\r` at the end may be the first half of `\r\n`: it waits for the next chunk.
      const whole = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
      const cut = Math.max(whole.lastIndexOf('\n'), whole.lastIndexOf('\r')) + 1;
      emit(pending.slice(0, cut));
      pending = pending.slice(cut);
    },
    flush: () => {
      emit(pending);
      pending = '';
    },
  };
}

/** Collects a stream's text; echoes it line by line, inert, when asked. */
function collect(stream: Readable, echo: Writable | undefined): () => string {
  const chunks: string[] = [];
  const lines = echo ? lineEcho(echo) : undefined;
  // Decoded as a whole: a character split across two chunks stays one character.
  stream.setEncoding('utf8');
  stream.on('data', (data: string) => {
    chunks.push(data);
    lines?.write(data);
  });
  // Before the child's close resolves run(): the last partial line is echoed with the rest.
  stream.once('end', () => lines?.flush());
  stream.once('close', () => lines?.flush());
  return () => chunks.join('');
}

/** The exit code of a child that ended by a signal is 128 + its number, as a shell says. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (signal ? (numbers[signal] ?? 1) : 1);
}

/**
 * Runs a program with an argv array (never a shell string) and returns its exit code and
 * output instead of throwing, so callers decide what a failure means. The program runs in its
 * own process group, known to the step's child registry, so a cancelled step ends it.
 */
export async function run(program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const echo = options.silent ? undefined : (options.echo ?? process.stdout);
  echo?.write(`${inertLines(`[command]${program} ${args.join(' ')}`)}\n`);
  let child;
  try {
    child = processChildren.spawn(program, args, {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : undefined,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const cancelled = error instanceof StoppingError ? (processChildren.cancelledBy ?? 'a cancel') : undefined;
    return { exitCode: cancelled ? 130 : 127, stdout: '', stderr: errorText(error), ...(cancelled ? { cancelled } : {}) };
  }
  if (options.onSpawn) child.once('spawn', options.onSpawn);
  const stdout = collect(child.stdout!, echo);
  const stderr = collect(child.stderr!, echo);
  if (options.input !== undefined) {
    child.stdin!.on('error', () => undefined); // A program that does not read its input closes the pipe early.
    child.stdin!.end(options.input);
  }
  let timedOut = false;
  const deadline =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
        }, options.timeoutMs);
  const ended = await new Promise<{ exitCode: number; error?: string }>((resolve) => {
    child.once('error', (error) => resolve({ exitCode: 127, error: errorText(error) }));
    child.once('exit', (code, signal) => {
      const exitCode = exitCodeOf(code, signal);
      const timer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ exitCode });
      }, STREAMS_AFTER_EXIT_MS);
      void once(child, 'close').then(() => {
        clearTimeout(timer);
        resolve({ exitCode });
      });
    });
  });
  clearTimeout(deadline);
  const cancelled = processChildren.cancelledBy;
  if (cancelled) return { exitCode: ended.exitCode, stdout: stdout(), stderr: stderr(), cancelled };
  if (timedOut)
    return { exitCode: 124, stdout: stdout(), stderr: `${stderr()}${program} did not end in ${formatDuration(options.timeoutMs!)}` };
  return { exitCode: ended.exitCode, stdout: stdout(), stderr: ended.error ? `${stderr()}${ended.error}` : stderr() };
}

/** The last meaningful line of a tool's error output (buildx ends with `ERROR: …`). */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (/^(ERROR|error)[:\s]/.test(line)) return line;
  }
  return lines.at(-1) ?? '';
}

import * as exec from '@actions/exec';
import type { Writable } from 'node:stream';
import { errorText } from '../errors.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: Buffer | string;
  /** Do not echo the command and its output to the log. */
  silent?: boolean;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

let echoStream: Writable | undefined;

/**
 * Where the commands and their output are echoed: the runner reads stdout (the default);
 * the CLI keeps stdout for its report and echoes to stderr.
 */
export function setEchoStream(stream: Writable | undefined): void {
  echoStream = stream;
}

/**
 * Runs a program with an argv array (never a shell string) and returns its exit code and
 * output instead of throwing, so callers decide what a failure means.
 */
export async function run(program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  try {
    const result = await exec.getExecOutput(program, [...args], {
      cwd: options.cwd,
      env: options.env ? { ...(process.env as Record<string, string>), ...options.env } : undefined,
      input: typeof options.input === 'string' ? Buffer.from(options.input) : options.input,
      silent: options.silent ?? false,
      outStream: echoStream,
      ignoreReturnCode: true,
      listeners: {
        stdline: options.onStdoutLine,
        errline: options.onStderrLine,
      },
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    // @actions/exec throws when the program cannot be found or started.
    return { exitCode: 127, stdout: '', stderr: errorText(error) };
  }
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

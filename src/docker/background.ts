import type { ChildProcess } from 'node:child_process';
import { errorText } from '../errors.js';
import { processChildren, signalGroup } from '../util/children.js';
import type { ExecResult } from '../util/exec.js';
import type { Background } from './client.js';

/** Starts `<program> <argv>` without waiting for it (compose `up` blocks on dependencies). */
export function startBackground(program: string, argv: string[], cwd: string, onLine?: (line: string) => void): Background {
  let child: ChildProcess;
  try {
    // In its own process group, known to the registry: a cancelled step ends it with the rest.
    child = processChildren.spawn(program, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const refused: ExecResult = { exitCode: 130, stdout: '', stderr: errorText(error) };
    return { done: Promise.resolve(refused), result: () => refused, stop: async () => undefined };
  }
  const output = { stdout: '', stderr: '' };
  let ended: ExecResult | undefined;
  const collect =
    (sink: 'stdout' | 'stderr') =>
    (data: Buffer): void => {
      const text = data.toString();
      output[sink] += text;
      if (onLine) for (const line of text.split(/\r?\n/)) if (line.trim()) onLine(line);
    };
  child.stdout!.on('data', collect('stdout'));
  child.stderr!.on('data', collect('stderr'));
  const done = new Promise<ExecResult>((resolve) => {
    child.on('error', (error) => resolve((ended = { exitCode: 127, stdout: output.stdout, stderr: output.stderr + error.message })));
    child.on('close', (code, signal) => resolve((ended = { exitCode: code ?? (signal ? 128 : 1), ...output })));
  });
  const signal = (name: NodeJS.Signals): void => (child.pid === undefined ? undefined : signalGroup(child.pid, name));
  return {
    done,
    result: () => ended,
    stop: async () => {
      if (ended) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

import type { ChildProcess } from 'node:child_process';
import { errorText } from '../errors.js';
import { processChildren, signalGroup } from '../util/children.js';
import type { Background, Ended } from './client.js';

/** Starts `<program> <argv>` without waiting for it (compose `up` blocks on dependencies). */
export function startBackground(program: string, argv: string[], cwd: string, onLine?: (line: string) => void): Background {
  let child: ChildProcess;
  try {
    // In its own process group, known to the registry: a cancelled step ends it with the rest.
    child = processChildren.spawn(program, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const refused: Ended = { exitCode: 130, output: `\n${errorText(error)}` };
    return { done: Promise.resolve(refused), result: () => refused, stop: () => Promise.resolve() };
  }
  const output = { stdout: '', stderr: '' };
  let ended: Ended | undefined;
  const end = (exitCode: number, error = ''): Ended => (ended = { exitCode, output: `${output.stdout}\n${output.stderr}${error}` });
  const collect =
    (sink: 'stdout' | 'stderr') =>
    (data: Buffer): void => {
      const text = data.toString();
      output[sink] += text;
      if (onLine) for (const line of text.split(/\r?\n/)) if (line.trim()) onLine(line);
    };
  child.stdout!.on('data', collect('stdout'));
  child.stderr!.on('data', collect('stderr'));
  const done = new Promise<Ended>((resolve) => {
    child.on('error', (error) => resolve(end(127, error.message)));
    child.on('close', (code, signal) => resolve(end(code ?? (signal ? 128 : 1))));
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

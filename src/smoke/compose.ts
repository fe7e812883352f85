import type { ChildProcess } from 'node:child_process';
import { errorText } from '../errors.js';
import { processChildren, signalGroup } from '../util/children.js';
import { lastErrorLine, run, type ExecResult } from '../util/exec.js';
import { mergeSamples, parseInspect, parsePs, type ContainerSample } from './readiness.js';

/** The compose project of one smoke test: its own name, the user's files, then the override. */
export interface ComposeProject {
  name: string;
  files: string[];
  /** Where compose runs (the workspace). */
  cwd: string;
}

/** Pure: `docker compose -p <name> -f <file>...` for a project. */
export function composeArgv(project: Pick<ComposeProject, 'name' | 'files'>, ...command: string[]): string[] {
  return ['compose', '-p', project.name, ...project.files.flatMap((f) => ['-f', f]), ...command];
}

/** Pure: the argv of `up` (detached; the smoke test does its own waiting). */
export function upArgv(project: Pick<ComposeProject, 'name' | 'files'>): string[] {
  return composeArgv(project, 'up', '--detach', '--quiet-pull', '--no-color');
}

/** Pure: the argv of `down`, removing volumes and orphans; no grace period: it is a throwaway test stack. */
export function downArgv(project: Pick<ComposeProject, 'name' | 'files'>): string[] {
  return composeArgv(project, 'down', '--volumes', '--remove-orphans', '--timeout', '0');
}

export async function composeConfig(project: ComposeProject): Promise<ExecResult> {
  return run('docker', composeArgv(project, 'config', '--format', 'json'), { cwd: project.cwd, silent: true });
}

/** A command running in the background that can be stopped. */
export interface Background {
  done: Promise<ExecResult>;
  /** The result once it has ended. */
  result(): ExecResult | undefined;
  /** Ends it (SIGTERM, then SIGKILL) and waits until it has. */
  stop(): Promise<void>;
}

/** Starts `docker <argv>` without waiting for it (compose `up` blocks on dependencies). */
export function startBackground(argv: string[], cwd: string, onLine?: (line: string) => void): Background {
  let child: ChildProcess;
  try {
    // In its own process group, known to the registry: a cancelled step ends it with the rest.
    child = processChildren.spawn('docker', argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const refused: ExecResult = { exitCode: 130, stdout: '', stderr: errorText(error) };
    return { done: Promise.resolve(refused), result: () => refused, stop: async () => undefined };
  }
  const stop = (signal: NodeJS.Signals): void => (child.pid === undefined ? undefined : signalGroup(child.pid, signal));
  let stdout = '';
  let stderr = '';
  let ended: ExecResult | undefined;
  const collect = (sink: 'out' | 'err') => (data: Buffer): void => {
    const text = data.toString();
    if (sink === 'out') stdout += text;
    else stderr += text;
    if (onLine) for (const line of text.split(/\r?\n/)) if (line.trim()) onLine(line);
  };
  child.stdout!.on('data', collect('out'));
  child.stderr!.on('data', collect('err'));
  const done = new Promise<ExecResult>((resolve) => {
    child.on('error', (error) => {
      ended = { exitCode: 127, stdout, stderr: stderr + error.message };
      resolve(ended);
    });
    child.on('close', (code, signal) => {
      ended = { exitCode: code ?? (signal ? 128 : 1), stdout, stderr };
      resolve(ended);
    });
  });
  return {
    done,
    result: () => ended,
    stop: async () => {
      if (ended) return;
      stop('SIGTERM');
      const timer = setTimeout(() => stop('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** One poll: every container of the project, with what `docker inspect` knows about it. */
export async function sampleProject(project: ComposeProject): Promise<ContainerSample[]> {
  const ps = await run('docker', composeArgv(project, 'ps', '--all', '--format', 'json'), { cwd: project.cwd, silent: true });
  if (ps.exitCode !== 0) throw new Error(`docker compose ps failed: ${lastErrorLine(ps.stderr)}`);
  const entries = parsePs(ps.stdout);
  if (entries.length === 0) return [];
  const inspect = await run('docker', ['inspect', ...entries.map((e) => e.id)], { silent: true });
  // A container can vanish between the two calls; inspect then fails and compose ps alone speaks.
  return mergeSamples(entries, inspect.exitCode === 0 ? parseInspect(inspect.stdout) : []);
}

/** Pure: text without terminal escape sequences (compose logs erase lines even with --no-color). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

/** The last lines a service logged. */
export async function serviceLogs(project: ComposeProject, service: string, lines = 100): Promise<string> {
  const logs = await run('docker', composeArgv(project, 'logs', '--no-color', '--no-log-prefix', '--tail', String(lines), service), {
    cwd: project.cwd,
    silent: true,
  });
  return stripAnsi(logs.stdout + (logs.exitCode === 0 ? '' : logs.stderr)).trimEnd();
}

/** What cleanup removed or could not remove. */
export interface CleanupReport {
  problems: string[];
}

/**
 * Removes everything of the project: `down -v --remove-orphans`, then a sweep by the
 * project's label for anything compose did not know about (a container `up` created while
 * it was being stopped, a volume of a file that no longer parses). Never throws.
 */
export async function removeProject(project: ComposeProject): Promise<CleanupReport> {
  const problems: string[] = [];
  const down = await run('docker', downArgv(project), { cwd: project.cwd, silent: true });
  if (down.exitCode !== 0) problems.push(`docker compose down: ${lastErrorLine(down.stderr)}`);
  const label = `label=com.docker.compose.project=${project.name}`;
  const sweep = async (list: string[], remove: string[]): Promise<void> => {
    const found = await run('docker', list, { silent: true });
    const ids = found.stdout.split(/\s+/).filter(Boolean);
    if (ids.length === 0) return;
    const removed = await run('docker', [...remove, ...ids], { silent: true });
    if (removed.exitCode !== 0) problems.push(`docker ${remove.join(' ')}: ${lastErrorLine(removed.stderr)}`);
  };
  await sweep(['ps', '--all', '--quiet', '--filter', label], ['rm', '--force', '--volumes']);
  await sweep(['network', 'ls', '--quiet', '--filter', label], ['network', 'rm']);
  await sweep(['volume', 'ls', '--quiet', '--filter', label], ['volume', 'rm', '--force']);
  return { problems };
}

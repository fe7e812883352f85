/**
 * Runs the bundled action the way a GitHub runner does: INPUT_* variables with action.yml's
 * defaults, GITHUB_OUTPUT/STATE/STEP_SUMMARY files, an event payload, then the post step with
 * the saved state as STATE_* variables.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { tempDir } from './temp.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; main: string; post?: string };
}

export function readActionYaml(): ActionYaml {
  return parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;
}

/** Parses the runner's file-command format (name<<DELIM … DELIM, or name=value). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[name!] = value.join('\n');
    } else if (line.includes('=')) {
      const eq = line.indexOf('=');
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

export interface StepResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  durationMs: number;
  /** When the cancel signal was sent, in ms after the step started (cancelWhen). */
  cancelledAtMs?: number;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  /** Extra environment (e.g. ACTIONS_RESULTS_URL for a local cache service). */
  env?: Record<string, string>;
  eventName?: string;
  event?: Record<string, unknown>;
  ref?: string;
  sha?: string;
  repository?: string;
  /** The workspace (GITHUB_WORKSPACE and the working directory). */
  workspace?: string;
  token?: string;
  /** Run the post step after main (default true). */
  post?: boolean;
  timeoutMs?: number;
  /** Cancel the main step (SIGINT, as a runner does) once its output matches; the post step still runs. */
  cancelWhen?: RegExp;
  /** The signal cancelWhen and signal send (default SIGINT, the runner's first). */
  cancelSignal?: NodeJS.Signals;
  /**
   * Cancels the main step (cancelSignal: SIGINT, as a runner does) when aborted; the post step still runs. The
   * step then runs in a process group of its own, so a terminal's Ctrl-C reaches it once, from here.
   */
  signal?: AbortSignal;
  /** Each whole line either step prints to stdout, as it comes (a runner's live log). */
  onLine?: (line: string, step: 'main' | 'post') => void;
}

export interface ActionRun {
  main: StepResult;
  post?: StepResult;
  summary: string;
  runnerTemp: string;
  /** Entries left in RUNNER_TEMP after the post step. */
  leftovers: string[];
}

const STRIPPED_ENV = /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/;

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !STRIPPED_ENV.test(k)) env[k] = v;
  return env;
}

interface Watch {
  cancelWhen?: RegExp;
  cancelSignal?: NodeJS.Signals;
  abort?: AbortSignal;
  onLine?: (line: string) => void;
}

async function runNode(
  script: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  watch: Watch = {},
): Promise<Omit<StepResult, 'outputs' | 'state'>> {
  const started = Date.now();
  const { cancelWhen, cancelSignal = 'SIGINT', abort, onLine } = watch;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: abort !== undefined });
    let stdout = '';
    let stderr = '';
    let cancelledAtMs: number | undefined;
    const onAbort = (): void => {
      cancelledAtMs ??= Date.now() - started;
      child.kill(cancelSignal);
    };
    if (abort?.aborted) onAbort();
    else abort?.addEventListener('abort', onAbort, { once: true });
    let lineStart = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (let end = stdout.indexOf('\n', lineStart); onLine && end >= 0; end = stdout.indexOf('\n', lineStart)) {
        onLine(stdout.slice(lineStart, end));
        lineStart = end + 1;
      }
      if (cancelWhen && cancelledAtMs === undefined && cancelWhen.test(stdout)) {
        cancelledAtMs = Date.now() - started;
        child.kill(cancelSignal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      resolvePromise({ exitCode: code ?? 1, stdout, stderr, durationMs: Date.now() - started, cancelledAtMs });
    });
  });
}

/**
 * Inputs whose action.yml default reaches the internet: tests that do not set them get a local
 * stand-in (the vulnerability database: an empty one, so no run waits on a host it cannot reach).
 */
const TEST_DEFAULTS: Record<string, string> = { 'vuln-db': `file://${ROOT}/test/fixtures/vulndb/empty` };

export async function runAction(opts: RunOptions = {}): Promise<ActionRun> {
  const action = readActionYaml();
  if (action.runs.using !== 'node24') throw new Error(`action.yml runs.using is ${action.runs.using}`);
  const dir = tempDir('runner');
  const runnerTemp = join(dir, 'temp');
  const files = { output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary'), event: join(dir, 'event.json') };
  for (const f of [files.output, files.state, files.summary]) writeFileSync(f, '');
  writeFileSync(files.event, JSON.stringify(opts.event ?? {}));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(runnerTemp);
  const workspace = opts.workspace ?? ROOT;
  const token = opts.token ?? 'ghs_fake_token_for_tests_0123456789';

  const env = baseEnv();
  for (const [name, spec] of Object.entries(action.inputs)) {
    let value = opts.inputs?.[name] ?? TEST_DEFAULTS[name] ?? spec.default ?? '';
    if (value === '${{ github.token }}') value = token;
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const name of Object.keys(opts.inputs ?? {})) {
    if (!(name in action.inputs)) throw new Error(`input '${name}' is not in action.yml`);
  }
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: opts.eventName ?? 'push',
    GITHUB_REF: opts.ref ?? 'refs/heads/main',
    GITHUB_SHA: opts.sha ?? '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REPOSITORY: opts.repository ?? 'octo-org/hello',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.invalid',
    GITHUB_RUN_ID: '4242',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    ...opts.env,
  });
  const timeout = opts.timeoutMs ?? 15 * 60_000;
  const main = await runNode(join(ROOT, action.runs.main), env, workspace, timeout, {
    cancelWhen: opts.cancelWhen,
    cancelSignal: opts.cancelSignal,
    abort: opts.signal,
    onLine: opts.onLine && ((line) => opts.onLine!(line, 'main')),
  });
  const mainResult: StepResult = {
    ...main,
    outputs: parseFileCommands(readFileSync(files.output, 'utf8')),
    state: parseFileCommands(readFileSync(files.state, 'utf8')),
  };
  let post: StepResult | undefined;
  if (opts.post !== false && action.runs.post) {
    const postEnv = { ...env };
    for (const [k, v] of Object.entries(mainResult.state)) postEnv[`STATE_${k}`] = v;
    writeFileSync(files.output, '');
    const p = await runNode(join(ROOT, action.runs.post), postEnv, workspace, timeout, {
      onLine: opts.onLine && ((line) => opts.onLine!(line, 'post')),
    });
    post = { ...p, outputs: parseFileCommands(readFileSync(files.output, 'utf8')), state: {} };
  }
  return {
    main: mainResult,
    post,
    summary: readFileSync(files.summary, 'utf8'),
    runnerTemp,
    leftovers: existsSync(runnerTemp) ? readdirSync(runnerTemp) : [],
  };
}

/** The annotations a step printed, in the workflow-command form a runner reads. */
export function annotations(stdout: string): { level: string; props: string; message: string }[] {
  const out: { level: string; props: string; message: string }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line);
    if (m) out.push({ level: m[1]!, props: (m[2] ?? '').trim(), message: m[3]! });
  }
  return out;
}

/** The values a step masked (`::add-mask::`), unescaped as the runner reads them. */
export function maskedValues(stdout: string): string[] {
  return [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1]!.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'));
}

/** A step's log as the runner shows it: without the mask commands (whose values it then hides). */
export function withoutMaskCommands(stdout: string): string {
  return stdout.replace(/^::add-mask::.*$/gm, '');
}

/**
 * Runs the CLI (bin/) in `cwd` as on a laptop: none of a runner's GITHUB_/INPUT_/RUNNER_
 * variables; `over` sets variables (undefined: removes one).
 */
export function runCli(args: string[], cwd: string, over: Record<string, string | undefined> = {}): SpawnSyncReturns<string> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(GITHUB_|INPUT_|RUNNER_)/.test(k)) delete env[k];
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return spawnSync(process.execPath, [join(ROOT, 'bin/go-container-action.js'), ...args], { cwd, env, encoding: 'utf8' });
}

import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { TerminalReporter } from './cli-reporter.js';
import { loadContext, type RunContext } from './context.js';
import { failureMessage, InputError } from './errors.js';
import { inputSecrets, parseInputs } from './inputs.js';
import { INPUT_DEFAULTS, INPUT_NAMES, INPUTS, isInputName, type Capability, type InputName, type InputSpec } from './input-table.js';
import { runPipeline } from './pipeline/pipeline.js';
import { runCleanup } from './post.js';
import type { Cancellation } from './util/cancel.js';
import { DockerCli } from './docker/cli.js';
import { actionsArtifactService } from './actions-artifact/service.js';
import { actionsCacheService, type CacheService } from './actions-cache/service.js';
import { artifactWorkerLaunch, cacheWorkerLaunch } from './actions-cache/worker-client.js';
import { processChildren } from './util/children.js';
import { githubClient } from './github/api.js';
import { systemClock } from './util/clock.js';

const HELP_GROUPS: Record<Capability, string> = {
  build: 'Build',
  release: 'Release tags',
  checks: 'Dockerfile checks',
  smoke: 'Compose smoke test',
  size: 'Image size and PR comment',
  cache: 'Go cache',
  report: 'Reporting',
};

function flagLine(name: InputName): string {
  const spec: InputSpec = INPUTS[name];
  const value = spec.kind === 'boolean' ? '[true|false]' : spec.kind === 'key-value' ? 'KEY=VALUE' : 'VALUE';
  const fallback = name === 'github-token' ? 'from GITHUB_TOKEN' : spec.default;
  return `  --${name} ${value}${fallback ? ` (${fallback})` : ''}`;
}

/** Pure: --help, from the input table (grouped by capability, with each default). */
export function usage(): string {
  const groups = Object.entries(HELP_GROUPS).map(([owner, title]) => {
    const lines = INPUT_NAMES.filter((n) => INPUTS[n].owner === owner).map(flagLine);
    return `${title}:\n${lines.join('\n')}`;
  });
  return `Usage: go-container-action [--INPUT VALUE]...

Runs the action's pipeline on this machine, with flags named like the action's inputs.
Repeat a flag for list inputs (--tags a --tags b, --build-args K=V --build-args K2=V2).
A boolean flag alone means true (--push); --push=false or --push false turns it off.

${groups.join('\n\n')}

Other flags:
  --verbose        show debug lines
  --json           print the outputs as JSON on stdout
  --help`;
}

export interface CliArgs {
  values: Partial<Record<InputName, string>>;
  verbose: boolean;
  json: boolean;
  help: boolean;
}

/** Pure: parses flags that mirror the inputs. Repeated flags join with new lines. */
export function parseCliArgs(argv: string[]): CliArgs {
  const values: Partial<Record<InputName, string>> = {};
  const result: CliArgs = { values, verbose: false, json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      result.help = true;
      continue;
    }
    if (arg === '--verbose') {
      result.verbose = true;
      continue;
    }
    if (arg === '--json') {
      result.json = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new InputError(arg, `unexpected argument. Flags look like --platforms linux/amd64 (see --help).`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!isInputName(name)) throw new InputError(name, `is not an input of the action (see --help).`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (INPUTS[name].kind === 'boolean' && !/^(true|false)$/i.test(argv[i + 1] ?? '')) value = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new InputError(name, 'needs a value.');
      value = next;
      i++;
    }
    values[name] = values[name] !== undefined ? `${values[name]}\n${value}` : value;
  }
  return result;
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Outside a runner, the ref and commit come from the checkout the CLI runs in. */
function cliContext(cwd: string): RunContext {
  const env = { ...process.env };
  if (!env.GITHUB_REF) {
    const tag = git(['describe', '--tags', '--exact-match'], cwd);
    const branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
    if (tag) env.GITHUB_REF = `refs/tags/${tag}`;
    else if (branch && branch !== 'HEAD') env.GITHUB_REF = `refs/heads/${branch}`;
  }
  env.GITHUB_SHA ||= git(['rev-parse', 'HEAD'], cwd);
  return loadContext(env, cwd, tmpdir());
}

/** The comment-only mode reads a workflow_run event: a terminal has none. */
function refuseCommentOnly(read: (name: InputName) => string): void {
  if (read('comment-from').trim())
    throw new InputError(
      'comment-from',
      "is the action's comment-only mode, for a workflow_run job. Expected it in a workflow step, not on the CLI.",
    );
}

/** `cancellation`: on Ctrl-C the cleanup runs there, once the commands are ended. */
export async function main(argv: string[], cancellation?: Cancellation): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`error: ${failureMessage(error)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const reporter = new TerminalReporter(process.stderr, undefined, args.verbose);
  // The CLI keeps stdout for its report: the build's own output goes to stderr.
  const docker = new DockerCli(process.stderr);
  const cwd = process.cwd();
  // Built with the run context; a context that cannot be read leaves nothing for the cache to save.
  let cache: CacheService | undefined;
  const cleanup = (): Promise<void> => runCleanup((name) => reporter.state[name] ?? '', { reporter, docker, cache });
  cancellation?.setCleanup(cleanup);
  let code = 0;
  try {
    const ctx = cliContext(cwd);
    // The CLI keeps stdout for its report: the cache worker logs to stderr.
    const workers = { launch: cacheWorkerLaunch(), env: process.env, cwd, registry: processChildren, logTo: 'stderr' as const };
    cache = actionsCacheService(workers, ctx.deadlineScale);
    const read = (name: InputName): string =>
      args.values[name] ?? (name === 'github-token' ? (process.env.GITHUB_TOKEN ?? '') : INPUT_DEFAULTS[name]);
    refuseCommentOnly(read);
    const inputs = parseInputs(read, cwd);
    for (const secret of inputSecrets(inputs)) reporter.setSecret(secret);
    const github = githubClient(ctx);
    const artifacts = actionsArtifactService({ ...workers, launch: artifactWorkerLaunch() }, ctx.deadlineScale);
    const outcome = await runPipeline(inputs, {
      reporter,
      ctx,
      docker,
      cache,
      artifacts,
      clock: systemClock,
      github,
      cancel: cancellation,
    });
    if (outcome.failures.length) {
      for (const f of outcome.failures) reporter.error(f);
      code = 1;
    }
  } catch (error) {
    reporter.error(failureMessage(error));
    code = 1;
  } finally {
    // After a cancel the cancellation runs the cleanup, once the commands are ended.
    if (!cancellation?.signal) await cleanup();
  }
  if (args.json) process.stdout.write(JSON.stringify(reporter.outputs, null, 2) + '\n');
  else reporter.printReport();
  return code;
}

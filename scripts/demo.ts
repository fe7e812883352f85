/**
 * The demo: the bundled action on examples/hello, run as a runner runs it (INPUT_* with
 * action.yml's defaults, the runner's files, an event payload, the main step then the post
 * step), twice on fresh runners against the local stack and two loopback services (an Actions
 * cache service and the GitHub API): a push to main saves the size baseline and the Go caches,
 * then a pull request with a one-line change restores them and gets its size comment.
 * Run by scripts/demo.sh (`npm run demo`): Node strips the types, scripts/demo/register-ts.mjs
 * resolves the sources' `.js` imports.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCacheServer, type CacheServer } from '../test/support/cache-server.ts';
import { FakeGitHub } from '../test/support/fake-github.ts';
import { ROOT, runAction, type ActionRun } from '../test/support/runner.ts';
import { stack } from '../test/support/stack.ts';
import { removeTempDirs } from '../test/support/temp.ts';
import { copyApp } from '../test/support/workspace.ts';
import type { SizeReport } from '../src/size/report.ts';
import { renderForTerminal } from '../src/terminal/render.ts';
import { buildSeconds, comparison, describeRestored, restoredCaches, savedSentence, sizeLine, vulnSentence } from './demo/story.ts';
import { StepLog, color, heading, note, fact, style } from './demo/print.ts';

const PLATFORMS = process.env.GCA_DEMO_PLATFORMS || 'linux/amd64,linux/arm64';
const IMAGE = `${stack.registry}/demo/hello`;
const TOKEN = 'ghs_demo_token_not_a_secret_0123456789';
const REPOSITORY = 'octo-org/hello';
const BASE_SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const PR_SHA = 'f00dbabe0123456789abcdef0123456789abcdef';
const PR = 7;
/** The pull request's one line: scratch has no /usr/share/zoneinfo, so the binary embeds it. */
const CHANGE = {
  file: 'main.go',
  after: '\t"time"\n',
  line: '\t_ "time/tzdata" // scratch has no zoneinfo: LoadLocation needs the embedded copy\n',
};
/**
 * The pull request's bump: example.com/greeting v1.0.0 (from the local module proxy) has a known
 * vulnerability in the demo's fixture database (GCA-2026-0004, in Hello, which the service
 * calls), fixed in v1.1.0.
 */
const BUMP = {
  module: 'example.com/greeting',
  from: 'v1.0.0',
  to: 'v1.1.0',
  goSum: [
    'example.com/greeting v1.1.0 h1:do7CGxjwclXuJOxW6svDnBsLuOcIUU0tPu+hzM/PPoY=',
    'example.com/greeting v1.1.0/go.mod h1:roxsVKAUgvTWinC1gnyJ5gm+U3OZLtfwVrClIWy+oEs=',
  ],
};
/** The Go vulnerability database the demo reads: the project's fixture tree (real stdlib entries, and its own for the fixture modules). */
const VULN_DB = `file://${join(ROOT, 'test/fixtures/vulndb/db')}`;

const run$ = promisify(execFile);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const abort = new AbortController();
const started = Date.now();

/** The workflow step, the same `with:` on both events (push only off pull requests). */
function inputs(event: 'push' | 'pull_request'): Record<string, string> {
  return {
    platforms: PLATFORMS,
    images: IMAGE,
    push: String(event !== 'pull_request'),
    'build-args': `GO_IMAGE=${stack.goImage}`,
    'compose-file': 'compose.yaml',
    'size-budget': '20MB',
    'size-budget-increase': '10%',
    'vuln-db': VULN_DB,
  };
}

/** A fresh runner: BuildKit keeps nothing (cache mounts included) from the run before. */
async function freshRunner(): Promise<void> {
  note("a fresh runner: BuildKit's build cache wiped (the demo runs docker buildx prune --all --force on this engine)");
  await run$('docker', ['buildx', 'prune', '--all', '--force'], { signal: abort.signal });
}

/** A run of the action, with the seconds each of its log groups took. */
interface Step {
  run: ActionRun;
  groups: Map<string, number>;
}

async function runStep(title: string, opts: Parameters<typeof runAction>[0]): Promise<Step> {
  if (abort.signal.aborted) throw new Interrupted();
  const log = new StepLog(title);
  const run = await runAction({ ...opts, signal: abort.signal, onLine: (line, step) => log.line(line, step) });
  log.end(run);
  if (abort.signal.aborted) throw new Interrupted();
  if (run.main.exitCode !== 0 || run.post?.exitCode !== 0) {
    const tail = run.main.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::group') && !l.startsWith('::endgroup'))
      .slice(-40);
    throw new Error(
      `the action failed (main step exit ${run.main.exitCode}, post step exit ${run.post?.exitCode}); the end of its log:\n${tail.join('\n')}\n${run.post?.stdout ?? ''}`,
    );
  }
  return { run, groups: log.groups };
}

class Interrupted extends Error {}

function report(run: ActionRun): SizeReport | undefined {
  try {
    return JSON.parse(run.main.outputs['size-report'] ?? '') as SizeReport;
  } catch {
    return undefined;
  }
}

async function basePush(cache: CacheServer, github: FakeGitHub): Promise<Step> {
  heading(`1/2 base branch push: main at ${BASE_SHA.slice(0, 7)}`);
  await freshRunner();
  const app = copyApp('examples/hello');
  const step = await runStep('push to main', {
    workspace: app.dir,
    eventName: 'push',
    ref: 'refs/heads/main',
    sha: BASE_SHA,
    event: { ref: 'refs/heads/main', after: BASE_SHA, repository: { full_name: REPOSITORY, default_branch: 'main' } },
    repository: REPOSITORY,
    token: TOKEN,
    inputs: inputs('push'),
    env: { ...cache.env, GITHUB_API_URL: github.url },
  });
  const { run } = step;
  const restored = restoredCaches(run.main.outputs['go-cache-restored']);
  const found = restored.filter((c) => c.key);
  if (found.length === 0)
    fact(
      `Go cache: ${restored.length} cache mount(s) in the Dockerfile, nothing to restore yet (the Actions cache is empty): a cold build`,
    );
  else fact(`Go cache restored: ${describeRestored(found).join('; ')}`);
  fact(`pushed ${run.main.outputs.tags?.split('\n').join(', ')}`);
  for (const p of report(run)?.platforms ?? []) fact(sizeLine(p));
  fact(`smoke test (compose.yaml): ${run.main.outputs['smoke-status']}`);
  fact(`known vulnerabilities (${VULN_DB.replace(`file://${ROOT}/`, '')}): ${vulnSentence(run.main.outputs.vulnerabilities)}`);
  fact(`saved to the Actions cache (compressed): ${savedSentence(cache.entries(), [], restored)}`);
  return step;
}

/** The pull request's go.mod and go.sum with the module bumped. */
function bumpModule(dir: string): void {
  const goMod = join(dir, 'go.mod');
  const text = readFileSync(goMod, 'utf8');
  const from = `${BUMP.module} ${BUMP.from}`;
  if (!text.includes(from)) throw new Error(`examples/hello/go.mod does not require ${from} to bump`);
  writeFileSync(goMod, text.replace(from, `${BUMP.module} ${BUMP.to}`));
  writeFileSync(join(dir, 'go.sum'), `${BUMP.goSum.join('\n')}\n`);
}

async function pullRequest(cache: CacheServer, github: FakeGitHub, cold: Step): Promise<void> {
  heading(`2/2 pull request #${PR}: feature/tzdata-greeting into main`);
  const app = copyApp('examples/hello');
  const main = join(app.dir, CHANGE.file);
  const source = readFileSync(main, 'utf8');
  if (!source.includes(CHANGE.after))
    throw new Error(`examples/hello/${CHANGE.file} has no line ${JSON.stringify(CHANGE.after.trim())} to add the change after`);
  writeFileSync(main, source.replace(CHANGE.after, CHANGE.after + CHANGE.line));
  bumpModule(app.dir);
  note(`the change, one line in ${CHANGE.file}:`);
  console.log(style('32', `    + ${CHANGE.line.trim()}`));
  note(`and ${BUMP.module} bumped in go.mod and go.sum (its ${BUMP.from} has a known vulnerability, fixed in ${BUMP.to}):`);
  console.log(style('31', `    - require ${BUMP.module} ${BUMP.from}`));
  console.log(style('32', `    + require ${BUMP.module} ${BUMP.to}`));
  note("go.sum changed, so the Go module cache is restored from main's entry by prefix, not by its exact key");
  note('a new checkout, new work and temp dirs (RUNNER_TEMP)');
  await freshRunner();
  const before = cache.entries().map((e) => e.key);
  const { run, groups } = await runStep(`pull request #${PR}`, {
    workspace: app.dir,
    eventName: 'pull_request',
    ref: `refs/pull/${PR}/merge`,
    sha: PR_SHA,
    event: {
      number: PR,
      pull_request: {
        number: PR,
        head: { ref: 'feature/tzdata-greeting', sha: PR_SHA, repo: { full_name: REPOSITORY } },
        base: { ref: 'main', repo: { full_name: REPOSITORY } },
      },
      repository: { full_name: REPOSITORY, default_branch: 'main' },
    },
    repository: REPOSITORY,
    token: TOKEN,
    inputs: inputs('pull_request'),
    env: { ...cache.env, GITHUB_API_URL: github.url },
  });
  const restored = restoredCaches(run.main.outputs['go-cache-restored']);
  fact(`Go cache restored (go-cache-hit ${run.main.outputs['go-cache-hit']}): ${describeRestored(restored).join('; ')}`);
  fact(comparison(buildSeconds(cold.run.main.stdout), buildSeconds(run.main.stdout), groups.get('Restoring Go caches')));
  fact(`the whole main step: ${seconds(cold.run.main.durationMs)} cold, ${seconds(run.main.durationMs)} with the Go cache`);
  const sizes = report(run);
  fact(
    sizes?.baseline
      ? `baseline found: main's size report from the Actions cache (${sizes.baseline})`
      : `no baseline: ${sizes?.baselineNote ?? 'no size report'}`,
  );
  for (const p of sizes?.platforms ?? []) fact(sizeLine(p));
  fact(`smoke test (compose.yaml): ${run.main.outputs['smoke-status']}`);
  fact(`known vulnerabilities: ${vulnSentence(run.main.outputs.vulnerabilities)}`);
  fact(`saved to the Actions cache (compressed): ${savedSentence(cache.entries(), before, restored)}`);
  const comment = github.comments.find((c) => c.issue === PR);
  if (!comment) throw new Error(`no size comment on pull request #${PR} (comment-url output: '${run.main.outputs['comment-url'] ?? ''}')`);
  console.log(
    `\n${style('1', `The size comment on pull request #${PR}, as a reviewer sees it`)} (${comment.login}, ${run.main.outputs['comment-url']}):\n`,
  );
  console.log(renderForTerminal(comment.body, { color, width: process.stdout.columns }).trimEnd());
}

/** The image tags the pushes left in the engine's own image store (the registry keeps its copies). */
async function removeLocalImages(): Promise<void> {
  const { stdout } = await run$('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${IMAGE}`]).catch(
    () => ({ stdout: '' }),
  );
  const refs = stdout.split('\n').filter((l) => l.trim() !== '');
  if (refs.length) await run$('docker', ['image', 'rm', ...refs]).catch(() => undefined);
}

/**
 * The first Ctrl-C cancels the running step (a runner's cancel: its post step still runs) and
 * then cleans up; a second one, a second or more later, leaves at once. npm forwards the
 * terminal's signal too, so signals within that second are the same Ctrl-C.
 */
let firstSignalAt: number | undefined;
function onSignal(signal: NodeJS.Signals): void {
  if (firstSignalAt === undefined) {
    firstSignalAt = Date.now();
    console.log(
      `\n${signal}: cancelling the running step (its post step still cleans up), then stopping the demo's services and removing its temp dirs`,
    );
    abort.abort();
    return;
  }
  if (Date.now() - firstSignalAt < 1000) return;
  console.log(`${signal} again: leaving now (the step's cancel goes on in the background)`);
  removeTempDirs();
  process.exit(130);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const cache = await startCacheServer();
const github = new FakeGitHub({ token: TOKEN });
try {
  await github.start();
  console.log(style('1', 'go-container-action demo: a push to main, then a pull request, each on a fresh runner'));
  note(`the action's dist/ runs as a runner runs it, main step then post step; platforms ${PLATFORMS}; images ${IMAGE}`);
  note(`on loopback: an Actions cache service (${cache.url}) and the GitHub API (${github.url})`);
  const cold = await basePush(cache, github);
  await pullRequest(cache, github, cold);
  console.log(style('1', `\nDone in ${((Date.now() - started) / 1000).toFixed(0)} s.`));
} catch (error) {
  if (error instanceof Interrupted || abort.signal.aborted) {
    process.exitCode = 130;
  } else {
    console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
} finally {
  await cache.close();
  await github.stop();
  await removeLocalImages();
  removeTempDirs();
  console.log(style('2', "cleaned up: the two loopback services, the demo's temp dirs, the image tags the push left in the engine"));
}

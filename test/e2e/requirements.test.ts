/**
 * The runner and the tools are checked before any work: a runner that is not Linux is refused
 * at once, with no docker command run; a buildx or compose older than what the inputs need is
 * refused before the build, with one error naming the tool, its version and the version needed.
 * A docker wrapper first on PATH logs every command and answers the version questions it is
 * told to; everything else goes to the real docker.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { tempDir } from '../support/temp.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('examples/hello');
afterAll(() => app.remove());

const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();

/** A `docker` that logs its arguments, answers `buildx version` / `compose version` as given, and runs the real one otherwise. */
function dockerWrapper(answers: { buildx?: string; compose?: string } = {}): { path: string; log: string } {
  const dir = tempDir('docker-wrapper');
  const log = join(dir, 'calls.log');
  const lines = [
    '#!/bin/sh',
    `printf '%s\\n' "$*" >> '${log}'`,
    answers.buildx ? `[ "$1 $2" = "buildx version" ] && { echo '${answers.buildx}'; exit 0; }` : '',
    answers.compose ? `[ "$1 $2" = "compose version" ] && { echo '${answers.compose}'; exit 0; }` : '',
    `exec '${realDocker}' "$@"`,
  ];
  writeFileSync(join(dir, 'docker'), lines.join('\n') + '\n');
  chmodSync(join(dir, 'docker'), 0o755);
  return { path: `${dir}:${process.env.PATH}`, log };
}

const calls = (log: string): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
const errorsOf = (run: ActionRun): string[] =>
  annotations(run.main.stdout)
    .filter((a) => a.level === 'error')
    .map((a) => a.message);

describe('the runner and the tools are checked first', () => {
  it('a macOS runner is refused at once: one error naming it and Linux, no docker command', async () => {
    const wrapper = dockerWrapper();
    const run = await runAction({
      workspace: app.dir,
      env: { RUNNER_OS: 'macOS', PATH: wrapper.path },
      inputs: { push: 'true', tags: 'r/a:1' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(errorsOf(run)).toEqual([
      'This runner is macOS (RUNNER_OS); the action needs a Linux runner (e.g. runs-on: ubuntu-latest): ' +
        'its buildx builds, the Go cache mounts and the compose smoke test run on a Linux Docker engine.',
    ]);
    expect(calls(wrapper.log)).toEqual([]);
    // Nothing else ran: no log group, and the inputs were not read (push without tags is refused otherwise).
    expect(run.main.stdout).not.toMatch(/::group::/);
    expect(run.main.stdout + run.main.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(run.post?.exitCode).toBe(0);
    expect(calls(wrapper.log)).toEqual([]);
  });

  it('a Windows runner too', async () => {
    const wrapper = dockerWrapper();
    const run = await runAction({ workspace: app.dir, env: { RUNNER_OS: 'Windows', PATH: wrapper.path } });
    expect(run.main.exitCode).toBe(1);
    expect(errorsOf(run)).toHaveLength(1);
    expect(errorsOf(run)[0]).toMatch(/^This runner is Windows \(RUNNER_OS\); the action needs a Linux runner/);
    expect(calls(wrapper.log)).toEqual([]);
  });

  it('a buildx older than 0.12 with annotations is refused before the build, naming both versions', async () => {
    const wrapper = dockerWrapper({ buildx: 'github.com/docker/buildx v0.11.2 9872040' });
    const run = await runAction({
      workspace: app.dir,
      env: { PATH: wrapper.path },
      inputs: { 'build-args': `GO_IMAGE=${stack.goImage}`, annotations: 'manifest:org.opencontainers.image.title=x' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(errorsOf(run)).toHaveLength(1);
    expect(errorsOf(run)[0]).toMatch(
      /^This runner's tools are too old for what the inputs ask: buildx is 0\.11\.2; annotations \(the --annotation flag\) needs buildx 0\.12\.0 or later\./,
    );
    expect(calls(wrapper.log).filter((c) => c.startsWith('buildx build'))).toEqual([]);
  });

  it('a compose 1.x for the smoke test is refused before the build', async () => {
    const wrapper = dockerWrapper({ compose: '1.29.2' });
    const run = await runAction({
      workspace: app.dir,
      env: { PATH: wrapper.path },
      inputs: { 'build-args': `GO_IMAGE=${stack.goImage}`, 'compose-file': 'compose.yaml' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(errorsOf(run)).toHaveLength(1);
    expect(errorsOf(run)[0]).toMatch(
      /compose is 1\.29\.2; the smoke test \(compose-file: the docker compose v2 plugin\) needs compose 2\.0\.0 or later\./,
    );
    expect(calls(wrapper.log).filter((c) => c.startsWith('buildx build'))).toEqual([]);
  });
});

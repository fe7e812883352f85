/**
 * A cancelled run, as a runner cancels it: a pushing 2-platform build (with the Go cache's
 * held helper build beside it) gets SIGINT (or SIGTERM) in the middle of a long RUN step. The
 * main step must end every process it started before it exits, the post step still cleans up,
 * and nothing reaches the registry, not even late.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { runAction, type ActionRun } from '../support/runner.js';
import { stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

/** Lines of `ps` (host-wide: BuildKit's RUN steps show there too) that hold any of the markers. */
function processesWith(markers: string[]): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => markers.some((m) => line.includes(m)) && !/\sZ/.test(line.slice(0, 20)));
}

async function registryTags(repo: string): Promise<string[]> {
  const res = await fetch(`http://${stack.registry}/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  const body = (await res.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Watches `ps` until stopped: whether a process holding `marker` was ever seen (the check below can see it). */
function watchFor(marker: string): { stop: () => boolean } {
  let seen = false;
  const timer = setInterval(() => {
    execFile('ps', ['-eo', 'args='], (error, out) => {
      if (!error && out.includes(marker)) seen = true;
    });
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      return seen;
    },
  };
}

/**
 * The hello app with a step long enough to cancel in, whose process names itself on its command
 * line (`sh -c '…' gca-sleep-<id>`) and is never cached. It says `gca-running-<id>` a second after it
 * started, so the test has seen its process before cancelling, and it is short enough that a build
 * surviving the cancel would push while the test polls.
 */
function slowApp(id: string): { dir: string; remove: () => void } {
  const app = copyApp('examples/hello');
  const file = join(app.dir, 'Dockerfile');
  const slow = `RUN sh -c 'echo gca-started-${id}; sleep 1; echo gca-running-${id}; sleep 10; :' gca-sleep-${id}\n`;
  writeFileSync(file, readFileSync(file, 'utf8').replace('COPY . .\n', `COPY . .\n${slow}`));
  return app;
}

describe.each<[NodeJS.Signals, number]>([
  ['SIGINT', 130],
  ['SIGTERM', 143],
])('a pushing 2-platform build cancelled with %s in the middle', (signal, exitCode) => {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const app = slowApp(id);
  const repo = uniqueName('e2e/cancel');
  let server: CacheServer;
  let run: ActionRun;
  let markers: string[];
  let stepSeen = false;

  beforeAll(async () => {
    server = await startCacheServer();
    const watch = watchFor(`gca-sleep-${id}`);
    run = await runAction({
      workspace: app.dir,
      inputs: {
        platforms: 'linux/amd64,linux/arm64',
        tags: `${stack.registry}/${repo}:1.0.0`,
        push: 'true',
        'build-args': `GO_IMAGE=${stack.goImage}`,
      },
      env: server.env,
      // BuildKit's plain log prints the step's output as `#12 1.105 gca-running-…`.
      cancelWhen: new RegExp(`^#\\d+ [\\d.]+ gca-running-${id}$`, 'm'),
      cancelSignal: signal,
    });
    stepSeen = watch.stop();
    markers = [app.dir, repo, run.runnerTemp, `gca-sleep-${id}`];
  });
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it(`exits ${exitCode} soon after the signal, before the runner's SIGTERM (7.5 s)`, () => {
    expect(run.main.cancelledAtMs, run.main.stdout).toBeDefined();
    expect(run.main.exitCode, run.main.stderr).toBe(exitCode);
    const afterSignal = run.main.durationMs - run.main.cancelledAtMs!;
    console.log(`${signal}: the main step exited ${afterSignal} ms after the signal`);
    expect(afterSignal).toBeLessThan(7500);
    expect(run.main.stderr).toMatch(new RegExp(`Cancelled \\(${signal}\\): ending \\d+ running command`));
    expect(run.main.stderr).not.toMatch(/Could not end process group/);
  });

  it('had the build and the held Go cache helper running when the signal came', () => {
    // A push builds by digest only (here, the docker driver's OCI layout the action uploads afterwards).
    expect(run.main.stdout).toMatch(/\[command\]\S*docker buildx build .*--platform linux\/amd64,linux\/arm64 .*--output type=oci,/);
    expect(run.main.stdout).toMatch(/Go cache: injected .*the helper holds the mounts until the build ends/);
    expect(stepSeen).toBe(true);
  });

  it('leaves no process of the run: not buildx, not the helper, not the RUN step in BuildKit', async () => {
    expect(processesWith(markers)).toEqual([]);
    await sleep(5000);
    expect(processesWith(markers)).toEqual([]);
  });

  it('pushes nothing and tags nothing, not even late', async () => {
    for (let i = 0; i < 20; i++) {
      expect(await registryTags(repo)).toEqual([]);
      await sleep(1000);
    }
  });

  it('still runs the post step, which cleans up', () => {
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).not.toMatch(/::error::/);
    expect(run.leftovers).toEqual([]);
  });
});

/**
 * A cancelled run, as a runner cancels it: a pushing 2-platform build (with the Go cache's
 * held helper build beside it) gets SIGINT (or SIGTERM) while a RUN step is blocked on a gate
 * the test holds shut. The main step must end every process it started before it exits, the
 * post step still cleans up, and nothing reaches the registry, not even late.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { GATE_POLL_MS, RunGate } from '../support/gate.js';
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

/**
 * The hello app with a step that blocks on `gate` until the test opens it, whose process names
 * itself on its command line (`sh -c '…' gca-gate-<id>`) and is never cached. It says
 * `gca-running-<id>` once the gate saw it arrive, so the test cancels while it is certainly running.
 */
function gatedApp(gate: RunGate): { dir: string; remove: () => void } {
  const app = copyApp('examples/hello');
  const file = join(app.dir, 'Dockerfile');
  const step = `RUN sh -c '${gate.script()}' gca-gate-${gate.id}\n`;
  writeFileSync(file, readFileSync(file, 'utf8').replace('COPY . .\n', `COPY . .\n${step}`));
  return app;
}

/**
 * After the main step exits: a step still alive asks the gate every GATE_POLL_MS, and with the
 * gate open runs on to the push. A poll sent just before the exit may land in the first
 * SETTLE_MS; the window after it is 25 polls long, so a survivor cannot go unseen even on a
 * loaded machine (and a quiet gate cannot fail the test however slow the machine is).
 */
const SETTLE_MS = 5 * GATE_POLL_MS;
const SURVIVOR_WINDOW_MS = 25 * GATE_POLL_MS;

describe.each<[NodeJS.Signals, number]>([
  ['SIGINT', 130],
  ['SIGTERM', 143],
])('a pushing 2-platform build cancelled with %s in the middle', (signal, exitCode) => {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const repo = uniqueName('e2e/cancel');
  let stepSeen = false;
  // While the arriving step waits for the gate's answer, its process is certainly in `ps`.
  const gate = new RunGate(id, () => (stepSeen ||= processesWith([`gca-gate-${id}`]).length > 0));
  let app: { dir: string; remove: () => void };
  let server: CacheServer;
  let run: ActionRun;
  let markers: string[];
  /** Asks after the main step had exited (and had ended every process it started). */
  let lateAsks = (): number => 0;

  beforeAll(async () => {
    server = await startCacheServer();
    app = gatedApp(await gate.start());
    const started = Date.now();
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
    markers = [app.dir, repo, run.runnerTemp, `gca-gate-${id}`];
    const mainEnded = started + run.main.durationMs;
    lateAsks = () => gate.since(mainEnded + SETTLE_MS);
    // Open: a step that outlived the cancel would now finish its build and push, and the gate would see it ask.
    gate.release();
    await sleep(SURVIVOR_WINDOW_MS);
  });
  afterAll(async () => {
    await gate.close();
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
    expect(gate.requests.filter((r) => r.kind === 'arrive').length).toBeGreaterThan(0);
  });

  it('leaves no process of the run: not buildx, not the helper, not the RUN step in BuildKit', () => {
    expect(processesWith(markers)).toEqual([]);
    expect(lateAsks()).toBe(0);
  });

  it('pushes nothing and tags nothing, not even late', async () => {
    // The gate stood open for the window: a surviving build would have asked, and run on to its push.
    expect(lateAsks()).toBe(0);
    expect(await registryTags(repo)).toEqual([]);
  });

  it('still runs the post step, which cleans up', () => {
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).not.toMatch(/::error::/);
    expect(run.leftovers).toEqual([]);
  });
});

/**
 * `npm run demo` (scripts/demo.sh) end to end, as a visitor runs it: the push to main saves
 * the size baseline and the Go caches and reports the known vulnerability of a module it ships;
 * the pull request bumps that module, restores the caches (the module cache by prefix), builds
 * faster and shows its comment with the sizes before and after and the vulnerability fixed; it
 * leaves nothing behind, also after a Ctrl-C. For CI's sake on one platform (GCA_DEMO_PLATFORMS): the visitor's run builds two.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/runner.js';
import { docker, stack } from '../support/stack.js';
import { tempDir } from '../support/temp.js';

interface DemoRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The demo's own temp folder (TMPDIR) after it ended: what it left behind. */
  leftovers: string[];
}

/** Runs the demo with a temp folder of its own; `interruptWhen`: sends SIGINT (a Ctrl-C) once stdout matches. */
function runDemo(interruptWhen?: RegExp): Promise<DemoRun> {
  const tmp = tempDir('demo-tmpdir');
  const env = { ...process.env, TMPDIR: tmp, GCA_DEMO_PLATFORMS: 'linux/amd64' };
  return new Promise((resolve, reject) => {
    // demo.sh execs node: the pid is the demo's own once its output starts.
    const child = spawn('bash', ['scripts/demo.sh'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptWhen && !interrupted && interruptWhen.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code, stdout, stderr, leftovers: readdirSync(tmp) }));
  });
}

const image = (): string => `${stack.registry}/demo/hello`;
const localTags = (): string[] =>
  docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${image()}`])
    .split('\n')
    .filter((l) => l.trim() !== '');

/** The part of the output between two phase headings (or to the end). */
function section(stdout: string, from: string, to?: string): string {
  const start = stdout.indexOf(from);
  const end = to ? stdout.indexOf(to, start) : -1;
  return start < 0 ? '' : stdout.slice(start, end < 0 ? undefined : end);
}

describe('npm run demo', () => {
  let demo: DemoRun;
  let push: string;
  let pr: string;

  beforeAll(async () => {
    demo = await runDemo();
    push = section(demo.stdout, '1/2 base branch push', '2/2 pull request');
    pr = section(demo.stdout, '2/2 pull request');
  });

  it('runs both phases to the end', () => {
    expect(demo.exitCode, demo.stdout + demo.stderr).toBe(0);
    expect(push).toMatch(/push to main: the action's main step, then its post step/);
    expect(pr).toMatch(/pull request #7: the action's main step, then its post step/);
    expect(demo.stdout).toMatch(/Done in \d+ s\./);
    expect(demo.stdout).not.toMatch(/no Actions cache service|The demo failed/);
  });

  it('the push to main builds cold, then saves the size baseline and both Go caches', () => {
    expect(push).toMatch(/a fresh runner: BuildKit's build cache wiped/);
    expect(push).toMatch(/nothing to restore yet/);
    const saved = /saved to the Actions cache \(compressed\): (.*)/.exec(push)?.[1] ?? '';
    expect(saved).toMatch(/size report \(the baseline\) [\d.]+ (B|KiB)/);
    expect(saved).toMatch(/Go module cache [\d.]+ (B|KiB|MiB)/);
    expect(saved).toMatch(/Go build cache [\d.]+ MiB/);
  });

  it('the push to main reports the known vulnerability of the module it ships, from the fixture database', () => {
    expect(push).toMatch(
      /known vulnerabilities \(test\/fixtures\/vulndb\/db\): GCA-2026-0004 in example\.com\/greeting@v1\.0\.0 \(calls example\.com\/greeting\.Hello; fixed in v1\.1\.0\): new/,
    );
  });

  it('the pull request bumps the module: its module cache restores by prefix, both caches are warm, and it builds faster', () => {
    expect(pr).toMatch(/\+ _ "time\/tzdata"/);
    expect(pr).toMatch(/- require example\.com\/greeting v1\.0\.0\n.*\+ require example\.com\/greeting v1\.1\.0/);
    // go.sum changed: main's module cache is the newest saved, restored by prefix; its key is not exact.
    expect(pr).toMatch(/Go cache restored \(go-cache-hit \w+\): .*go-modules: \d+ files, [^;]*\(the newest saved for these platforms\)/);
    expect(pr).not.toMatch(/exact key: go\.sum unchanged/);
    expect(pr).toMatch(/go-build: [1-9]\d* files, [\d.]+ MiB/);
    const times = /cold build ([\d.]+) s, PR build with the Go cache restored ([\d.]+) s \(([\d.]+)x\), after a [\d.]+ s restore/.exec(pr);
    expect(times, pr).not.toBeNull();
    expect(Number(times![2])).toBeLessThan(Number(times![1]));
    // A new go.sum: a new module cache entry, with the bumped module in it.
    expect(pr).toMatch(/saved to the Actions cache \(compressed\): .*Go module cache [\d.]+ (B|KiB|MiB)/);
    expect(pr).toMatch(/saved to the Actions cache \(compressed\): .*Go build cache [\d.]+ MiB/);
  });

  it('the pull request fixes the known vulnerability, and its comment says so', () => {
    expect(pr).toMatch(
      /known vulnerabilities: GCA-2026-0004 in example\.com\/greeting@v1\.0\.0 \(calls example\.com\/greeting\.Hello; fixed in v1\.1\.0\): fixed/,
    );
    const comment = section(pr, 'The size comment on pull request #7, as a reviewer sees it');
    expect(comment).toMatch(/Known vulnerabilities: called: 0 new, 1 fixed, \d+ still there/);
    expect(comment).toMatch(/✅ fixed\s+GCA-2026-0004\s+example\.com\/greeting@v1\.0\.0 → v1\.1\.0\s+example\.com\/greeting\.Hello/);
    expect(comment).toContain('changed: example.com/greeting v1.0.0 → v1.1.0');
  });

  it("finds main's baseline and shows the comment with the sizes before and after", () => {
    expect(pr).toMatch(/baseline found: main's size report from the Actions cache/);
    const comment = section(pr, 'The size comment on pull request #7, as a reviewer sees it');
    expect(comment).toContain(`Image size: ${image()}:pr-7`);
    expect(comment).toMatch(/Platform\s+Before\s+After\s+Δ/);
    // The embedded time zone database: the image grows by tens of kilobytes.
    expect(comment).toMatch(/linux\/amd64\s+[\d.]+ MB\s+[\d.]+ MB\s+\+[\d.]+ KB \(\+[\d.]+%\)/);
    expect(comment).toMatch(/COPY \/out\/hello \/hello/);
    expect(comment).not.toMatch(/<!--|<details>|\|---/);
  });

  it('leaves nothing behind: no temp dir, no image tag in the engine', () => {
    expect(demo.leftovers).toEqual([]);
    expect(demo.stdout).toMatch(/cleaned up: /);
    expect(localTags()).toEqual([]);
  });

  describe('interrupted (Ctrl-C) during the first build', () => {
    let stopped: DemoRun;
    beforeAll(async () => {
      stopped = await runDemo(/Checking docker and buildx/);
    });

    it('cancels the step, lets its post step run, cleans up and exits 130', () => {
      expect(stopped.exitCode, stopped.stdout + stopped.stderr).toBe(130);
      expect(stopped.stdout).toMatch(/SIGINT: cancelling the running step/);
      expect(stopped.stdout).toMatch(/main step [\d.]+ s \(exit 130\), post step [\d.]+ s \(exit 0\)/);
      expect(stopped.stdout).toMatch(/cleaned up: /);
      expect(stopped.stdout).not.toMatch(/2\/2 pull request/);
      expect(stopped.leftovers).toEqual([]);
      expect(localTags()).toEqual([]);
    });
  });
});

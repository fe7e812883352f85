/**
 * A pull request (nothing pushed) of two platforms on a builder of two nodes, one a platform:
 * buildx exports no OCI layout from several nodes, so the action builds on each node apart and
 * merges their layouts; the size report and the platform check read the merged one. A cancel
 * in the middle ends both builds.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { RunGate } from '../support/gate.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { builders, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import type { SizeReport } from '../../src/size/report.js';

const TOKEN = 'ghs_multi_node_e2e_token_0123456789abcdef';
const BOTH = ['linux/amd64', 'linux/arm64'];
const PR = 31;

interface Doc {
  digest: string;
  size: number;
  mediaType: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

/** The layout's index.json, its index, and per platform the sum of its manifest's layers[].size. */
function layoutFacts(dir: string): { root: Doc; index: Doc[]; indexBytes: Buffer; sums: Record<string, number> } {
  const blob = (digest: string): Buffer => readFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
  const root = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Doc[] }).manifests[0]!;
  const indexBytes = blob(root.digest);
  const index = (JSON.parse(indexBytes.toString('utf8')) as { manifests: Doc[] }).manifests;
  const sums: Record<string, number> = {};
  for (const m of index.filter((d) => d.platform && d.platform.os !== 'unknown')) {
    const manifest = JSON.parse(blob(m.digest).toString('utf8')) as { layers: { size: number }[] };
    sums[`${m.platform!.os}/${m.platform!.architecture}`] = manifest.layers.reduce((s, l) => s + l.size, 0);
  }
  return { root, index, indexBytes, sums };
}

describe(`a pull request of ${BOTH.join(' and ')} on the two-node builder`, () => {
  const app = copyApp('examples/hello');
  const image = `${stack.registry}/${uniqueName('e2e/multi-node')}`;
  const github = new FakeGitHub({ token: TOKEN });
  let run: ActionRun;
  let seconds = 0;

  beforeAll(async () => {
    await github.start();
    const event = {
      number: PR,
      pull_request: {
        number: PR,
        head: { ref: 'feature/nodes', sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: 'octo-org/hello' } },
        base: { ref: 'main', repo: { full_name: 'octo-org/hello' } },
      },
      repository: { full_name: 'octo-org/hello', default_branch: 'main' },
    };
    const started = Date.now();
    // No post step: the merged layout in the work directory is read below (the temp dirs go with the test file).
    run = await runAction({
      workspace: app.dir,
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      event,
      token: TOKEN,
      env: { GITHUB_API_URL: github.url },
      post: false,
      inputs: {
        builder: builders.multiNode,
        platforms: BOTH.join(','),
        images: image,
        'build-args': `GO_IMAGE=${builders.goImage}`,
        'size-budget': '20MB',
        'go-cache': 'false',
      },
    });
    seconds = (Date.now() - started) / 1000;
  }, 600_000);

  afterAll(async () => {
    await github.stop();
    app.remove();
  });

  it('builds each platform on its own node and passes', () => {
    const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
    expect(errors, run.main.stdout.slice(-4000)).toEqual([]);
    expect(run.main.exitCode).toBe(0);
    expect(run.main.stdout).toContain(
      `building linux/amd64 on ${builders.multiNode}-amd64; linux/arm64 on ${builders.multiNode}-arm64, side by side`,
    );
    expect(run.main.stdout).not.toContain('multi-node builds currently not supported');
    expect(run.main.outputs['budget-status']).toBe('pass');
    const parts = run.main.stdout.split('\n').filter((l) => /^Built linux\/\S+ on /.test(l));
    expect(parts).toHaveLength(2);
    console.log(`multi-node pull request: ${seconds.toFixed(1)} s; ${parts.join('; ')}`);
  });

  it('writes one OCI layout whose index lists both platforms, named by the digest and imageid outputs', () => {
    const { root, index, indexBytes } = layoutFacts(join(run.main.state['work-dir']!, 'oci-layout'));
    expect(`sha256:${createHash('sha256').update(indexBytes).digest('hex')}`).toBe(root.digest);
    expect(root.size).toBe(indexBytes.length);
    expect(run.main.outputs.digest).toBe(root.digest);
    expect(run.main.outputs.imageid).toBe(root.digest);
    const platforms = index.filter((m) => m.platform?.os !== 'unknown').map((m) => `${m.platform!.os}/${m.platform!.architecture}`);
    expect(platforms).toEqual(BOTH);
    expect((JSON.parse(run.main.outputs.metadata!) as Record<string, unknown>)['containerimage.digest']).toBe(root.digest);
  });

  it("reports the size of both platforms as the layout's layer sums, each with its Go binary, and the platform check passes", () => {
    const { sums } = layoutFacts(join(run.main.state['work-dir']!, 'oci-layout'));
    const report = JSON.parse(run.main.outputs['size-report']!) as SizeReport;
    expect(report.platforms.map((p) => p.platform)).toEqual(BOTH);
    for (const p of report.platforms) {
      expect(p.compressedBytes).toBe(sums[p.platform]);
      expect(p.compressedBytes).toBeGreaterThan(0);
      expect(p.go?.modules).toEqual([{ path: 'example.com/greeting', version: 'v1.0.0' }]);
    }
    expect(run.main.stdout).toContain('Platform check passed: each Go binary checked was built for its platform.');
    expect(run.main.stdout).not.toMatch(/Platform check: /);
    const comments = github.comments.filter((c) => c.issue === PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('platform check ✅ passed');
    for (const platform of BOTH) expect(comments[0]!.body).toContain(platform);
  });
});

/** Lines of `ps` (host-wide: BuildKit's RUN steps show there too) that hold any of the markers. */
function processesWith(markers: string[]): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => markers.some((m) => line.includes(m)) && !/\sZ/.test(line.slice(0, 20)));
}

describe('the same pull request cancelled while both nodes build', () => {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const app = copyApp('examples/hello');
  const gate = new RunGate(id);
  let run: ActionRun;

  beforeAll(async () => {
    // A step that names itself on its command line, says on which platform it runs (never
    // cached) and blocks until the test opens the gate: both nodes stay in it until the cancel.
    const file = join(app.dir, 'Dockerfile');
    await gate.start();
    const slow = `RUN sh -c '${gate.script('-$TARGETARCH')}' gca-gate-${id}\n`;
    const dockerfile = readFileSync(file, 'utf8');
    writeFileSync(file, dockerfile.replace('ARG VERSION=dev\n', `ARG VERSION=dev\n${slow}`));
    expect(readFileSync(file, 'utf8')).not.toBe(dockerfile);
    run = await runAction({
      workspace: app.dir,
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      inputs: {
        builder: builders.multiNode,
        platforms: BOTH.join(','),
        'build-args': `GO_IMAGE=${builders.goImage}`,
        'go-cache': 'false',
        comment: 'never',
      },
      // Both parts are in their RUN step: BuildKit's plain log prints `#12 1.105 gca-running-…-amd64`.
      cancelWhen: new RegExp(`^(?=[\\s\\S]*gca-running-${id}-amd64)(?=[\\s\\S]*gca-running-${id}-arm64)`),
    });
  }, 300_000);

  afterAll(async () => {
    await gate.close();
    app.remove();
  });

  it('ends both builds and their RUN steps, exits 130, and the post step cleans up', () => {
    expect(run.main.cancelledAtMs, run.main.stdout.slice(-3000)).toBeDefined();
    expect(run.main.exitCode, run.main.stderr).toBe(130);
    expect(run.main.stdout).toContain(`building linux/amd64 on ${builders.multiNode}-amd64; linux/arm64 on ${builders.multiNode}-arm64`);
    const ended = /Cancelled \(SIGINT\): ending (\d+) running command/.exec(run.main.stderr);
    expect(Number(ended?.[1])).toBeGreaterThanOrEqual(2);
    expect(run.main.stderr).not.toMatch(/Could not end process group/);
    console.log(`cancelled: the main step exited ${run.main.durationMs - run.main.cancelledAtMs!} ms after the signal`);
    expect(processesWith([app.dir, run.runnerTemp, `gca-gate-${id}`])).toEqual([]);
    expect(run.post?.exitCode).toBe(0);
    expect(run.leftovers).toEqual([]);
  });
});

/**
 * Go cache mounts across fresh runners, end to end: the bundled action with the real
 * @actions/cache against the local cache service. A cold 2-platform build; BuildKit's state
 * wiped (a fresh runner); a one-line change; the rebuild restores the caches and BuildKit's log
 * shows the Go steps found them: no module downloads, only the changed package compiled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { builders, docker, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';

/** The counts the fixture's Dockerfile prints (`gca-e2e …=N`), from BuildKit's plain log. */
function counts(log: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of log.matchAll(/gca-e2e (?:(\w+) )?([\w-]+)=(\d+)/g)) out[m[1] ? `${m[1]} ${m[2]}` : m[2]!] = Number(m[3]);
  return out;
}

function entriesOf(server: CacheServer, kind: string, ns: string): string[] {
  return server
    .entries()
    .filter((e) => e.finalized && e.key.includes(`-${kind}-`) && e.key.includes(ns))
    .map((e) => e.key);
}

/** Every value a counter took (a step that ran on two builder nodes prints twice). */
function allCounts(log: string, name: string): number[] {
  return [...log.matchAll(/gca-e2e (?:(\w+) )?([\w-]+)=(\d+)/g)]
    .filter((m) => (m[1] ? `${m[1]} ${m[2]}` : m[2]) === name)
    .map((m) => Number(m[3]));
}

/** A builder the fresh-runner flow runs on: undefined is the engine's own (docker driver). */
interface BuilderCase {
  label: string;
  builder?: string;
  goImage: () => string;
  /** More inputs (a builder of several nodes cannot export an OCI layout: it pushes instead). */
  inputs?: () => Record<string, string>;
}

/** The fresh-runner flow: cold build, BuildKit wiped, one-line change, rebuild. */
interface FreshRunnerFlow {
  app: ReturnType<typeof copyApp>;
  ns: string;
  server: CacheServer;
  inputs: Record<string, string>;
  cold: ActionRun;
  fresh: ActionRun;
  afterCold: { modules: string[]; build: string[] };
}

async function freshRunnerFlow(app: ReturnType<typeof copyApp>, b: BuilderCase): Promise<FreshRunnerFlow> {
  const ns = uniqueName('e2e').replace(/[^a-z0-9-]/g, '-');
  const server = await startCacheServer();
  const inputs: Record<string, string> = {
    platforms: 'linux/amd64,linux/arm64',
    'build-args': `GO_IMAGE=${b.goImage()}\nCACHE_NS=${ns}`,
    ...(b.builder ? { builder: b.builder } : {}),
    ...b.inputs?.(),
  };
  const wipe = (): string => docker(['buildx', 'prune', ...(b.builder ? ['--builder', b.builder] : []), '-af']);
  const seconds = (run: ActionRun): string => ((run.main.durationMs + (run.post?.durationMs ?? 0)) / 1000).toFixed(1);
  wipe();
  const cold = await runAction({ workspace: app.dir, inputs, env: server.env });
  const afterCold = { modules: entriesOf(server, 'go-modules', ns), build: entriesOf(server, 'go-build', ns) };
  // A fresh runner: nothing of the builder's state is left (cache mounts included, every node).
  wipe();
  const main = join(app.dir, 'main.go');
  writeFileSync(main, readFileSync(main, 'utf8').replace('cache fixture v1', 'cache fixture v2'));
  const fresh = await runAction({ workspace: app.dir, inputs, env: server.env });
  console.log(`fresh-runner flow on ${b.label}: cold ${seconds(cold)} s, fresh runner after a one-line change ${seconds(fresh)} s`);
  return { app, ns, server, inputs, cold, fresh, afterCold };
}

/** The fresh-runner flow's checks, on whichever builder it ran. */
function freshRunnerChecks(flow: () => FreshRunnerFlow): void {
  it('builds cold, finds no cache, and saves the module and build caches', () => {
    const { cold, afterCold } = flow();
    expect(cold.main.exitCode, cold.main.stdout).toBe(0);
    expect(cold.post?.exitCode).toBe(0);
    expect(cold.main.outputs['go-cache-hit']).toBe('false');
    const c = counts(cold.main.stdout);
    expect(c['modules-before']).toBe(0);
    expect(c['modules-after']).toBeGreaterThan(0);
    expect(c['amd64 gocache-after']).toBeGreaterThan(50);
    // One archive per cache, whatever number of nodes built with it.
    expect(afterCold.modules).toHaveLength(1);
    expect(afterCold.build).toHaveLength(1);
  });

  it('restores both caches on the fresh runner and says how big they are', () => {
    const { fresh } = flow();
    expect(fresh.main.exitCode, fresh.main.stdout).toBe(0);
    expect(fresh.main.outputs['go-cache-hit']).toBe('true');
    const restored = JSON.parse(fresh.main.outputs['go-cache-restored']!) as {
      kind: string;
      exact: boolean;
      bytes: number;
      files: number;
    }[];
    expect(restored.map((r) => r.kind).sort()).toEqual(['go-build', 'go-modules']);
    expect(restored.find((r) => r.kind === 'go-modules')!.exact).toBe(true);
    for (const r of restored) {
      expect(r.bytes).toBeGreaterThan(0);
      expect(r.files).toBeGreaterThan(0);
    }
    expect(fresh.main.stdout).toMatch(/Go cache: restored .* files, [\d.]+ (KiB|MiB|GiB)/);
  });

  it('downloads no module: the module cache was there before go mod download, on every node', () => {
    const { cold, fresh } = flow();
    const coldAfter = Math.max(...allCounts(cold.main.stdout, 'modules-after'));
    const before = allCounts(fresh.main.stdout, 'modules-before');
    expect(before.length).toBeGreaterThan(0);
    expect(
      before.every((n) => n === coldAfter),
      fresh.main.stdout,
    ).toBe(true);
    expect(allCounts(fresh.main.stdout, 'modules-after').every((n) => n === coldAfter)).toBe(true);
  });

  it('compiles only the changed package on the node of each platform: the build cache barely grows', () => {
    const c = counts(flow().fresh.main.stdout);
    const coldCounts = counts(flow().cold.main.stdout);
    for (const arch of ['amd64', 'arm64']) {
      const coldAdded = coldCounts[`${arch} gocache-after`]! - coldCounts[`${arch} gocache-before`]!;
      const added = c[`${arch} gocache-after`]! - c[`${arch} gocache-before`]!;
      expect(c[`${arch} gocache-before`], `${arch}: the build cache was there`).toBeGreaterThan(0);
      // Both platforms share one cache: the standard library and the dependency come from it.
      expect(added, `${arch}: compiled only the change`).toBeLessThan(coldAdded / 5);
    }
  });

  it('saves a new build cache entry, not the unchanged module cache, and leaves nothing behind', () => {
    const { fresh, server, ns } = flow();
    expect(fresh.post?.exitCode).toBe(0);
    expect(entriesOf(server, 'go-modules', ns)).toHaveLength(1);
    expect(entriesOf(server, 'go-build', ns)).toHaveLength(2);
    expect(fresh.main.stdout).toMatch(/restored exactly \(go\.sum unchanged\): not saved again/);
    const root = join(homedir(), '.cache', 'go-container-action');
    const left = existsSync(root) ? readdirSync(root) : [];
    expect(left.filter((d) => d.includes(ns.slice(-10)))).toEqual([]);
    expect(fresh.leftovers).toEqual([]);
  });
}

/**
 * The fresh-runner flow alone on docker-container builders: one node, and two nodes (linux/amd64
 * and linux/arm64 each built on its own node, both needing the caches).
 */
describe.each([
  { label: 'a docker-container builder', builder: builders.container, goImage: () => builders.goImage },
  {
    label: 'a builder of two nodes',
    builder: builders.multiNode,
    goImage: () => builders.goImage,
    // buildx exports no OCI layout from several nodes: the image goes to the registry.
    inputs: () => ({ push: 'true', tags: `${stack.registry}/${uniqueName('e2e/cache-nodes')}:fresh` }),
    nodes: 2,
  },
])('Go caches survive a fresh runner on $label', (b: BuilderCase & { nodes?: number }) => {
  let flow: FreshRunnerFlow;
  beforeAll(async () => {
    flow = await freshRunnerFlow(copyApp('test/fixtures/cache/app'), b);
  });
  afterAll(async () => {
    await flow?.server.close();
    flow?.app.remove();
  });
  freshRunnerChecks(() => flow);

  it('injects into and extracts from every node that builds a platform', () => {
    const out = flow.fresh.main.stdout;
    const nodes = b.nodes ?? 1;
    expect(out.match(/Go cache: injected \d archives? into BuildKit/g), out).toHaveLength(nodes);
    expect(out.match(/Go cache: took the changes out of BuildKit/g)).toHaveLength(nodes);
    if (nodes > 1) {
      expect(out).toMatch(/injected 2 archives into BuildKit .* on node \S+ \(linux\/arm64\)/);
      expect(out).toMatch(/injected 2 archives into BuildKit .* on node \S+ \(linux\/amd64\)/);
    }
  });
});

describe('Go caches survive a fresh runner', () => {
  const app = copyApp('test/fixtures/cache/app');
  let flow: FreshRunnerFlow;
  let server: CacheServer;
  let fresh: ActionRun;
  let inputs: Record<string, string>;
  let ns: string;

  beforeAll(async () => {
    flow = await freshRunnerFlow(app, { label: 'the docker driver', goImage: () => stack.goImage });
    ({ server, fresh, inputs, ns } = flow);
  });
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  freshRunnerChecks(() => flow);

  it('sends the archives as build context when they cannot be streamed', async () => {
    const run = await runAction({ workspace: app.dir, inputs, env: { ...server.env, GO_CONTAINER_ACTION_CACHE_STREAM: 'false' } });
    expect(run.main.exitCode).toBe(0);
    expect(run.main.outputs['go-cache-hit']).toBe('true');
    expect(run.main.stdout).toMatch(/injected 2 archives into BuildKit \(as build context\)/);
    expect(fresh.main.stdout).toMatch(
      /injected 2 archives into BuildKit \(streamed over the docker bridge; the helper holds the mounts until the build ends\)/,
    );
  });

  it('after a failed build, ends the helper holding the mounts and saves nothing', async () => {
    const broken = copyApp('test/fixtures/cache/app');
    try {
      writeFileSync(
        join(broken.dir, 'main.go'),
        readFileSync(join(broken.dir, 'main.go'), 'utf8').replace('func main() {', 'func main() {\n\tundefinedCall()'),
      );
      const before = server.entries().filter((e) => e.key.includes(ns)).length;
      const run = await runAction({ workspace: broken.dir, inputs, env: server.env });
      expect(run.main.exitCode).toBe(1);
      expect(run.main.stdout).toMatch(/the helper holds the mounts until the build ends/);
      expect(
        annotations(run.main.stdout)
          .filter((a) => a.level === 'error')
          .map((a) => a.message),
      ).toEqual([expect.stringMatching(/^Build failed: .*undefinedCall|^Build failed: .*exit code/)]);
      expect(run.main.stdout).not.toMatch(/Taking the Go caches out/);
      expect(server.entries().filter((e) => e.key.includes(ns))).toHaveLength(before);
      // The step returned, and no helper build of its own is still running.
      const helpers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes('go-cache-inject'));
      expect(helpers).toEqual([]);
      expect(run.leftovers).toEqual([]);
    } finally {
      broken.remove();
    }
  });

  it('with a locked mount (the build cannot share it), injects before the build and extracts after it', async () => {
    const locked = copyApp('test/fixtures/cache/app');
    try {
      const dockerfile = join(locked.dir, 'Dockerfile');
      writeFileSync(
        dockerfile,
        readFileSync(dockerfile, 'utf8').replace('target=/root/.cache/go-build', 'target=/root/.cache/go-build,sharing=locked'),
      );
      const lockedNs = `${ns}-locked`;
      const run = await runAction({
        workspace: locked.dir,
        inputs: { ...inputs, 'build-args': `GO_IMAGE=${stack.goImage}\nCACHE_NS=${lockedNs}` },
        env: server.env,
      });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(run.main.stdout).toMatch(/Go cache: injected 0 archives into BuildKit \(as build context\)/);
      expect(run.main.stdout).not.toMatch(/holds the mounts/);
      expect(run.main.stdout).toMatch(/Go cache: took the changes out of BuildKit/);
      expect(entriesOf(server, 'go-build', lockedNs)).toHaveLength(1);
      expect(entriesOf(server, 'go-modules', lockedNs)).toHaveLength(1);
    } finally {
      locked.remove();
    }
  });

  it('warns and builds when the cache service serves a corrupt archive', async () => {
    server.options.corruptDownloads = true;
    try {
      const run = await runAction({ workspace: app.dir, inputs, env: server.env });
      expect(run.main.exitCode).toBe(0);
      expect(run.main.outputs['go-cache-hit']).toBe('false');
      // The restore's own warning (@actions/cache's tar fails on the archive, or our read-through
      // does): the fixture also draws Dockerfile-check warnings, which must not count here.
      const restoreWarnings = annotations(run.main.stdout).filter(
        (a) => a.level === 'warning' && /^(Failed to restore|Go cache: could not restore)/.test(a.message),
      );
      expect(restoreWarnings.length, run.main.stdout).toBeGreaterThan(0);
      expect(run.main.stdout).toMatch(/Go cache: nothing restored for gobuild-/);
    } finally {
      server.options.corruptDownloads = false;
    }
  });

  it('drops a restored archive it cannot read (intact for @actions/cache), warns and builds without it', async () => {
    server.options.corruptInnerArchives = true;
    try {
      const run = await runAction({ workspace: app.dir, inputs, env: server.env });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(run.main.outputs['go-cache-hit']).toBe('false');
      // The action's own read-through, not @actions/cache, found them: one warning per cache.
      const ownWarnings = annotations(run.main.stdout).filter(
        (a) => a.level === 'warning' && /^Go cache: could not restore .*(checksum|truncated|tar)/.test(a.message),
      );
      expect(ownWarnings.map((w) => w.message.split(':')[1]!.trim()).sort(), run.main.stdout).toEqual([
        `could not restore gobuild-${ns}`,
        `could not restore gomod-${ns}`,
      ]);
      expect(annotations(run.main.stdout).filter((a) => /^Failed to restore/.test(a.message))).toEqual([]);
      expect(run.main.stdout).toMatch(/Go cache: injected 0 archives into BuildKit/);
      const restored = JSON.parse(run.main.outputs['go-cache-restored']!) as { key?: string; bytes: number; files: number }[];
      expect(restored.map((r) => [r.key, r.bytes, r.files])).toEqual([
        [undefined, 0, 0],
        [undefined, 0, 0],
      ]);
    } finally {
      server.options.corruptInnerArchives = false;
    }
  });

  it('does nothing with go-cache: false', async () => {
    const before = server.entries().filter((e) => e.key.includes(ns)).length;
    const run = await runAction({ workspace: app.dir, inputs: { ...inputs, 'go-cache': 'false' }, env: server.env });
    expect(run.main.exitCode).toBe(0);
    expect(run.main.outputs['go-cache-hit']).toBe('false');
    expect(run.main.stdout).not.toMatch(/Go cache:/);
    expect(server.entries().filter((e) => e.key.includes(ns))).toHaveLength(before);
  });

  it('with no-cache, says the Go cache is neither restored nor saved and why: BuildKit runs the mounts empty', async () => {
    const before = server.entries().filter((e) => e.key.includes(ns)).length;
    const run = await runAction({
      workspace: app.dir,
      inputs: { ...inputs, platforms: 'linux/amd64', 'no-cache': 'true' },
      env: server.env,
    });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.post?.exitCode).toBe(0);
    expect(run.main.outputs['go-cache-hit']).toBe('false');
    expect(run.main.stdout).toContain(
      "Go cache: not restored and not saved: no-cache is true, and BuildKit then runs the build's cache mounts empty and drops them afterwards",
    );
    expect(run.main.stdout).not.toMatch(/was not used by this build|Restoring Go caches|Taking the Go caches out/);
    // Both Go steps ran, each with an empty mount, although this builder's mounts are warm.
    const c = counts(run.main.stdout);
    expect(c['modules-before'], run.main.stdout).toBe(0);
    expect(c['modules-after']).toBeGreaterThan(0);
    expect(c['amd64 gocache-before']).toBe(0);
    expect(c['amd64 gocache-after']).toBeGreaterThan(0);
    expect(server.entries().filter((e) => e.key.includes(ns))).toHaveLength(before);
  });

  it('says none (not a miss) for a Dockerfile without Go cache mounts, and saves nothing', async () => {
    const plain = readFileSync(join(app.dir, 'Dockerfile'), 'utf8').replace(/--mount=type=cache,\S+\s+/g, '');
    expect(plain).not.toContain('type=cache');
    writeFileSync(join(app.dir, 'Dockerfile.nomounts'), plain);
    // The size baseline is saved as on any push; no Go cache entry is.
    const goEntries = () => server.entries().filter((e) => /-go-(modules|build)-/.test(e.key));
    const before = goEntries().length;
    const run = await runAction({
      workspace: app.dir,
      inputs: { ...inputs, file: 'Dockerfile.nomounts', platforms: 'linux/amd64' },
      env: server.env,
    });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.outputs['go-cache-hit']).toBe('none');
    expect(run.post?.exitCode).toBe(0);
    expect(goEntries()).toHaveLength(before);
  });
});

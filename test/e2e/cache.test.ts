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
import { docker, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';

/** The counts the fixture's Dockerfile prints (`gca-e2e …=N`), from BuildKit's plain log. */
function counts(log: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of log.matchAll(/gca-e2e (?:(\w+) )?([\w-]+)=(\d+)/g)) out[m[1] ? `${m[1]} ${m[2]}` : m[2]!] = Number(m[3]);
  return out;
}

function entriesOf(server: CacheServer, kind: string, ns: string): string[] {
  return server.entries().filter((e) => e.finalized && e.key.includes(`-${kind}-`) && e.key.includes(ns)).map((e) => e.key);
}

describe('Go caches survive a fresh runner', () => {
  const app = copyApp('test/fixtures/cache/app');
  const ns = uniqueName('e2e').replace(/[^a-z0-9-]/g, '-');
  let server: CacheServer;
  let cold: ActionRun;
  let fresh: ActionRun;
  let afterCold: { modules: string[]; build: string[] };
  const inputs = {
    platforms: 'linux/amd64,linux/arm64',
    'build-args': `GO_IMAGE=${stack.goImage}\nCACHE_NS=${ns}`,
  };

  beforeAll(async () => {
    server = await startCacheServer();
    cold = await runAction({ workspace: app.dir, inputs, env: server.env });
    afterCold = { modules: entriesOf(server, 'go-modules', ns), build: entriesOf(server, 'go-build', ns) };
    // A fresh runner: nothing of BuildKit's state is left (cache mounts included).
    docker(['buildx', 'prune', '-af']);
    const main = join(app.dir, 'main.go');
    writeFileSync(main, readFileSync(main, 'utf8').replace('cache fixture v1', 'cache fixture v2'));
    fresh = await runAction({ workspace: app.dir, inputs, env: server.env });
  });
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it('builds cold, finds no cache, and saves the module and build caches', () => {
    expect(cold.main.exitCode).toBe(0);
    expect(cold.post?.exitCode).toBe(0);
    expect(cold.main.outputs['go-cache-hit']).toBe('false');
    const c = counts(cold.main.stdout);
    expect(c['modules-before']).toBe(0);
    expect(c['modules-after']).toBeGreaterThan(0);
    expect(c['amd64 gocache-after']).toBeGreaterThan(50);
    expect(afterCold.modules).toHaveLength(1);
    expect(afterCold.build).toHaveLength(1);
  });

  it('restores both caches on the fresh runner and says how big they are', () => {
    expect(fresh.main.exitCode).toBe(0);
    expect(fresh.main.outputs['go-cache-hit']).toBe('true');
    const restored = JSON.parse(fresh.main.outputs['go-cache-restored']!) as { kind: string; exact: boolean; bytes: number; files: number }[];
    expect(restored.map((r) => r.kind).sort()).toEqual(['go-build', 'go-modules']);
    expect(restored.find((r) => r.kind === 'go-modules')!.exact).toBe(true);
    for (const r of restored) {
      expect(r.bytes).toBeGreaterThan(0);
      expect(r.files).toBeGreaterThan(0);
    }
    expect(fresh.main.stdout).toMatch(/Go cache: restored .* files, [\d.]+ (KiB|MiB|GiB)/);
  });

  it('downloads no module: the module cache was there before go mod download', () => {
    const c = counts(fresh.main.stdout);
    const coldCounts = counts(cold.main.stdout);
    expect(c['modules-before']).toBe(coldCounts['modules-after']);
    expect(c['modules-after']).toBe(c['modules-before']);
  });

  it('compiles only the changed package: the build cache barely grows', () => {
    const c = counts(fresh.main.stdout);
    const coldCounts = counts(cold.main.stdout);
    for (const arch of ['amd64', 'arm64']) {
      const coldAdded = coldCounts[`${arch} gocache-after`]! - coldCounts[`${arch} gocache-before`]!;
      const added = c[`${arch} gocache-after`]! - c[`${arch} gocache-before`]!;
      expect(c[`${arch} gocache-before`]).toBeGreaterThan(0);
      // Both platforms share one cache: the standard library and the dependency come from it.
      expect(added).toBeLessThan(coldAdded / 5);
    }
  });

  it('saves a new build cache entry, not the unchanged module cache, and leaves nothing behind', () => {
    expect(fresh.post?.exitCode).toBe(0);
    expect(entriesOf(server, 'go-modules', ns)).toHaveLength(1);
    expect(entriesOf(server, 'go-build', ns)).toHaveLength(2);
    expect(fresh.main.stdout).toMatch(/restored exactly \(go\.sum unchanged\): not saved again/);
    const root = join(homedir(), '.cache', 'go-container-action');
    const left = existsSync(root) ? readdirSync(root) : [];
    expect(left.filter((d) => d.includes(ns.slice(-10)))).toEqual([]);
    expect(fresh.leftovers).toEqual([]);
  });

  it('sends the archives as build context when they cannot be streamed', async () => {
    const run = await runAction({ workspace: app.dir, inputs, env: { ...server.env, GO_CONTAINER_ACTION_CACHE_STREAM: 'false' } });
    expect(run.main.exitCode).toBe(0);
    expect(run.main.outputs['go-cache-hit']).toBe('true');
    expect(run.main.stdout).toMatch(/injected 2 archives into BuildKit \(as build context\)/);
    expect(fresh.main.stdout).toMatch(/injected 2 archives into BuildKit \(streamed over the docker bridge; the helper holds the mounts until the build ends\)/);
  });

  it('after a failed build, ends the helper holding the mounts and saves nothing', async () => {
    const broken = copyApp('test/fixtures/cache/app');
    try {
      writeFileSync(join(broken.dir, 'main.go'), readFileSync(join(broken.dir, 'main.go'), 'utf8').replace('func main() {', 'func main() {\n\tundefinedCall()'));
      const before = server.entries().filter((e) => e.key.includes(ns)).length;
      const run = await runAction({ workspace: broken.dir, inputs, env: server.env });
      expect(run.main.exitCode).toBe(1);
      expect(run.main.stdout).toMatch(/the helper holds the mounts until the build ends/);
      expect(annotations(run.main.stdout).filter((a) => a.level === 'error').map((a) => a.message)).toEqual([expect.stringMatching(/^Build failed: .*undefinedCall|^Build failed: .*exit code/)]);
      expect(run.main.stdout).not.toMatch(/Taking the Go caches out/);
      expect(server.entries().filter((e) => e.key.includes(ns))).toHaveLength(before);
      // The step returned, and no helper build of its own is still running.
      const helpers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('go-cache-inject'));
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
      writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('target=/root/.cache/go-build', 'target=/root/.cache/go-build,sharing=locked'));
      const lockedNs = `${ns}-locked`;
      const run = await runAction({ workspace: locked.dir, inputs: { ...inputs, 'build-args': `GO_IMAGE=${stack.goImage}\nCACHE_NS=${lockedNs}` }, env: server.env });
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
      const restoreWarnings = annotations(run.main.stdout).filter((a) => a.level === 'warning' && /^(Failed to restore|Go cache: could not restore)/.test(a.message));
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
      const ownWarnings = annotations(run.main.stdout).filter((a) => a.level === 'warning' && /^Go cache: could not restore .*(checksum|truncated|tar)/.test(a.message));
      expect(ownWarnings.map((w) => w.message.split(':')[1]!.trim()).sort(), run.main.stdout).toEqual([`could not restore gobuild-${ns}`, `could not restore gomod-${ns}`]);
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

  it('says none (not a miss) for a Dockerfile without Go cache mounts, and saves nothing', async () => {
    const plain = readFileSync(join(app.dir, 'Dockerfile'), 'utf8').replace(/--mount=type=cache,\S+\s+/g, '');
    expect(plain).not.toContain('type=cache');
    writeFileSync(join(app.dir, 'Dockerfile.nomounts'), plain);
    // The size baseline is saved as on any push; no Go cache entry is.
    const goEntries = () => server.entries().filter((e) => /-go-(modules|build)-/.test(e.key));
    const before = goEntries().length;
    const run = await runAction({ workspace: app.dir, inputs: { ...inputs, file: 'Dockerfile.nomounts', platforms: 'linux/amd64' }, env: server.env });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(run.main.outputs['go-cache-hit']).toBe('none');
    expect(run.post?.exitCode).toBe(0);
    expect(goEntries()).toHaveLength(before);
  });
});

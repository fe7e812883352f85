// The merge hand-off, before (the Actions cache) and after (the run's artifacts), side by side:
// two per-platform saves and the merge job's gathering of both, through the bundled workers
// (dist/cache-worker, dist/artifact-worker; run `npm run build` first) against the loopback
// cache and artifact services of the tests. Each call is a worker process, as in the action.
// Run: node bench/handoff.mjs   (prints times and the ratio; no assertion on absolute times)
import { mkdirSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';

register('./ts-hooks.mjs', import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const { actionsCacheService, isolate } = await import('../src/actions-cache/service.ts');
const { actionsArtifactService } = await import('../src/actions-artifact/service.ts');
const { cacheEnv } = await import('../src/actions-cache/isolation.ts');
const { ChildRegistry } = await import('../src/util/children.ts');
const { artifactHandoffStore } = await import('../src/merge/artifact-store.ts');
const { cacheHandoffStore } = await import('../src/merge/store.ts');
const { startCacheServer } = await import('../test/support/cache-server.ts');
const { startArtifactServer } = await import('../test/support/artifact-server.ts');
const { tempDir, removeTempDirs } = await import('../test/support/temp.ts');

const registry = new ChildRegistry();
const launch = (bundle) => ({ program: process.execPath, args: [join(root, 'dist', bundle, 'index.js')] });
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const record = (runId, platform) => ({
  schema: 1,
  runId,
  runAttempt: '1',
  image: 'ghcr.io/org/app',
  platform,
  digest: null,
  pushed: false,
  repositories: ['ghcr.io/org/app'],
  version: '1.2.3',
  size: null,
  smoke: { status: 'passed' },
  platformCheck: { errors: [], warnings: [], unchecked: [] },
  failures: [],
});

/** One job's store: its own work dir and environment, as a runner gives each job. */
function job(way, server, runId) {
  const dir = tempDir('handoff-bench');
  mkdirSync(join(dir, 'temp'));
  const env = {
    ...process.env,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: join(dir, 'temp'),
    GITHUB_RUN_ID: runId,
  };
  if (way === 'cache') {
    const service = actionsCacheService(
      { launch: launch('cache-worker'), env: { ...env, ...server.env }, cwd: dir, registry, logTo: 'stderr' },
      1,
    );
    const isolated = cacheEnv(dir);
    return cacheHandoffStore(isolate(service, isolated), isolated.workspace);
  }
  const service = actionsArtifactService(
    { launch: launch('artifact-worker'), env: { ...env, ...server.env() }, cwd: dir, registry, logTo: 'stderr' },
    1,
  );
  return artifactHandoffStore(service, dir);
}

const ms = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

async function round(way, server, runId) {
  // The two per-platform jobs save at the same time, as on two runners; then the merge job gathers.
  const saves = await Promise.all(PLATFORMS.map((p) => ms(() => job(way, server, runId).save([record(runId, p)]))));
  let found = [];
  const gather = await ms(async () => {
    found = await job(way, server, runId).restore({ runId, runAttempt: '1', image: 'ghcr.io/org/app' }, PLATFORMS);
  });
  if (found.some((f) => 'missing' in f)) throw new Error(`${way}: ${JSON.stringify(found)}`);
  return { save: Math.max(...saves), gather };
}

const cache = await startCacheServer();
const artifacts = await startArtifactServer();
const rows = { cache: [], artifacts: [] };
try {
  for (let i = 0; i < 5; i++) {
    rows.cache.push(await round('cache', cache, `bench-${i}`));
    rows.artifacts.push(await round('artifacts', artifacts, `bench-${i}`));
  }
} finally {
  await cache.close();
  await artifacts.close();
  removeTempDirs();
}
const med = (list, k) => list.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
console.log('| hand-off | per-platform save (slower of 2) | merge gather (2 platforms) | total | ratio to cache |');
console.log('|---|--:|--:|--:|--:|');
const total = (way) => med(rows[way], 'save') + med(rows[way], 'gather');
for (const way of ['cache', 'artifacts'])
  console.log(
    `| ${way} (median of 5) | ${Math.round(med(rows[way], 'save'))} ms | ${Math.round(med(rows[way], 'gather'))} ms | ${Math.round(total(way))} ms | ${(total(way) / total('cache')).toFixed(2)} |`,
  );

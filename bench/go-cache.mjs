// npm run bench: the Go cache benchmark. One run, one machine, one fixture, side by side:
//   cold 2-platform build | fresh-runner rebuild after a one-line change (BuildKit wiped, caches
//   restored through the local Actions cache service) | same-runner warm rebuild (the floor) |
//   inject + extract of a ~500 MB Go build cache | saved build-cache size after 10 one-line changes;
//   and the cold / fresh-runner pair on the docker driver, a docker-container builder and one of
//   two nodes, side by side (BENCH_ONLY=builders: that table alone).
// Times are main + post step of the bundled action, as a runner runs it. Prints a table and writes
// bench/go-cache-results.json. Wipes BuildKit's cache (docker buildx prune [--builder B] -af) of each
// builder twice: run it under the e2e lock (flock /tmp/gca-e2e.lock npm run bench).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

register('./ts-hooks.mjs', import.meta.url);
const { runAction } = await import('../test/support/runner.ts');
// The runner's directories (one per run); vitest removes them after a test file, the bench here.
const { removeTempDirs } = await import('../test/support/temp.ts');
const { startCacheServer } = await import('../test/support/cache-server.ts');
const { builders, stack } = await import('../test/support/stack.ts');
const { generateApp, changeOneLine } = await import('./generate-fixture.mjs');
const { restoreGoCaches } = await import('../src/go-cache/restore.ts');
const { extractGoCaches } = await import('../src/go-cache/extract.ts');
const { DockerCli } = await import('../src/docker/cli.ts');
const { RecordingReporter } = await import('../test/support/recording-reporter.ts');
const { TarWriter } = await import('../src/go-cache/tar.ts');

const PACKAGES = Number(process.env.BENCH_PACKAGES ?? 60);
const FUNCS = Number(process.env.BENCH_FUNCS ?? 40);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 10);
const OUT = new URL('./go-cache-results.json', import.meta.url).pathname;

const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
const seconds = (run) => (run.main.durationMs + (run.post?.durationMs ?? 0)) / 1000;
const log = (...a) => console.error('[bench]', ...a);

function check(run, label) {
  if (run.main.exitCode !== 0 || (run.post && run.post.exitCode !== 0)) {
    console.error(run.main.stdout.slice(-4000), run.main.stderr.slice(-2000));
    throw new Error(`${label}: the action failed`);
  }
}

const loadBefore = loadavg();
const work = mkdtempSync(join(tmpdir(), 'gca-bench-'));
const app = join(work, 'app');
generateApp(app, { packages: PACKAGES, funcs: FUNCS });
const server = await startCacheServer();
const ns = `bench-${Date.now().toString(36)}`;
const inputs = { platforms: 'linux/amd64,linux/arm64', 'build-args': `GO_IMAGE=${stack.goImage}\nCACHE_NS=${ns}` };
const env = server.env;
const buildEntrySize = () => {
  const e = server.entries().filter((x) => x.finalized && x.key.includes('-go-build-') && x.key.includes(ns));
  return e.length ? e.sort((a, b) => b.createdAt - a.createdAt)[0].size : 0;
};

/**
 * The builders compared side by side: the engine's own (docker driver), a docker-container
 * builder of one node, and one of two nodes (linux/amd64 and linux/arm64 each on its own node;
 * buildx exports no OCI layout from several nodes, so that build pushes to the local registry).
 */
const BUILDERS = [
  { label: 'docker driver', goImage: () => stack.goImage },
  { label: 'docker-container, 1 node', builder: builders.container, goImage: () => builders.goImage },
  { label: 'docker-container, 2 nodes', builder: builders.multiNode, goImage: () => builders.goImage, push: true },
];
const wipe = (b) => docker(['buildx', 'prune', ...(b.builder ? ['--builder', b.builder] : []), '-af']);

/** Cold build, then a fresh runner (the builder wiped) after a one-line change, on builder `b`. */
async function builderFlow(b, index) {
  const dir = join(work, `app-builder-${index}`);
  generateApp(dir, { packages: PACKAGES, funcs: FUNCS });
  const bns = `${ns}-b${index}`;
  const binputs = { platforms: inputs.platforms, 'build-args': `GO_IMAGE=${b.goImage()}\nCACHE_NS=${bns}` };
  if (b.builder) binputs.builder = b.builder;
  if (b.push) Object.assign(binputs, { push: 'true', tags: `${stack.registry}/bench/go-cache-${bns}:latest` });
  wipe(b);
  const cold = await runAction({ workspace: dir, inputs: binputs, env });
  check(cold, `${b.label}: cold`);
  wipe(b);
  changeOneLine(dir, 1);
  const fresh = await runAction({ workspace: dir, inputs: binputs, env });
  check(fresh, `${b.label}: fresh`);
  const row = {
    label: b.label,
    builder: b.builder ?? 'default',
    coldSeconds: seconds(cold),
    freshSeconds: seconds(fresh),
    goCacheHit: fresh.main.outputs['go-cache-hit'],
  };
  row.freshOverCold = row.freshSeconds / row.coldSeconds;
  row.freshLog = goCacheLines(fresh);
  log(
    `${b.label}: cold ${row.coldSeconds.toFixed(1)} s, fresh ${row.freshSeconds.toFixed(1)} s (${row.freshOverCold.toFixed(2)} x, go-cache-hit ${row.goCacheHit})`,
  );
  return row;
}

const goCacheLines = (run) => `${run.main.stdout}\n${run.post?.stdout ?? ''}`.split('\n').filter((l) => /^(Go cache:|Built )/.test(l));
const BUILDER_TARGET = 0.25;

function printBuilders(rows) {
  const cell = (text, width) => String(text).padStart(width);
  console.log(`\nFresh runner after a one-line change, per builder (${PACKAGES} generated packages, ${inputs.platforms})`);
  console.log(`${'builder'.padEnd(30)}${cell('cold', 10)}${cell('fresh', 10)}${cell('fresh/cold', 12)}  target`);
  for (const r of rows) {
    const target = r.builder === 'default' ? '' : `<= ${BUILDER_TARGET} ${r.freshOverCold <= BUILDER_TARGET ? 'PASS' : 'MISS'}`;
    console.log(
      `${r.label.padEnd(30)}${cell(`${r.coldSeconds.toFixed(1)} s`, 10)}${cell(`${r.freshSeconds.toFixed(1)} s`, 10)}${cell(`${r.freshOverCold.toFixed(2)} x`, 12)}  ${target}`,
    );
  }
}

const results = {};
if (process.env.BENCH_ONLY === 'builders') {
  // The builders side by side, alone.
  try {
    const rows = [];
    for (const [i, b] of BUILDERS.entries()) rows.push(await builderFlow(b, i));
    console.log(JSON.stringify(rows, null, 2));
    printBuilders(rows);
    process.exitCode = rows.every((r) => r.builder === 'default' || r.freshOverCold <= BUILDER_TARGET) ? 0 : 1;
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
    removeTempDirs();
  }
  process.exit();
}
if (process.env.BENCH_ONLY === '500') {
  // A quick look at the inject/extract part alone.
  console.log(JSON.stringify({ shared: await injectExtract500(work, 'shared'), locked: await injectExtract500(work, 'locked') }, null, 2));
  await server.close();
  rmSync(work, { recursive: true, force: true });
  removeTempDirs();
  process.exit(0);
}
try {
  log(`fixture: ${PACKAGES} generated packages x ${FUNCS} functions, 2 platforms; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  docker(['buildx', 'prune', '-af']);
  const cold = await runAction({ workspace: app, inputs, env });
  check(cold, 'cold');
  log(`cold ${seconds(cold).toFixed(1)} s`);

  docker(['buildx', 'prune', '-af']);
  changeOneLine(app, 1);
  const fresh = await runAction({ workspace: app, inputs, env });
  check(fresh, 'fresh');
  const savedAfterFirst = buildEntrySize();
  log(`fresh ${seconds(fresh).toFixed(1)} s (go-cache-hit ${fresh.main.outputs['go-cache-hit']})`);

  changeOneLine(app, 2);
  const warm = await runAction({ workspace: app, inputs: { ...inputs, 'go-cache': 'false' }, env });
  check(warm, 'warm');
  log(`warm ${seconds(warm).toFixed(1)} s`);

  // Saved size: the first one-line change saved above; CHANGES - 1 more, each saving anew.
  for (let i = 2; i <= CHANGES; i++) {
    changeOneLine(app, 100 + i);
    const r = await runAction({ workspace: app, inputs, env });
    check(r, `change ${i}`);
    log(`change ${i}: ${seconds(r).toFixed(1)} s, saved build cache ${(buildEntrySize() / 1e6).toFixed(1)} MB`);
  }
  const savedAfterLast = buildEntrySize();

  // The same cold / fresh-runner pair on the other builders, next to the docker driver's above.
  const builderRows = [
    {
      label: BUILDERS[0].label,
      builder: 'default',
      coldSeconds: seconds(cold),
      freshSeconds: seconds(fresh),
      goCacheHit: fresh.main.outputs['go-cache-hit'],
      freshOverCold: seconds(fresh) / seconds(cold),
      freshLog: goCacheLines(fresh),
    },
  ];
  for (const [i, b] of BUILDERS.entries()) if (b.builder) builderRows.push(await builderFlow(b, i));

  // Side by side: shared mounts (one helper holds them through the build) and locked ones (a
  // helper before the build and another after it).
  const big = await injectExtract500(work, 'shared');
  const bigLocked = await injectExtract500(work, 'locked');
  results.coldSeconds = seconds(cold);
  results.freshSeconds = seconds(fresh);
  results.warmSeconds = seconds(warm);
  results.freshOverCold = results.freshSeconds / results.coldSeconds;
  results.freshOverWarm = results.freshSeconds / results.warmSeconds;
  // Where the fresh run's time goes, as the action logged it.
  results.freshLog = `${fresh.main.stdout}\n${fresh.post?.stdout ?? ''}`.split('\n').filter((l) => /^(Go cache:|Built )/.test(l));
  results.noPersistenceEstimate = 'about 1.0 x cold (BuildKit wiped, nothing restored)';
  results.cache500 = big;
  results.cache500Locked = bigLocked;
  results.lockedOverShared = (bigLocked.injectSeconds + bigLocked.extractSeconds) / (big.injectSeconds + big.extractSeconds);
  results.savedBuildCacheBytes = {
    afterFirstChange: savedAfterFirst,
    afterLastChange: savedAfterLast,
    changes: CHANGES,
    ratio: savedAfterLast / savedAfterFirst,
  };
  results.builders = builderRows;
  results.fixture = { packages: PACKAGES, funcs: FUNCS, platforms: inputs.platforms };
  results.load = { before: loadBefore, after: loadavg() };
  results.when = new Date().toISOString();
  results.targets = {
    freshOverCold: { limit: 0.3, value: results.freshOverCold, ok: results.freshOverCold <= 0.3 },
    injectPlusExtract: { limit: 5, value: big.injectSeconds + big.extractSeconds, ok: big.injectSeconds + big.extractSeconds <= 5 },
    savedGrowth: { limit: 1.2, value: results.savedBuildCacheBytes.ratio, ok: results.savedBuildCacheBytes.ratio <= 1.2 },
    ...Object.fromEntries(
      builderRows
        .filter((r) => r.builder !== 'default')
        .map((r) => [`freshOverCold ${r.label}`, { limit: BUILDER_TARGET, value: r.freshOverCold, ok: r.freshOverCold <= BUILDER_TARGET }]),
    ),
  };
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  printBuilders(builderRows);
  process.exitCode = Object.values(results.targets).every((t) => t.ok) ? 0 : 1;
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
  removeTempDirs();
}

/**
 * ~500 MB of Go build cache (5,176 files of Go's entry sizes and names in 256 dirs), restored
 * through the action's own restore (a stand-in service hands over the archive), used by a
 * "build" that reads most entries and writes a few, then extracted: the same code as the action.
 * `sharing`: the mounts' sharing mode (shared: one held helper; locked: one before, one after).
 */
async function injectExtract500(work, sharing) {
  const dir = join(work, `big-${sharing}`);
  mkdirSync(dir);
  const files = 5176;
  const total = 499 * 1e6;
  const cacheDir = join(dir, 'big');
  mkdirSync(cacheDir);
  const archive = join(cacheDir, 'prepared.tar');
  const writer = new TarWriter(archive);
  const names = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 256; i++)
    writer.add({ name: i.toString(16).padStart(2, '0'), type: '5', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: now, linkname: '' });
  for (let i = 0; i < files; i++) {
    const hash = randomBytes(32).toString('hex');
    const name = `${hash.slice(0, 2)}/${hash}-${i % 2 ? 'a' : 'd'}`;
    const size = i % 2 ? 200 : Math.floor((total / files) * 2 * (0.5 + ((i * 7919) % 1000) / 1000));
    const padded = Buffer.alloc(Math.ceil(size / 512) * 512);
    randomBytes(Math.min(size, 65536)).copy(padded);
    writer.add({ name, type: '0', mode: 0o644, uid: 0, gid: 0, size, mtime: now, linkname: '' }, padded);
    names.push(name);
  }
  writer.close();
  const archiveBytes = writer.bytes;

  const id = `gobuild-big-${Date.now().toString(36)}`;
  const dockerfile = join(cacheDir, 'Dockerfile');
  writeFileSync(
    dockerfile,
    `FROM ${stack.goImage}\nRUN --mount=type=cache,id=${id},target=/root/.cache/go-build,sharing=${sharing} go version\n`,
  );
  const workDir = join(cacheDir, 'work');
  mkdirSync(workDir);
  const { copyFileSync } = await import('node:fs');
  let copySeconds = 0;
  const stand = (workspace) => ({
    available: () => true,
    restore: async (paths, primary, restoreKeys) => {
      const t = Date.now();
      // The action gives each cache call the run's work dir as its workspace (within).
      const target = join(workspace, paths[0]);
      mkdirSync(target, { recursive: true });
      copyFileSync(archive, join(target, 'cache.tar'));
      copySeconds = (Date.now() - t) / 1000;
      return `${restoreKeys[0]}previous`;
    },
    save: async () => undefined,
    within: (env) => stand(env.workspace),
  });
  const service = stand(process.cwd());
  const opts = {
    enabled: true,
    stream: true,
    file: dockerfile,
    context: cacheDir,
    platforms: ['linux/amd64'],
    buildArgs: [],
    buildPlatform: 'linux/amd64',
    workDir,
    unique: 'bench',
  };
  const tools = { docker: new DockerCli(), reporter: new RecordingReporter() };
  const reporter = tools.reporter;
  let t = Date.now();
  const { session } = await restoreGoCaches(opts, service, tools);
  const injectSeconds = (Date.now() - t) / 1000 - copySeconds;
  if (!session) throw new Error(`500 MB restore failed: ${reporter.lines.join('\n')}`);

  // The "build": uses 90% of the entries (Go refreshes their mtime), writes 40 new ones.
  const use = join(cacheDir, 'use');
  mkdirSync(use);
  writeFileSync(join(use, 'used.list'), names.filter((_, i) => i % 10 !== 0).join('\n') + '\n');
  writeFileSync(
    join(use, 'Dockerfile'),
    `FROM ${stack.goImage}\nARG N\nRUN --mount=type=cache,id=${id},target=/c,sharing=${sharing} --mount=type=bind,target=/in cd /c && xargs touch -c < /in/used.list && for i in $(seq 1 40); do head -c 100000 /dev/urandom > 00/new-$N-$i-d; done\n`,
  );
  docker(['buildx', 'build', '--build-arg', `N=${Date.now()}`, '--output', 'type=cacheonly', '-f', join(use, 'Dockerfile'), use]);

  t = Date.now();
  const saves = await extractGoCaches(session, tools);
  const extractSeconds = (Date.now() - t) / 1000;
  const saved = saves[0]?.bytes ?? 0;
  rmSync(session.slots[0].dir, { recursive: true, force: true });
  return {
    archiveBytes,
    files,
    injectSeconds,
    extractSeconds,
    savedBytes: saved,
    log: reporter.lines.filter((l) => l.startsWith('Go cache')),
  };
}

function printTable(r) {
  const row = (a, b, c) => console.log(`${a.padEnd(58)}${String(b).padStart(12)}  ${c ?? ''}`);
  console.log('');
  console.log(
    `Go cache benchmark (${r.fixture.packages} generated packages, ${r.fixture.platforms}; load ${r.load.before.map((l) => l.toFixed(2)).join(' ')} -> ${r.load.after.map((l) => l.toFixed(2)).join(' ')})`,
  );
  row('measure', 'value', 'target');
  row('cold 2-platform build (main + post)', `${r.coldSeconds.toFixed(1)} s`);
  row('fresh runner, one-line change, caches restored', `${r.freshSeconds.toFixed(1)} s`);
  row('same runner, warm BuildKit (the floor)', `${r.warmSeconds.toFixed(1)} s`);
  row('fresh / cold', `${r.freshOverCold.toFixed(2)} x`, `<= 0.3 ${r.targets.freshOverCold.ok ? 'PASS' : 'MISS'}`);
  row('fresh / warm', `${r.freshOverWarm.toFixed(2)} x`);
  row(
    `inject ~500 MB build cache (${r.cache500.files} files, ${(r.cache500.archiveBytes / 1e6).toFixed(0)} MB)`,
    `${r.cache500.injectSeconds.toFixed(1)} s`,
  );
  row('extract after a build (90% used, 40 new entries)', `${r.cache500.extractSeconds.toFixed(1)} s`);
  row(
    'inject + extract',
    `${(r.cache500.injectSeconds + r.cache500.extractSeconds).toFixed(1)} s`,
    `<= 5 s ${r.targets.injectPlusExtract.ok ? 'PASS' : 'MISS'}`,
  );
  row(
    'the same with sharing=locked mounts (two helpers)',
    `${(r.cache500Locked.injectSeconds + r.cache500Locked.extractSeconds).toFixed(1)} s`,
  );
  row('locked / shared', `${r.lockedOverShared.toFixed(2)} x`);
  row('saved build cache after the 1st one-line change', `${(r.savedBuildCacheBytes.afterFirstChange / 1e6).toFixed(1)} MB`);
  row(
    `saved build cache after ${r.savedBuildCacheBytes.changes} one-line changes`,
    `${(r.savedBuildCacheBytes.afterLastChange / 1e6).toFixed(1)} MB`,
  );
  row('growth', `${r.savedBuildCacheBytes.ratio.toFixed(2)} x`, `<= 1.2 ${r.targets.savedGrowth.ok ? 'PASS' : 'MISS'}`);
  console.log(`\nJSON: ${OUT}`);
}

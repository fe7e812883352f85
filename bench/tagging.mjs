// The cost of moving the tags only after the checks, for a two-platform image: side by side in
// one run, alternating which goes first, several rounds, each with a new VERSION (one new
// layer per platform, as in CI):
//   direct: `buildx build --tag … --push` (the tags move as the image is pushed)
//   digest: the action's own path on this builder: the build by digest only, then
//           `buildx imagetools create` per repository. On the docker driver (the stack's), the
//           push by digest is the action's upload of the build's OCI layout; on a
//           docker-container builder it is BuildKit's push-by-digest.
// Run: npm run bench -- tagging   (prints times, the extra seconds and the ratio; no assertion)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

register('./ts-hooks.mjs', import.meta.url);
const { stack } = await import('../test/support/stack.ts');
const { buildxArgv, planBuild } = await import('../src/buildx/plan.js');
const { uploadLayout } = await import('../src/oci/registry-push.js');
const { imagetoolsArgv } = await import('../src/release/apply.js');
const { tagGroups } = await import('../src/util/reference.js');
const { RegistryGuards } = await import('../src/oci/registry-client.js');
const { DockerCli } = await import('../src/docker/cli.js');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const root = new URL('..', import.meta.url).pathname;
const context = join(root, 'examples/hello');
const repository = `${stack.registry}/bench/tagging-${Date.now().toString(36)}`;
const client = new DockerCli();
const [builder, engine] = await Promise.all([client.inspectBuilder(), client.engine()]);
const driver = builder.ok ? builder.value.driver : 'docker';
const containerdImageStore = engine.ok && engine.value.containerdImageStore;
if (driver === 'docker' && !containerdImageStore)
  throw new Error('the docker driver on the classic image store cannot push by digest: nothing to compare');
const docker = (args) => execFileSync('docker', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const seconds = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

/** The plan the action makes for this push, with the work directory of one run. */
function plan(version, workDir) {
  const inputs = {
    context,
    file: join(context, 'Dockerfile'),
    platforms: ['linux/amd64', 'linux/arm64'],
    tags: [],
    push: true,
    load: false,
    buildArgs: [{ key: 'GO_IMAGE', value: stack.goImage }],
    cacheFrom: [],
    cacheTo: [],
    labels: [],
  };
  const tags = [`${repository}:${version}`, `${repository}:latest`];
  return planBuild(
    inputs,
    { sha: '', serverUrl: 'https://github.com', repository: '' },
    { version, tags, created: new Date(), workDir, driver, containerdImageStore },
  );
}

/** Before: the tags move as buildx pushes. */
async function direct(version) {
  const workDir = mkdtempSync(join(tmpdir(), 'gca-tag-bench-'));
  const p = plan(version, workDir);
  const argv = [
    'buildx',
    'build',
    '--file',
    p.file,
    '--platform',
    p.platforms.join(','),
    ...p.buildArgs.flatMap((a) => ['--build-arg', `${a.key}=${a.value}`]),
    ...p.tags.flatMap((t) => ['--tag', t]),
    '--push',
    p.context,
  ];
  const total = await seconds(() => docker(argv));
  // The docker driver also keeps the pushed tags in the local store: not part of the cost.
  if (driver === 'docker') execFileSync('docker', ['image', 'rm', ...p.tags], { stdio: 'ignore' });
  rmSync(workDir, { recursive: true, force: true });
  return { total };
}

/** Now: by digest, then the tags. */
async function byDigest(version) {
  const workDir = mkdtempSync(join(tmpdir(), 'gca-tag-bench-'));
  const p = plan(version, workDir);
  let digest = '';
  const build = await seconds(() => docker(buildxArgv(p)));
  const push =
    p.pushByDigest.via === 'layout'
      ? await seconds(async () => (digest = (await uploadLayout(p.ociLayoutDir, p.pushByDigest.repositories, new RegistryGuards())).digest))
      : 0;
  if (!digest) digest = JSON.parse(readFileSync(p.metadataFile, 'utf8'))['containerimage.digest'];
  const tag = await seconds(() => {
    for (const g of tagGroups(p.tags)) docker(imagetoolsArgv(g, digest));
  });
  rmSync(workDir, { recursive: true, force: true });
  return { total: build + push + tag, build, push, tag };
}

console.log(
  `builder driver: ${driver}; push by digest: ${driver === 'docker' ? 'the action uploads the OCI layout' : "BuildKit's push-by-digest"}; ${ROUNDS} rounds + 1 warm-up`,
);
await direct('warmup-a');
await byDigest('warmup-b');
const rows = [];
for (let i = 0; i < ROUNDS; i++) {
  const v = `${Date.now().toString(36)}-${i}`;
  // Alternate which goes first, so a warmer cache or registry favours neither.
  if (i % 2 === 0) rows.push({ a: await direct(`a-${v}`), b: await byDigest(`b-${v}`) });
  else {
    const b = await byDigest(`b-${v}`);
    rows.push({ a: await direct(`a-${v}`), b });
  }
}
const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log('| round | push with tags | by digest: build | upload | imagetools create | by digest: total | extra | ratio |');
console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
rows.forEach(({ a, b }, i) =>
  console.log(
    `| ${i + 1} | ${a.total.toFixed(2)} s | ${b.build.toFixed(2)} s | ${b.push.toFixed(2)} s | ${b.tag.toFixed(2)} s | ${b.total.toFixed(2)} s | ${(b.total - a.total).toFixed(2)} s | ${(b.total / a.total).toFixed(2)} |`,
  ),
);
const a = med(rows.map((r) => r.a.total));
const b = med(rows.map((r) => r.b.total));
const extra = med(rows.map((r) => r.b.total - r.a.total));
const ratio = med(rows.map((r) => r.b.total / r.a.total));
console.log(
  `| median | ${a.toFixed(2)} s | ${med(rows.map((r) => r.b.build)).toFixed(2)} s | ${med(rows.map((r) => r.b.push)).toFixed(2)} s | ${med(rows.map((r) => r.b.tag)).toFixed(2)} s | ${b.toFixed(2)} s | ${extra.toFixed(2)} s | ${ratio.toFixed(2)} |`,
);
console.log(
  `\nextra cost of tagging after the checks (medians of the per-round differences and ratios): ${extra.toFixed(2)} s (target < 2 s), ratio ${ratio.toFixed(2)}`,
);

/** runPipeline with a recorded fake of docker and a fake cache service: what it calls, sets and decides. */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { BuildOutput } from '../../src/docker/client.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CacheEnv } from '../../src/actions-cache/isolation.js';
import type { CacheService } from '../../src/actions-cache/service.js';
import { TarWriter } from '../../src/go-cache/tar.js';
import { contextFromEnv } from '../../src/context.js';
import { parseInputs, type InputName } from '../../src/inputs.js';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { builderOf, engineOf, failed, FakeDocker, ok, type DockerScript } from '../support/fake-docker.js';
import { fakeHelper, type HelperRun } from '../support/fake-helper.js';
import { inputReader } from '../support/inputs.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { MemoryTagStore } from '../support/tag-store.js';
import { tempDir } from '../support/temp.js';

const GOOD = [
  'FROM golang:1.24 AS build',
  'WORKDIR /src',
  'COPY . .',
  'RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod go build -ldflags="-s -w" -o /app .',
  'FROM gcr.io/distroless/static',
  'USER 65532',
  'COPY --from=build /app /app',
  'ENTRYPOINT ["/app"]',
].join('\n');
const BAD = ['FROM golang:1.24', 'COPY . .', 'RUN go build -o /app .', 'CMD /app'].join('\n');

function workspace(dockerfile: string): string {
  const ws = tempDir('pipeline');
  mkdirSync(join(ws, 'app'));
  writeFileSync(join(ws, 'app', 'Dockerfile'), dockerfile);
  writeFileSync(join(ws, 'app', '.dockerignore'), '.git\n');
  writeFileSync(join(ws, 'app', 'go.sum'), '');
  return ws;
}

/** A cache service with an entry for every slot: a small valid archive. */
function cacheService(): CacheService {
  const within = (env: CacheEnv): CacheService => ({
    available: () => true,
    restore: async (paths, primary) => {
      const dir = join(env.workspace, paths[0]!);
      mkdirSync(dir, { recursive: true });
      const w = new TarWriter(join(dir, 'cache.tar'));
      w.add(
        { name: '00/entry-d', type: '0', mode: 0o644, uid: 0, gid: 0, size: 10, mtime: 1_700_000_000, linkname: '' },
        Buffer.alloc(512, 1),
      );
      w.close();
      return primary;
    },
    save: async () => undefined,
  });
  return { available: () => true, restore: async () => undefined, save: async () => undefined, within };
}

async function pipeline(
  dockerfile: string,
  values: Partial<Record<InputName, string>>,
  script: DockerScript = {},
  ref = 'refs/heads/main',
) {
  const ws = workspace(dockerfile);
  const runs: HelperRun[] = [];
  const docker = new FakeDocker({ bridgeGateway: async () => '127.0.0.1', helperBuild: fakeHelper(runs), ...script });
  const reporter = new RecordingReporter();
  const ctx = contextFromEnv(
    { GITHUB_WORKSPACE: ws, GITHUB_REF: ref, GITHUB_SHA: 'a'.repeat(40), RUNNER_TEMP: tempDir('pipeline-temp') },
    {},
    ws,
    ws,
  );
  const inputs = parseInputs(inputReader({ context: 'app', platforms: 'linux/amd64', ...values }), ws);
  const clock = { now: () => new Date('2025-01-02T03:04:05Z') };
  const github = (): never => {
    throw new Error('these runs make no pull-request comment');
  };
  // The registries' tags in memory: what each tag named before the move is read there.
  const tagStore = new MemoryTagStore();
  const outcome = await runPipeline(inputs, { reporter, ctx, docker, cache: cacheService(), clock, github, tagStore });
  return { outcome, docker, reporter, runs };
}

/** The title line of each summary section, in order. */
const sections = (r: RecordingReporter): string[] => r.summary.map((s) => s.split('\n')[0]!);

describe('runPipeline', () => {
  it.each<[string, Partial<Record<InputName, string>>, string]>([
    ['the version input wins over a VERSION build-arg', { version: '2.0.0', 'build-args': 'VERSION=1.0.0' }, '2.0.0'],
    ['a VERSION build-arg is the version without the input', { 'build-args': 'VERSION=1.0.0' }, '1.0.0'],
    ['the ref gives it otherwise', {}, 'main-aaaaaaa'],
  ])('%s: the binary (build-arg), the label and the output agree', async (_, values, version) => {
    const { docker, reporter } = await pipeline(GOOD, { 'go-cache': 'false', ...values });
    const argv = docker.callsOf('build')[0]![0] as string[];
    expect(argv.filter((a, i) => argv[i - 1] === '--build-arg' && a.startsWith('VERSION='))).toEqual([`VERSION=${version}`]);
    expect(argv).toContain(`org.opencontainers.image.version=${version}`);
    expect(reporter.outputs.version).toBe(version);
  });

  it("a passing run: checks docker, builds once with the plan's argv, sets the outputs, summary sections in stage order", async () => {
    const { outcome, docker, reporter } = await pipeline(GOOD, { 'go-cache': 'false', version: '1.2.3', tags: 'app:1', load: 'true' });
    expect(outcome.failures).toEqual([]);
    expect(docker.methods().slice(0, 3)).toEqual(['engine', 'buildxVersion', 'inspectBuilder']);
    expect(docker.callsOf('build')).toHaveLength(1);
    const argv = docker.callsOf('build')[0]![0] as string[];
    expect(argv.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(argv).toEqual(expect.arrayContaining(['--tag', 'app:1', '--load', '--platform', 'linux/amd64']));
    expect(docker.methods()).not.toContain('helperBuild');
    expect(reporter.outputs).toMatchObject({ version: '1.2.3', 'go-cache-hit': 'false', 'smoke-status': 'skipped', metadata: '{}' });
    // The stages that write one, in the order they ran (the size stage has nothing to measure here: no layout was written).
    expect(sections(reporter)).toEqual(['### 🧭 Dockerfile checks', '### 🐳 Go container build']);
  });

  it('a failed build: the held Go cache helpers are released, smoke-status skipped, outputs set before the failure', async () => {
    const { outcome, docker, reporter, runs } = await pipeline(
      GOOD,
      { version: '1.2.3' },
      { build: async () => failed('ERROR: failed to solve: process "/bin/sh -c go build" did not complete successfully: exit code: 1') },
    );
    expect(outcome.failures).toEqual([
      'Build failed: ERROR: failed to solve: process "/bin/sh -c go build" did not complete successfully: exit code: 1',
    ]);
    expect(runs.map((r) => r.kind)).toEqual(['held']);
    expect(runs[0]!.answer).toBe('stop');
    // Held helper first, then the build; no extract after a failed build.
    expect(docker.methods().filter((m) => m === 'helperBuild' || m === 'build')).toEqual(['helperBuild', 'build']);
    expect(reporter.outputs).toMatchObject({ version: '1.2.3', 'go-cache-hit': 'true', 'smoke-status': 'skipped', metadata: '{}' });
    expect(sections(reporter)).toEqual(['### 🧭 Dockerfile checks', '### 🐳 Go container build']);
  });

  it('secrets reach buildx by its environment only; the Go cache helpers get none', async () => {
    const { docker, reporter, runs } = await pipeline(GOOD, {
      version: '1.2.3',
      secrets: 'api=s3cr3t-value-1',
      'go-private': 'github.com/acme/*',
      'go-private-token': 'tok-s3cr3t-2',
    });
    const [argv, env] = docker.callsOf('build')[0] as [string[], Record<string, string>];
    expect(argv.join(' ')).not.toMatch(/s3cr3t/);
    expect(argv).toEqual(
      expect.arrayContaining([
        '--secret',
        'id=api,env=GCA_BUILD_SECRET_0',
        '--secret',
        'id=netrc,env=GCA_BUILD_SECRET_1',
        '--build-arg',
        'GOPRIVATE=github.com/acme/*',
      ]),
    );
    expect(env).toEqual({
      GCA_BUILD_SECRET_0: 's3cr3t-value-1',
      GCA_BUILD_SECRET_1: 'machine github.com login x-access-token password tok-s3cr3t-2\n',
    });
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(`${run.argv.join(' ')}\n${run.script}`).not.toMatch(/s3cr3t|--secret/);
    for (const [, helperEnv] of docker.callsOf('helperBuild')) expect(helperEnv).toBeUndefined();
    expect(
      [...reporter.lines, ...reporter.summary, ...Object.values(reporter.outputs), ...reporter.annotations.map((a) => a.message)].join(
        '\n',
      ),
    ).not.toMatch(/s3cr3t/);
  });

  it('dockerfile-checks: error with findings: no build call at all', async () => {
    const { outcome, docker } = await pipeline(BAD, { 'dockerfile-checks': 'error' });
    expect(outcome.failures).toEqual([expect.stringMatching(/^Dockerfile checks failed \(dockerfile-checks: error\)/)]);
    expect(docker.methods()).toEqual(['engine', 'buildxVersion', 'inspectBuilder']);
  });

  it('push with no tag to push to: fails before any docker call', async () => {
    const { outcome, docker, reporter } = await pipeline(GOOD, { push: 'true', images: 'ghcr.io/o/app' }, {}, 'refs/notes/x');
    expect(outcome.failures).toEqual([
      "Input 'push' is true, but ref refs/notes/x gives no tags for `images`. Expected a branch, a tag or a pull request ref, or explicit `tags`.",
    ]);
    expect(docker.calls).toEqual([]);
    expect(reporter.outputs.version).toBeDefined();
  });

  it('docker without buildx: a failure that says how to fix it, and no build', async () => {
    const { outcome, docker } = await pipeline(
      GOOD,
      {},
      { buildxVersion: async () => failed("docker: 'buildx' is not a docker command.") },
    );
    expect(outcome.failures).toEqual(['docker buildx is not installed. Install the buildx plugin, e.g. with docker/setup-buildx-action.']);
    expect(docker.methods()).toEqual(['engine', 'buildxVersion']);
  });
});

/** A build that writes buildx's metadata file, as a push by digest leaves it. */
const DIGEST = `sha256:${'d'.repeat(64)}`;
function pushingBuild(argv: readonly string[]): Promise<BuildOutput> {
  const file = argv[argv.indexOf('--metadata-file') + 1]!;
  writeFileSync(
    file,
    JSON.stringify({
      'containerimage.digest': DIGEST,
      'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.index.v1+json', digest: DIGEST, size: 1 },
    }),
  );
  return Promise.resolve(ok());
}
const containerBuilder = { inspectBuilder: async () => builderOf('Name:   ci\nDriver: docker-container\n'), build: pushingBuild };
// A registry that refuses connections: the pushed image cannot be measured (a warning without a budget).
const TAGS = '127.0.0.1:9/o/app:1\n127.0.0.1:9/o/app:latest\n127.0.0.1:9/o/mirror:1';

const classicStore = { engine: async () => engineOf(undefined, '[["Backing Filesystem","extfs"]]') };

describe('runPipeline on the docker driver with the classic image store', () => {
  it('not pushed: no OCI exporter (the driver has none there); the image loads, and the size stage saves it from the engine by its ID', async () => {
    const IID = `sha256:${'e'.repeat(64)}`;
    const build = (argv: readonly string[]): Promise<BuildOutput> => (
      writeFileSync(argv[argv.indexOf('--iidfile') + 1]!, IID),
      Promise.resolve(ok())
    );
    const { outcome, docker, reporter } = await pipeline(GOOD, { 'go-cache': 'false' }, { ...classicStore, build });
    const argv = docker.callsOf('build')[0]![0] as string[];
    expect(argv).not.toContain('--output');
    expect(docker.callsOf('saveImage')).toEqual([[IID, expect.stringMatching(/oci-layout\.tar$/)]]);
    // The fake engine has no image to save: no budget, so a warning and no failure.
    expect(outcome.failures).toEqual([]);
    expect(reporter.annotations.map((a) => a.message)).toContainEqual(
      expect.stringMatching(/cannot be measured: docker save sha256:e{64} failed: no image store in this fake/),
    );
  });

  it.each([['false'], ['true']])('two platforms (load: %s): an error naming the input, before any build', async (load) => {
    const { outcome, docker } = await pipeline(GOOD, { 'go-cache': 'false', platforms: 'linux/amd64,linux/arm64', load }, classicStore);
    expect(outcome.failures).toEqual([
      expect.stringMatching(
        load === 'true'
          ? /^Input 'load': cannot load 2 platforms into this engine's classic image store\./
          : /^Input 'platforms': cannot build 2 platforms with the builder default \(docker driver\) on this engine's classic image store\. Expected one platform, /,
      ),
    ]);
    expect(docker.methods()).not.toContain('build');
  });
});

describe('runPipeline with push: tags move last, and only when nothing failed', () => {
  it("a docker-container builder pushes by digest (no --tag), then imagetools create points each repository's tags at it", async () => {
    const { outcome, docker, reporter } = await pipeline(GOOD, { 'go-cache': 'false', push: 'true', tags: TAGS }, containerBuilder);
    expect(outcome.failures).toEqual([]);
    const argv = docker.callsOf('build')[0]![0] as string[];
    expect(argv).not.toContain('--tag');
    expect(argv).not.toContain('--push');
    expect(argv).toContain('type=image,"name=127.0.0.1:9/o/app,127.0.0.1:9/o/mirror",push-by-digest=true,name-canonical=true,push=true');
    expect(docker.methods().at(-1)).toBe('imagetoolsCreate');
    expect(docker.callsOf('imagetoolsCreate').map(([a]) => a)).toEqual([
      [
        'buildx',
        'imagetools',
        'create',
        '--tag',
        '127.0.0.1:9/o/app:1',
        '--tag',
        '127.0.0.1:9/o/app:latest',
        `127.0.0.1:9/o/app@${DIGEST}`,
      ],
      ['buildx', 'imagetools', 'create', '--tag', '127.0.0.1:9/o/mirror:1', `127.0.0.1:9/o/mirror@${DIGEST}`],
    ]);
    expect(reporter.outputs.digest).toBe(DIGEST);
    expect(reporter.summary.find((s) => s.startsWith('### 🐳'))).toContain('| Output | pushed by digest, then tagged |');
  }, 20_000);

  it('a failing check (a budget that cannot be measured) leaves every tag alone, says so, and still outputs the digest', async () => {
    const { outcome, docker, reporter } = await pipeline(
      GOOD,
      { 'go-cache': 'false', push: 'true', tags: TAGS, 'size-budget': '10MB' },
      containerBuilder,
    );
    expect(outcome.failures).toEqual([expect.stringMatching(/^Could not measure the image from 127\.0\.0\.1:9\/o\/app@sha256:d{64}/)]);
    expect(docker.methods()).not.toContain('imagetoolsCreate');
    expect(reporter.outputs.digest).toBe(DIGEST);
    expect(reporter.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toContainEqual(
      `Tags not moved (not tagged: the size budget failed): 127.0.0.1:9/o/app:1, 127.0.0.1:9/o/app:latest, 127.0.0.1:9/o/mirror:1 stay where they were. The image was pushed by digest only: 127.0.0.1:9/o/app@${DIGEST}, 127.0.0.1:9/o/mirror@${DIGEST}.`,
    );
    const build = reporter.summary.find((s) => s.startsWith('### 🐳'))!;
    expect(build).toContain('<br>_not tagged: the size budget failed_ |');
    expect(build).toContain('| Output | pushed by digest only |');
    // The build's section keeps its place: first of the build's sections.
    expect(reporter.summary.map((x) => x.split('\n')[0])).toEqual(['### 🧭 Dockerfile checks', '### 🐳 Go container build']);
  }, 20_000);

  it('the docker driver: an OCI layout and --tag, no --push; a push that fails leaves the tags alone', async () => {
    const { outcome, docker, reporter } = await pipeline(GOOD, { 'go-cache': 'false', push: 'true', tags: TAGS });
    const argv = docker.callsOf('build')[0]![0] as string[];
    expect(argv).not.toContain('--push');
    expect(argv).toEqual(expect.arrayContaining(['--tag', '127.0.0.1:9/o/app:1', '--output']));
    expect(argv.find((a) => a.startsWith('type=oci,'))).toMatch(/oci-layout,tar=false$/);
    expect(outcome.failures).toEqual([
      expect.stringMatching(/^Could not push the image by digest to 127\.0\.0\.1:9\/o\/app, 127\.0\.0\.1:9\/o\/mirror: /),
    ]);
    expect(docker.methods()).not.toContain('imagetoolsCreate');
    expect(reporter.summary.find((s) => s.startsWith('### 🐳'))).toContain('<br>_not tagged: the push failed_ |');
  });

  it('the docker driver on the classic image store cannot push by digest: the push moves the tags, with a warning before the build', async () => {
    const { outcome, docker, reporter } = await pipeline(
      GOOD,
      { 'go-cache': 'false', push: 'true', tags: TAGS, 'size-budget': '10MB' },
      { ...classicStore, build: pushingBuild },
    );
    const argv = docker.callsOf('build')[0]![0] as string[];
    expect(argv).toEqual(expect.arrayContaining(['--tag', '127.0.0.1:9/o/app:1', '--push']));
    expect(argv.some((a) => a.startsWith('type=oci,') || a.includes('push-by-digest'))).toBe(false);
    expect(docker.methods()).not.toContain('imagetoolsCreate');
    const warnings = reporter.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^The builder default \(docker driver\) on this engine's classic image store cannot push by digest: the push moves the tags itself, before the checks run\./,
      ),
    );
    // The budget cannot be measured here: the step fails, and says the tags already moved.
    expect(outcome.failures).toEqual([expect.stringMatching(/^Could not measure the image from 127\.0\.0\.1:9\/o\/app@sha256:d{64}/)]);
    expect(reporter.outputs.digest).toBe(DIGEST);
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^The push moved the tags before the checks .*127\.0\.0\.1:9\/o\/app:1.* now name the image that failed them\.$/,
      ),
    );
    expect(reporter.summary.find((s) => s.startsWith('### 🐳'))).toContain(
      '| Output | pushed under the tags, before the checks (this builder cannot push by digest) |',
    );
  });
});

import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotations, ROOT, runAction, runCli, type ActionRun } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { tempDir } from '../support/temp.js';

/**
 * A workspace with the bad app in `app/`, so annotation paths are workspace-relative, as a
 * checkout: a .git directory (git cannot hold one in the fixture) that COPY . . sends along.
 */
const ws = tempDir('checks-e2e');
cpSync(join(ROOT, 'test/fixtures/dockerfile/bad-app'), join(ws, 'app'), { recursive: true });
mkdirSync(join(ws, 'app', '.git'));

const inputs = { context: 'app', platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}` };
const goAnnotations = (run: ActionRun) =>
  annotations(run.main.stdout)
    .filter((a) => /^GO\d{3} /.test(a.message))
    .map((a) => `::${a.level} ${a.props}::${a.message.slice(0, 5)}`);

/** What the bad Dockerfile gives, in GitHub's workflow-command form (the level is filled in). */
const expected = (level: 'warning' | 'error') => [
  '::notice file=app/Dockerfile,line=3::GO001',
  `::${level} file=app/Dockerfile,line=3::GO004`,
  `::${level} file=app/Dockerfile,line=3::GO006`,
  `::${level} file=app/Dockerfile,line=5::GO003`,
  `::${level} file=app/Dockerfile,line=5::GO008`,
  `::${level} file=app/Dockerfile,line=6::GO002`,
  `::${level} file=app/Dockerfile,line=7::GO002`,
  '::notice file=app/Dockerfile,line=7::GO009',
  '::notice file=app/Dockerfile,line=7::GO011',
  `::${level} file=app/Dockerfile,line=8::GO007`,
];

describe('dockerfile-checks: warn (the default) on a bad Dockerfile', () => {
  let run: ActionRun;
  beforeAll(async () => {
    run = await runAction({ workspace: ws, inputs });
  });

  it('annotates every finding on its Dockerfile line, and still builds', () => {
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(goAnnotations(run)).toEqual(expected('warning'));
    expect(run.main.outputs.digest).toMatch(/^sha256:/);
  });

  it('lists the findings in the job summary, Dockerfile text escaped', () => {
    expect(run.summary).toContain('### 🧭 Dockerfile checks');
    expect(run.summary).toContain('7 warnings, 3 notices in `app/Dockerfile`.');
    expect(run.summary).toContain('`CMD bad-app --greeting "a\\|b <b>@team</b>"`');
    // In the checks section and in the size report's findings: each time inside a code span.
    const mentions = run.summary.split('\n').filter((l) => l.includes('<b>@team'));
    expect(mentions).toHaveLength(2);
    for (const line of mentions) expect(line).toMatch(/`CMD bad-app --greeting "a\\\|b <b>@team<\/b>"`/);
  });

  it('states in the build summary that the version reached no stage (the Dockerfile has no ARG VERSION)', () => {
    expect(run.summary).toMatch(
      /\| Version \| `[^`]+` \(labels and outputs only: no stage of the Dockerfile reads the VERSION build-arg\) \|/,
    );
  });
});

describe('dockerfile-checks: error', () => {
  it('fails the step before the build, with the findings as errors', async () => {
    const run = await runAction({ workspace: ws, inputs: { ...inputs, 'dockerfile-checks': 'error' } });
    expect(run.main.exitCode).toBe(1);
    expect(goAnnotations(run)).toEqual(expected('error'));
    const failure = annotations(run.main.stdout).find((a) => a.level === 'error' && a.props === '');
    expect(failure?.message).toBe(
      'Dockerfile checks failed (dockerfile-checks: error): 7 findings (GO004, GO006, GO003, GO008, GO002, GO007) in app/Dockerfile; not building. Fix them, or set dockerfile-checks: warn.',
    );
    expect(run.main.stdout).not.toContain('Building linux/amd64');
    expect(run.main.outputs.digest).toBeUndefined();
    expect(run.main.outputs.version).toBeTruthy();
    expect(run.summary).toContain('the step fails');
    expect(run.post?.exitCode).toBe(0);
    expect(run.leftovers).toEqual([]);
  });
});

/** A workspace with files at the given paths under `app/`. */
function project(files: Record<string, string>): string {
  const dir = tempDir('checks-e2e-project');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, 'app', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'app', path), text);
  }
  return dir;
}

const notBuilt = (run: ActionRun): void => {
  expect(run.main.stdout).not.toContain('Building linux/');
  expect(run.main.stdout).not.toMatch(/^Built /m);
  expect(run.main.outputs.digest).toBeUndefined();
  expect(run.main.outputs.metadata).toBeUndefined();
};

describe('dockerfile-checks: error on Go builds the checks have to find', () => {
  it('a golang stage without --platform whose go build runs in build.sh: GO001 as an error on the FROM line, no build', async () => {
    const dir = project({
      Dockerfile: [
        `FROM ${stack.goImage} AS build`,
        'WORKDIR /src',
        'COPY . .',
        'ARG VERSION',
        'RUN --mount=type=cache,target=/root/.cache/go-build ./build.sh',
        'FROM scratch',
        'COPY --from=build /out/app /app',
        'USER 65534',
        'ENTRYPOINT ["/app"]',
      ].join('\n'),
      'build.sh': '#!/bin/sh\nset -e\nCGO_ENABLED=0 go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/app .\n',
      'go.mod': 'module example.com/scripted\n\ngo 1.24\n',
      'main.go': 'package main\n\nvar version = "dev"\n\nfunc main() { println(version) }\n',
      '.dockerignore': '.git\n',
    });
    const run = await runAction({
      workspace: dir,
      inputs: { context: 'app', platforms: 'linux/amd64,linux/arm64', 'dockerfile-checks': 'error' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(goAnnotations(run)).toEqual(['::error file=app/Dockerfile,line=1::GO001']);
    const go001 = annotations(run.main.stdout).find((a) => a.message.startsWith('GO001'))!.message;
    expect(go001).toContain(
      "Go stage 'build' runs under QEMU emulation for linux/arm64: `./build.sh` (line 5; go build in build.sh:3) compiles there",
    );
    expect(go001).toContain(`Fix: \`FROM --platform=$BUILDPLATFORM ${stack.goImage} AS build\``);
    expect(annotations(run.main.stdout).find((a) => a.level === 'error' && a.props === '')?.message).toBe(
      'Dockerfile checks failed (dockerfile-checks: error): 1 finding (GO001) in app/Dockerfile; not building. Fix them, or set dockerfile-checks: warn.',
    );
    notBuilt(run);
  });

  it('a vendored module (vendor/modules.txt, go 1.22) without cache mounts: GO002 asks for the build cache only', async () => {
    const dir = project({
      Dockerfile: [
        `FROM --platform=$BUILDPLATFORM ${stack.goImage} AS build`,
        'WORKDIR /src',
        'COPY . .',
        'ARG TARGETOS TARGETARCH VERSION',
        'RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/proxy .',
        'FROM scratch',
        'COPY --from=build /out/proxy /proxy',
        'USER 65534',
        'ENTRYPOINT ["/proxy"]',
      ].join('\n'),
      'go.mod': 'module example.com/proxy\n\ngo 1.22\n\nrequire example.com/upstream v1.4.0\n',
      'vendor/modules.txt': '# example.com/upstream v1.4.0\n## explicit; go 1.22\nexample.com/upstream\n',
      'vendor/example.com/upstream/upstream.go': 'package upstream\n\nconst Target = "http://127.0.0.1:8081"\n',
      'main.go':
        'package main\n\nimport "example.com/upstream"\n\nvar version = "dev"\n\nfunc main() { println(upstream.Target, version) }\n',
      '.dockerignore': '.git\n',
    });
    const run = await runAction({
      workspace: dir,
      inputs: { context: 'app', platforms: 'linux/amd64,linux/arm64', 'dockerfile-checks': 'error' },
    });
    expect(run.main.exitCode).toBe(1);
    const go002 = annotations(run.main.stdout).filter((a) => a.message.startsWith('GO002'));
    expect(go002.map((a) => `::${a.level} ${a.props}`)).toEqual(['::error file=app/Dockerfile,line=5']);
    expect(go002[0]!.message).toContain('No cache mount for the build cache (/root/.cache/go-build)');
    expect(go002[0]!.message).toContain('no module cache needed: with vendor/modules.txt and go 1.22 in go.mod, go builds from vendor/');
    expect(go002[0]!.message).not.toContain('/go/pkg/mod');
    expect(goAnnotations(run)).toEqual(['::error file=app/Dockerfile,line=5::GO002']);
    notBuilt(run);
  });
});

describe('dockerfile-checks: off', () => {
  it('prints no finding and builds', async () => {
    const run = await runAction({ workspace: ws, inputs: { ...inputs, 'dockerfile-checks': 'off' } });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(goAnnotations(run)).toEqual([]);
    expect(run.main.stdout).toContain('Dockerfile checks are off');
    expect(run.summary).not.toContain('Dockerfile checks');
  });
});

describe('the CLI', () => {
  it('prints the findings with file:line and fails with dockerfile-checks error', () => {
    const result = runCli(['--context', 'app', '--build-args', `GO_IMAGE=${stack.goImage}`, '--dockerfile-checks', 'error'], ws);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error app/Dockerfile:3: GO004 Final stage is the Go toolchain image:');
    expect(result.stderr).toContain('notice app/Dockerfile:7: GO009 -ldflags without -s -w:');
    // The summary rendered for a terminal: no markdown, the Dockerfile text as written.
    expect(result.stdout).toMatch(/^🧭 Dockerfile checks$/m);
    expect(result.stdout).toContain('CMD bad-app --greeting "a|b <b>@team</b>"');
    expect(result.stdout).not.toContain('### ');
  });
});

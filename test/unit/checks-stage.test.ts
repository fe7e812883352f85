import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextFromEnv } from '../../src/context.js';
import { parseInputs, type InputName } from '../../src/inputs.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { dockerfileChecks, dockerignorePath, annotationPath } from '../../src/checks/stage.js';
import { renderChecksSummary } from '../../src/checks/summary.js';
import { commandsWithEnv, goInvocation, ldflagsOf, parseShell } from '../../src/checks/shell.js';
import { CHECKS } from '../../src/checks/catalog.js';
import { tempDir } from '../support/temp.js';
import { inputReader } from '../support/inputs.js';

/** A workspace with the app in a sub-directory, so annotation paths are workspace-relative. */
function workspace(dockerfile: string, dockerignore?: string): string {
  const ws = tempDir('checks');
  mkdirSync(join(ws, 'app'));
  writeFileSync(join(ws, 'app', 'Dockerfile'), dockerfile);
  if (dockerignore !== undefined) writeFileSync(join(ws, 'app', '.dockerignore'), dockerignore);
  return ws;
}

const BAD = ['FROM golang:1.24', 'COPY . .', 'RUN go build -o /app .', 'CMD /app --greeting "a|b <b>@team</b>"'].join('\n');

async function runChecks(ws: string, values: Partial<Record<InputName, string>>) {
  const inputs = parseInputs(inputReader(values), ws);
  const ctx = contextFromEnv({ GITHUB_WORKSPACE: ws }, {}, ws, tmpdir());
  const reporter = new RecordingReporter();
  const result = await dockerfileChecks(inputs, ctx, reporter, { version: '1.0.0', platform: 'linux/amd64' });
  // The stage sets no output and adds no summary itself: it returns them.
  expect(reporter.summary).toEqual([]);
  expect(result.outputs).toEqual({});
  return { reporter, summary: result.summary ?? '', failures: result.failures, versionUse: result.versionUse };
}

describe('dockerfileChecks (the stage)', () => {
  it('annotates each finding on its line, with the workspace-relative path', async () => {
    const { reporter, failures } = await runChecks(workspace(BAD), { context: 'app', platforms: 'linux/amd64' });
    expect(failures).toEqual([]);
    const got = reporter.annotations.map((a) => `${a.level} ${a.props?.file}:${a.props?.startLine} ${a.message.split(':')[0]}`);
    expect(got).toEqual([
      'notice app/Dockerfile:1 GO001 Go build under QEMU emulation',
      'warning app/Dockerfile:1 GO004 Final stage is the Go toolchain image',
      'warning app/Dockerfile:1 GO006 Final stage runs as root',
      'warning app/Dockerfile:3 GO002 Go caches not on cache mounts',
      'notice app/Dockerfile:3 GO009 -ldflags without -s -w',
      'notice app/Dockerfile:3 GO011 VERSION never reaches the binary',
      'notice app/Dockerfile:3 GO014 go build without -trimpath',
      'warning app/Dockerfile:4 GO007 Shell-form CMD/ENTRYPOINT',
    ]);
    expect(reporter.annotations.every((a) => !a.message.includes('\n'))).toBe(true);
  });

  it('puts a .dockerignore that does not exclude a .git the context has on the .dockerignore itself, and a foreign platform warns', async () => {
    const ws = workspace(BAD, 'bin/\n*.log\n');
    mkdirSync(join(ws, 'app', '.git'));
    const { reporter } = await runChecks(ws, { context: 'app', platforms: 'linux/amd64,linux/arm64' });
    const got = reporter.annotations.map((a) => `${a.level} ${a.props?.file}:${a.props?.startLine} ${a.message.split(':')[0]}`);
    expect(got).toContain('warning app/.dockerignore:1 GO008 .git sent into the build');
    expect(got).toContain('warning app/Dockerfile:1 GO001 Go build under QEMU emulation');
  });

  it('escapes Dockerfile text in the summary', async () => {
    const { summary } = await runChecks(workspace(BAD), { context: 'app' });
    expect(summary).toContain('### 🧭 Dockerfile checks');
    expect(summary).toContain('`app/Dockerfile:4`<br>`CMD /app --greeting "a\\|b <b>@team</b>"`');
    // Only inside that code span, where neither HTML nor @mentions work.
    expect(summary.split('<b>@team').length).toBe(2);
    // Every table row keeps its four cells: no `|` from the Dockerfile splits one.
    for (const row of summary.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |'))) {
      expect(row.replace(/\\\|/g, '').split('|').length).toBe(6);
    }
  });

  it('error: warnings become errors and the step stops before the build; notices stay notices', async () => {
    const { reporter, failures, summary } = await runChecks(workspace(BAD, '.git\n'), { context: 'app', 'dockerfile-checks': 'error' });
    expect(failures).toEqual([
      'Dockerfile checks failed (dockerfile-checks: error): 4 findings (GO004, GO006, GO002, GO007) in app/Dockerfile; not building. Fix them, or set dockerfile-checks: warn.',
    ]);
    expect(reporter.annotations.filter((a) => a.level === 'error').map((a) => a.message.slice(0, 5))).toEqual([
      'GO004',
      'GO006',
      'GO002',
      'GO007',
    ]);
    expect(reporter.annotations.filter((a) => a.level === 'notice').map((a) => a.message.slice(0, 5))).toEqual([
      'GO001',
      'GO009',
      'GO011',
      'GO014',
    ]);
    expect(summary).toContain('the step fails');
  });

  it('error: notices alone do not fail', async () => {
    const ok = [
      'FROM --platform=$BUILDPLATFORM golang:1.24 AS b',
      'ARG TARGETOS TARGETARCH',
      'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .',
      'FROM scratch',
      'COPY --from=b /app /app',
      'USER 1',
      'ENTRYPOINT ["/app"]',
    ].join('\n');
    const { reporter, failures } = await runChecks(workspace(ok, '.git\n'), { context: 'app', 'dockerfile-checks': 'error' });
    expect(failures).toEqual([]);
    expect(reporter.annotations.map((a) => `${a.level} ${a.message.slice(0, 5)}`)).toEqual([
      'notice GO009',
      'notice GO011',
      'notice GO014',
    ]);
  });

  it('a fault while checking is a warning and the build goes on, in error mode too', async () => {
    const ws = workspace(BAD);
    mkdirSync(join(ws, 'app', '.dockerignore'));
    const { reporter, failures } = await runChecks(ws, { context: 'app', 'dockerfile-checks': 'error' });
    expect(failures).toEqual([]);
    expect(reporter.annotations.map((a) => `${a.level} ${a.message}`)).toEqual([
      expect.stringMatching(/^warning Dockerfile checks could not run: .*EISDIR/),
    ]);
  });

  it('off: no annotations, no summary', async () => {
    const { reporter, failures, summary } = await runChecks(workspace(BAD), { context: 'app', 'dockerfile-checks': 'off' });
    expect(failures).toEqual([]);
    expect(reporter.annotations).toEqual([]);
    expect(summary).toBe('');
    expect(reporter.lines).toContain('Dockerfile checks are off (dockerfile-checks: off).');
  });

  it('a correct Dockerfile: no annotations, a one-line summary', async () => {
    const { readFileSync } = await import('node:fs');
    const hello = (f: string): string => readFileSync(join(import.meta.dirname, '../../examples/hello', f), 'utf8');
    const { reporter, summary } = await runChecks(workspace(hello('Dockerfile'), hello('.dockerignore')), {
      context: 'app',
      platforms: 'linux/amd64,linux/arm64',
    });
    expect(reporter.annotations).toEqual([]);
    expect(summary).toContain('✅ No findings in `app/Dockerfile`.');
  });

  it('says where the VERSION build-arg goes, for the build summary, with the checks off too', async () => {
    const { readFileSync } = await import('node:fs');
    const hello = readFileSync(join(import.meta.dirname, '../../examples/hello/Dockerfile'), 'utf8');
    expect((await runChecks(workspace(hello), { context: 'app' })).versionUse).toEqual({
      stage: 'build',
      line: 12,
      binary: true,
      file: 'app/Dockerfile',
    });
    expect((await runChecks(workspace(hello), { context: 'app', 'dockerfile-checks': 'off' })).versionUse).toEqual({
      stage: 'build',
      line: 12,
      binary: true,
      file: 'app/Dockerfile',
    });
    expect((await runChecks(workspace(BAD), { context: 'app' })).versionUse).toEqual({ binary: false, file: 'app/Dockerfile' });
  });

  it('reads the context on disk: a checkout whose Makefile runs git describe gets a notice, not the advice to exclude .git', async () => {
    const ws = workspace(
      [
        'FROM --platform=$BUILDPLATFORM golang:1.24 AS build',
        'WORKDIR /src',
        'COPY . .',
        'ARG TARGETOS TARGETARCH',
        'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH make',
        'FROM scratch',
        'COPY --from=build /src/app /app',
        'USER 1',
        'ENTRYPOINT ["/app"]',
      ].join('\n'),
    );
    mkdirSync(join(ws, 'app', '.git'));
    writeFileSync(join(ws, 'app', 'go.mod'), 'module example.com/app\n\ngo 1.24\n');
    writeFileSync(
      join(ws, 'app', 'Makefile'),
      'app:\n\tgo build -trimpath -ldflags "-s -w -X main.version=$$(git rev-parse --short HEAD)" -o app .\n',
    );
    const { reporter } = await runChecks(ws, { context: 'app', platforms: 'linux/amd64,linux/arm64' });
    const got = reporter.annotations.map((a) => `${a.level} ${a.props?.file}:${a.props?.startLine} ${a.message.slice(0, 5)}`);
    expect(got).toEqual(['warning app/Dockerfile:5 GO002', 'notice app/Dockerfile:5 GO008', 'notice app/Dockerfile:5 GO011']);
    const go008 = reporter.annotations.find((a) => a.message.startsWith('GO008'))!.message;
    expect(go008).toContain('`git rev-parse --short HEAD` (Makefile:2, run by `make` at line 5)');
    expect(go008).toContain('so excluding .git would break it');
    expect(go008).toContain('VERSION build-arg');
  });

  it('uses <Dockerfile>.dockerignore before <context>/.dockerignore, as BuildKit does', () => {
    const ws = workspace('FROM scratch\n', '.git\n');
    expect(dockerignorePath(join(ws, 'app', 'Dockerfile'), join(ws, 'app'))).toBe(join(ws, 'app', '.dockerignore'));
    writeFileSync(join(ws, 'app', 'Dockerfile.dockerignore'), '');
    expect(dockerignorePath(join(ws, 'app', 'Dockerfile'), join(ws, 'app'))).toBe(join(ws, 'app', 'Dockerfile.dockerignore'));
    expect(dockerignorePath(join(ws, 'app', 'Dockerfile'), ws)).toBe(join(ws, 'app', 'Dockerfile.dockerignore'));
  });

  it.each([
    ['/ws/app/Dockerfile', '/ws', 'app/Dockerfile'],
    ['/ws/Dockerfile', '/ws', 'Dockerfile'],
    ['/elsewhere/Dockerfile', '/ws', '/elsewhere/Dockerfile'],
  ])('annotationPath(%s, %s) = %s', (path, ws, expected) => {
    expect(annotationPath(path, ws)).toBe(expected);
  });
});

describe('docs/checks.md', () => {
  it('has an entry with the fix for every check, and no entry for a check that does not exist', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(join(import.meta.dirname, '../../docs/checks.md'), 'utf8');
    const documented = [...readme.matchAll(/^\| (GO\d{3}) \| (warning|notice) \| .+ \| .+ \|$/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(CHECKS));
  });
});

describe('renderChecksSummary', () => {
  it('counts warnings and notices', () => {
    const md = renderChecksSummary(
      [
        { id: 'GO006', level: 'warning', file: 'dockerfile', line: 3, message: 'm' },
        { id: 'GO009', level: 'notice', file: 'dockerfile', line: 5, message: 'n' },
        { id: 'GO008', level: 'warning', file: 'dockerignore', line: 1, message: 'x' },
      ],
      { dockerfile: 'Dockerfile', dockerignore: '.dockerignore' },
      'warn',
    );
    expect(md).toContain('2 warnings, 1 notice in `Dockerfile`.');
    expect(md).toContain('`.dockerignore:1`');
  });
});

describe('shell reading of RUN commands', () => {
  it.each<[string, { words: string[]; env: Record<string, string> }[]]>([
    ['CGO_ENABLED=0 go build -o /x .', [{ words: ['go', 'build', '-o', '/x', '.'], env: { CGO_ENABLED: '0' } }]],
    [
      'export A=1 && go build',
      [
        { words: ['export', 'A=1'], env: {} },
        { words: ['go', 'build'], env: { A: '1' } },
      ],
    ],
    [
      'A=1; go build; export A; go build',
      [
        { words: ['go', 'build'], env: {} },
        { words: ['export', 'A'], env: {} },
        { words: ['go', 'build'], env: { A: '1' } },
      ],
    ],
    ['env -u X B=2 go build', [{ words: ['go', 'build'], env: { B: '2' } }]],
    [
      "echo 'a && b' | tee x # && go build",
      [
        { words: ['echo', 'a && b'], env: {} },
        { words: ['tee', 'x'], env: {} },
      ],
    ],
    ['go build -ldflags="-s -w -X main.v=${V}" .', [{ words: ['go', 'build', '-ldflags=-s -w -X main.v=${V}', '.'], env: {} }]],
    [
      '(cd x && go mod download)',
      [
        { words: ['cd', 'x'], env: {} },
        { words: ['go', 'mod', 'download'], env: {} },
      ],
    ],
  ])('%s', (text, expected) => {
    expect(commandsWithEnv(parseShell(text)).map(({ cmd, env }) => ({ words: cmd.words, env }))).toEqual(expected);
  });

  it.each<[string, string | undefined]>([
    ['go build -ldflags "-s -w" .', '-s -w'],
    ['go build --ldflags=-s .', '-s'],
    ['go build -o x .', undefined],
    ['/usr/local/go/bin/go -C cmd build -ldflags=-w .', '-w'],
  ])('ldflags of %s', (text, expected) => {
    const go = goInvocation(parseShell(text).commands[0]!);
    expect(go).toBeDefined();
    expect(ldflagsOf(go!)).toBe(expected);
  });

  it('does not take gofmt or cargo for go', () => {
    expect(goInvocation(parseShell('gofmt -l .').commands[0]!)).toBeUndefined();
    expect(goInvocation(parseShell('cargo build').commands[0]!)).toBeUndefined();
  });
});

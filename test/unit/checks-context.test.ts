/**
 * The Go checks where the build context decides: Go builds hidden in make and scripts (GO001,
 * GO002, GO010), vendored and module-less builds (GO002, GO003), .git in the context (GO008),
 * and the VERSION build-arg on its way to the binary (GO011, versionUse).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, type ContextCopy } from '../../src/dockerfile/model.js';
import { contextPathOf, directoryContext, MAX_SCRIPT_BYTES } from '../../src/checks/context.js';
import { parseGoMod } from '../../src/checks/module.js';
import { scanScript, scriptRunOf, type ScriptRun } from '../../src/checks/scripts.js';
import { parseShell } from '../../src/checks/shell.js';
import { tempDir } from '../support/temp.js';
import { analyzeGoDockerfile, type CheckOptions } from '../../src/checks/go.js';
import type { Finding } from '../../src/checks/catalog.js';
import { memoryContext } from '../support/context.js';

const GIT = { '.git/HEAD': 'ref: refs/heads/main\n' };
const MOD = {
  'go.mod': 'module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/sync v0.7.0\n',
  'go.sum': '',
  'main.go': 'package main\n',
};
const base: CheckOptions = {
  platforms: ['linux/amd64', 'linux/arm64'],
  hostPlatform: 'linux/amd64',
  buildArgs: { VERSION: '1.2.3' },
  dockerignore: '.git\n',
  context: memoryContext(MOD),
};

function run(lines: string[], over: Partial<CheckOptions> = {}) {
  return analyzeGoDockerfile(parseDockerfile(lines.join('\n')), { ...base, ...over });
}
const short = (f: Finding): string => `${f.id} ${f.level} ${f.file === 'dockerfile' ? '' : '.dockerignore:'}${f.line}`;
const ids = (lines: string[], over: Partial<CheckOptions> = {}, only?: string): string[] =>
  run(lines, over)
    .findings.filter((f) => !only || f.id === only)
    .map(short);
const message = (lines: string[], id: string, over: Partial<CheckOptions> = {}): string =>
  run(lines, over).findings.find((f) => f.id === id)?.message ?? '';

const FINAL = ['FROM gcr.io/distroless/static-debian12:nonroot', 'COPY --from=build /out/app /app', 'ENTRYPOINT ["/app"]'];
const MAKEFILE = { Makefile: 'build:\n\tCGO_ENABLED=0 go build -o /out/app .\n' };

describe('GO001: a Go stage under emulation, wherever go runs', () => {
  it.each<[string, string[], Record<string, string>, string[]]>([
    [
      'RUN make on the toolchain image (Makefile in the context)',
      ['FROM golang:1.22-alpine AS build', 'WORKDIR /src', 'COPY . .', 'RUN make build', ...FINAL],
      MAKEFILE,
      ['GO001 warning 1'],
    ],
    [
      'RUN make on the toolchain image, no Makefile to read',
      ['FROM golang:1.22-alpine AS build', 'WORKDIR /src', 'COPY . .', 'RUN make build', ...FINAL],
      {},
      ['GO001 warning 1'],
    ],
    [
      'RUN ./build.sh on a mirror of the toolchain image',
      ['FROM gca-local/golang:1.24 AS build', 'WORKDIR /src', 'COPY . .', 'RUN ./build.sh', ...FINAL],
      { 'build.sh': '#!/bin/sh\ngo build -o /out/app .\n' },
      ['GO001 warning 1'],
    ],
    [
      'a base image through an ARG',
      ['ARG GO_VERSION=1.22', 'FROM golang:${GO_VERSION}-alpine AS build', 'COPY . .', 'RUN make', ...FINAL],
      MAKEFILE,
      ['GO001 warning 2'],
    ],
    [
      'a stage built on a toolchain stage: reported on the FROM where --platform goes',
      ['FROM golang:1.22 AS base', 'RUN apk add make', 'FROM base AS build', 'COPY . .', 'RUN make build', ...FINAL],
      MAKEFILE,
      ['GO001 warning 1'],
    ],
    [
      'docker.io/library/golang by its full name',
      ['FROM docker.io/library/golang:1.22 AS build', 'COPY . .', 'RUN go build -o /out/app .', ...FINAL],
      {},
      ['GO001 warning 1'],
    ],
    [
      'another image whose script builds Go',
      ['FROM alpine:3 AS build', 'RUN apk add go make', 'COPY . .', 'RUN make build', ...FINAL],
      MAKEFILE,
      ['GO001 warning 1'],
    ],
    [
      'another image running make with no Go in sight',
      ['FROM alpine:3 AS build', 'COPY . .', 'RUN make docs', ...FINAL],
      { Makefile: 'docs:\n\tpandoc README.md -o /out/app\n' },
      [],
    ],
    [
      '--platform=$BUILDPLATFORM with GOARCH=$TARGETARCH is right',
      [
        'FROM --platform=$BUILDPLATFORM golang AS build',
        'ARG TARGETOS TARGETARCH',
        'COPY . .',
        'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH make build',
        ...FINAL,
      ],
      MAKEFILE,
      [],
    ],
    [
      'a toolchain stage the build does not need',
      [
        'FROM --platform=$BUILDPLATFORM golang AS build',
        'ARG TARGETOS TARGETARCH',
        'COPY . .',
        'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
        'FROM golang:1.22 AS test',
        'RUN go test ./...',
        ...FINAL,
      ],
      {},
      [],
    ],
  ])('%s', (_, lines, files, expected) => {
    expect(ids(lines, { context: memoryContext({ ...MOD, ...files }) }, 'GO001')).toEqual(expected);
  });

  it('a FROM build AS test target is emulated like the stage it builds on', () => {
    const lines = ['FROM golang:1.22-alpine AS build', 'COPY . .', 'RUN make build', 'FROM build AS test', 'RUN make test', ...FINAL];
    expect(ids(lines, { target: 'test' }, 'GO001')).toEqual(['GO001 warning 1']);
  });

  it('linux/386 runs natively on an amd64 runner', () => {
    expect(
      ids(['FROM golang:1.22 AS build', 'COPY . .', 'RUN make', ...FINAL], { platforms: ['linux/amd64', 'linux/386'] }, 'GO001'),
    ).toEqual(['GO001 notice 1']);
  });

  it('fits the fix to the FROM line and the RUN that builds', () => {
    const lines = ['FROM golang:1.22-alpine AS build', 'WORKDIR /src', 'COPY . .', 'RUN make build', ...FINAL];
    const text = message(lines, 'GO001', { context: memoryContext({ ...MOD, ...MAKEFILE }) });
    expect(text).toContain(
      "Go stage 'build' runs under QEMU emulation for linux/arm64: `make build` (line 4; go build in Makefile:2) compiles there",
    );
    expect(text).toContain(
      'Fix: `FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build`, then ARG TARGETOS TARGETARCH and `RUN GOOS=$TARGETOS GOARCH=$TARGETARCH make build`',
    );
    // A RUN that already follows TARGETARCH only needs the FROM line.
    expect(
      message(['FROM golang AS build', 'ARG TARGETARCH', 'COPY . .', 'RUN GOARCH=$TARGETARCH go build -o /out/app .', ...FINAL], 'GO001'),
    ).toContain('Fix: `FROM --platform=$BUILDPLATFORM golang AS build`, the RUN already follows TARGETARCH.');
    // Of the stages on one FROM line, the RUN that shows the Go build best is named.
    const chained = message(
      ['FROM golang:1.22 AS base', 'RUN apk add make', 'FROM base AS build', 'COPY . .', 'RUN make build', ...FINAL],
      'GO001',
      { context: memoryContext({ ...MOD, ...MAKEFILE }) },
    );
    expect(chained).toContain(
      "Go stage 'build' (built on 'base') runs under QEMU emulation for linux/arm64: `make build` (line 5; go build in Makefile:2)",
    );
    // --platform=$TARGETPLATFORM is replaced, not doubled.
    expect(message(['FROM --platform=$TARGETPLATFORM golang AS build', 'COPY . .', 'RUN make', ...FINAL], 'GO001')).toContain(
      '`FROM --platform=$BUILDPLATFORM golang AS build`',
    );
    // A single stage cannot simply move to the build platform: the image would be the runner's.
    expect(message(['FROM golang:1.22', 'COPY . .', 'RUN make', 'CMD ["/go/app"]'], 'GO001')).toContain('Fix: build in a stage of its own');
  });
});

describe('GO010: a cross-compiling make build', () => {
  const lines = ['FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'COPY . .', 'RUN make build', ...FINAL];
  it.each<[string, Record<string, string>, string[]]>([
    ['a Makefile that never names the target', MAKEFILE, ['GO010 warning 3']],
    ['a Makefile that sets GOARCH itself', { Makefile: 'build:\n\tGOARCH=$(TARGETARCH) go build -o /out/app .\n' }, []],
    ['a Makefile that builds no Go', { Makefile: 'build:\n\techo hi\n' }, []],
  ])('%s', (_, files, expected) => {
    expect(ids(lines, { context: memoryContext({ ...MOD, ...files }) }, 'GO010')).toEqual(expected);
  });

  it('GOOS/GOARCH given to make are enough', () => {
    const crossed = [
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'ARG TARGETOS TARGETARCH',
      'COPY . .',
      'RUN make build GOOS=$TARGETOS GOARCH=$TARGETARCH',
      ...FINAL,
    ];
    expect(ids(crossed, { context: memoryContext({ ...MOD, ...MAKEFILE }) }, 'GO010')).toEqual([]);
  });
});

describe('GO002/GO003: the module cache only where there are modules to download', () => {
  const copyAll = [
    'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
    'WORKDIR /src',
    'COPY . .',
    'ARG TARGETOS TARGETARCH',
    'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
    ...FINAL,
  ];
  const vendored = (goDirective: string) => ({
    'go.mod': `module example.com/proxy\n\ngo ${goDirective}\n\nrequire example.com/up v1.0.0\n`,
    'vendor/modules.txt': '# example.com/up v1.0.0\n',
    'main.go': '',
  });
  it.each<[string, string[], Partial<CheckOptions>, string]>([
    ['a module with requirements', copyAll, {}, 'the module cache (/go/pkg/mod) and the build cache (/root/.cache/go-build)'],
    ['vendor/modules.txt with go 1.21', copyAll, { context: memoryContext(vendored('1.21')) }, 'the build cache (/root/.cache/go-build)'],
    [
      'vendor/modules.txt with go 1.13 (no vendor default yet)',
      copyAll,
      { context: memoryContext(vendored('1.13')) },
      'the module cache (/go/pkg/mod) and the build cache (/root/.cache/go-build)',
    ],
    [
      'vendor/ left out by .dockerignore',
      copyAll,
      { context: memoryContext(vendored('1.21')), dockerignore: '.git\nvendor\n' },
      'the module cache (/go/pkg/mod) and the build cache (/root/.cache/go-build)',
    ],
    ['no go.mod at all', copyAll, { context: memoryContext({ 'main.go': '' }) }, 'the build cache (/root/.cache/go-build)'],
    [
      'a go.mod that requires nothing',
      copyAll,
      { context: memoryContext({ 'go.mod': 'module x\n\ngo 1.22\n\nrequire ()\n' }) },
      'the build cache (/root/.cache/go-build)',
    ],
    [
      '-mod=mod in a vendored module',
      [...copyAll.slice(0, 4), 'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -mod=mod -o /out/app .', ...FINAL],
      { context: memoryContext(vendored('1.21')) },
      'the module cache (/go/pkg/mod) and the build cache (/root/.cache/go-build)',
    ],
    [
      'go install of a tool without a go.mod',
      [...copyAll.slice(0, 4), 'RUN go install golang.org/x/tools/cmd/stringer@v0.20.0', ...FINAL],
      { context: memoryContext({ 'main.go': '' }) },
      'the module cache (/go/pkg/mod) and the build cache (/root/.cache/go-build)',
    ],
    [
      'go.mod in the sub-directory the stage copies',
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'WORKDIR /src',
        'COPY backend/ .',
        'ARG TARGETOS TARGETARCH',
        'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
        ...FINAL,
      ],
      { context: memoryContext({ 'backend/go.mod': MOD['go.mod'], 'backend/main.go': '' }) },
      'the module cache (/go/pkg/mod) and the build cache (/root/.cache/go-build)',
    ],
    [
      'only main.go copied from a context with a go.mod',
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'WORKDIR /src',
        'COPY main.go .',
        'ARG TARGETOS TARGETARCH',
        'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app main.go',
        ...FINAL,
      ],
      {},
      'the build cache (/root/.cache/go-build)',
    ],
    [
      'the module download cache mounted (…/pkg/mod/cache), as a compose sample does',
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'ENV GOPATH /go',
        'ENV GOCACHE /go-build',
        'COPY . .',
        'ARG TARGETARCH',
        'RUN --mount=type=cache,target=/go/pkg/mod/cache GOARCH=$TARGETARCH go build -o /out/app .',
        ...FINAL,
      ],
      {},
      'the build cache (/go-build)',
    ],
    [
      'go.mod bound in by the RUN (docker init)',
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'ARG TARGETARCH',
        'RUN --mount=type=bind,target=. GOARCH=$TARGETARCH go build -o /out/app .',
        ...FINAL,
      ],
      {},
      'the module cache (/go/pkg/mod) and the build cache (/root/.cache/go-build)',
    ],
  ])('%s', (_, lines, over, what) => {
    const found = run(lines, over).findings.filter((f) => f.id === 'GO002');
    expect(found.map((f) => f.message.split(':')[0])).toEqual([`No cache mount for ${what}`]);
  });

  it('words the build-cache advice for a vendored build, and fits the fix to the RUN', () => {
    const lines = [
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'COPY . .',
      'ARG TARGETARCH',
      'RUN GOARCH=$TARGETARCH go build -o /out/app .',
      ...FINAL,
    ];
    const text = message(lines, 'GO002', { context: memoryContext(vendored('1.21')) });
    expect(text).toBe(
      'No cache mount for the build cache (/root/.cache/go-build): every change compiles every package from cold (no module cache needed: with vendor/modules.txt and go 1.21 in go.mod, go builds from vendor/). Fix: RUN --mount=type=cache,target=/root/.cache/go-build GOARCH=$TARGETARCH go build -o /out/app .',
    );
  });

  it('a go mod download in a vendored or requirement-free module asks for nothing (GO002, GO003)', () => {
    const lines = [
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'COPY . .',
      'RUN go mod download',
      'ARG TARGETARCH',
      'RUN --mount=type=cache,target=/root/.cache/go-build GOARCH=$TARGETARCH go build -o /out/app .',
      ...FINAL,
    ];
    expect(ids(lines, { context: memoryContext(vendored('1.21')) }).filter((f) => /GO00[23]/.test(f))).toEqual(['GO003 warning 2']);
    expect(ids(lines, { context: memoryContext({ 'go.mod': 'module x\n\ngo 1.22\n' }) }).filter((f) => /GO00[23]/.test(f))).toEqual([]);
    expect(ids(lines).filter((f) => /GO00[23]/.test(f))).toEqual(['GO003 warning 2', 'GO002 warning 3', 'GO002 warning 5']);
  });
});

describe('GO008: .git sent into the build', () => {
  const build = (
    copy: string,
    runLine = 'RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod go build -o /out/app .',
  ) => ['FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'WORKDIR /src', copy, runLine, ...FINAL];
  const none = { dockerignore: undefined };
  it.each<[string, string[], Partial<CheckOptions>, string[]]>([
    [
      'COPY . . of a checkout without .dockerignore',
      build('COPY . .'),
      { ...none, context: memoryContext({ ...MOD, ...GIT }) },
      ['GO008 warning 3'],
    ],
    [
      'COPY . . of a checkout whose .dockerignore keeps .git',
      build('COPY . .'),
      { dockerignore: 'bin/\n', context: memoryContext({ ...MOD, ...GIT }) },
      ['GO008 warning .dockerignore:1'],
    ],
    ['COPY . . of a context without .git', build('COPY . .'), none, []],
    [
      'only go.mod, go.sum and sources copied',
      build('COPY go.mod go.sum *.go ./'),
      { ...none, context: memoryContext({ ...MOD, ...GIT }) },
      [],
    ],
    [
      'a worktree whose .git is a file',
      build('COPY . .'),
      { ...none, context: memoryContext({ ...MOD, '.git': 'gitdir: /repo/.git/worktrees/x\n' }) },
      [],
    ],
    ['.git copied by name', build('COPY .git/ ./.git/'), { ...none, context: memoryContext({ ...MOD, ...GIT }) }, ['GO008 warning 3']],
    [
      'a bind mount of the context root',
      build(
        '# no copy',
        'RUN --mount=type=bind,target=. --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod go build -o /out/app .',
      ),
      { ...none, context: memoryContext({ ...MOD, ...GIT }) },
      ['GO008 warning 4'],
    ],
    [
      'git describe in the RUN: a notice on that RUN',
      build('COPY . .', 'RUN go build -ldflags "-X main.version=$(git describe --tags)" -o /out/app .'),
      { ...none, context: memoryContext({ ...MOD, ...GIT }) },
      ['GO008 notice 4'],
    ],
    [
      'go build -buildvcs=true: a notice',
      build('COPY . .', 'RUN go build -buildvcs=true -o /out/app .'),
      { ...none, context: memoryContext({ ...MOD, ...GIT }) },
      ['GO008 notice 4'],
    ],
    [
      'a build script that runs git rev-parse',
      build('COPY . .', 'RUN sh scripts/build.sh'),
      {
        ...none,
        context: memoryContext({ ...MOD, ...GIT, 'scripts/build.sh': 'REV=$(git rev-parse --short HEAD)\ngo build -o /out/app .\n' }),
      },
      ['GO008 notice 4'],
    ],
  ])('%s', (_, lines, over, expected) => {
    expect(ids(lines, over, 'GO008')).toEqual(expected);
  });

  it('says which bind mount sends .git', () => {
    const lines = build(
      '# no copy',
      'RUN --mount=type=bind,target=. --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod go build -o /out/app .',
    );
    expect(message(lines, 'GO008', { dockerignore: undefined, context: memoryContext({ ...MOD, ...GIT }) })).toBe(
      "The bind mount of this RUN sends the context's .git into the build and there is no .dockerignore: every commit changes the context and re-runs that RUN. Fix: add a .dockerignore to the context with the line .git (go build then stamps no vcs.revision; the image's org.opencontainers.image.revision label keeps the commit)",
    );
  });

  it('git read in a stage that gets no .git (it clones) leaves the warning', () => {
    const lines = [
      'FROM alpine/git AS src',
      'RUN git clone https://example.com/x /x && git -C /x describe --tags > /x/VERSION',
      'FROM golang:1.22 AS build',
      'COPY . .',
      'COPY --from=src /x/VERSION /VERSION',
      'RUN go build -o /out/app .',
      ...FINAL,
    ];
    expect(ids(lines, { dockerignore: undefined, context: memoryContext({ ...MOD, ...GIT }) }, 'GO008')).toEqual(['GO008 warning 4']);
  });

  it('names the git command and points at the VERSION build-arg, never at excluding .git alone', () => {
    const text = message(build('COPY . .', 'RUN make build'), 'GO008', {
      dockerignore: undefined,
      context: memoryContext({
        ...MOD,
        ...GIT,
        Makefile:
          'VERSION := $(shell git describe --tags --always)\nbuild:\n\tgo build -ldflags "-X main.version=$(VERSION)" -o /out/app .\n',
      }),
    });
    expect(text).toContain(
      '`git describe --tags --always` (Makefile:1, run by `make build` at line 4) needs the .git that `COPY . .` (line 3) sends',
    );
    expect(text).toContain('so excluding .git would break it');
    expect(text).toMatch(/Fix: take the version from the VERSION build-arg .*; then \.git can go into \.dockerignore\.$/);
  });
});

describe('GO011: the VERSION build-arg on its way to the binary', () => {
  const stage = (...body: string[]) => [
    'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
    'WORKDIR /src',
    'COPY . .',
    'ARG TARGETOS TARGETARCH',
    ...body,
    ...FINAL,
  ];
  const goBuild =
    'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags="-s -w -X main.version=${VERSION}" -o /out/app .';
  const make =
    'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build GOOS=$TARGETOS GOARCH=$TARGETARCH make build';
  const makefile = (version: string) => ({
    Makefile: `${version}\nbuild:\n\tgo build -ldflags "-X main.version=$(VERSION)" -o /out/app .\n`,
  });
  it.each<[string, string[], Record<string, string>, string[]]>([
    ['ARG VERSION and -X', stage('ARG VERSION', goBuild), {}, []],
    ['no ARG VERSION', stage(goBuild), {}, ['GO011 notice 5']],
    ['ARG VERSION after the build', stage(goBuild, 'ARG VERSION'), {}, ['GO011 notice 5']],
    ['ARG VERSION only before the first FROM', ['ARG VERSION', ...stage(goBuild)], {}, ['GO011 notice 6']],
    ['ARG VERSION, never used', stage('ARG VERSION', goBuild.replace(' -X main.version=${VERSION}', '')), {}, ['GO011 notice 6']],
    [
      'ARG VERSION into an ENV',
      stage('ARG VERSION', 'ENV APP_VERSION=$VERSION', goBuild.replace(' -X main.version=${VERSION}', '')),
      {},
      [],
    ],
    [
      'make with VERSION ?= from git: the environment wins',
      stage('ARG VERSION', make),
      makefile('VERSION ?= $(shell git describe --tags)'),
      [],
    ],
    ['make with VERSION := from git', stage('ARG VERSION', make), makefile('VERSION := $(shell git describe --tags)'), ['GO011 notice 6']],
    [
      'make with VERSION := from git, overridden on the command line',
      stage('ARG VERSION', `${make} VERSION=$VERSION`),
      makefile('VERSION := $(shell git describe --tags)'),
      [],
    ],
    ['make with a fixed VERSION', stage('ARG VERSION', make), makefile('VERSION = 0.1.0'), ['GO011 notice 6']],
    [
      'make with a variable of its own taken from $(VERSION)',
      stage('ARG VERSION', make),
      { Makefile: 'APP_VERSION := $(VERSION)\nbuild:\n\tgo build -ldflags "-X main.version=$(APP_VERSION)" -o /out/app .\n' },
      [],
    ],
    [
      'a script with ${VERSION:-…} from git',
      stage('ARG VERSION', 'RUN ./build.sh'),
      { 'build.sh': 'VERSION=${VERSION:-$(git describe --tags)}\ngo build -ldflags "-X main.version=$VERSION" -o /out/app .\n' },
      [],
    ],
    [
      'a script that takes git over the environment',
      stage('ARG VERSION', 'RUN ./build.sh'),
      { 'build.sh': 'VERSION=$(git describe --tags)\ngo build -ldflags "-X main.version=$VERSION" -o /out/app .\n' },
      ['GO011 notice 6'],
    ],
    [
      '-X straight from git in the RUN',
      stage('ARG VERSION', 'RUN go build -ldflags "-X main.version=$(git describe --tags)" -o /out/app .'),
      {},
      ['GO011 notice 6'],
    ],
    [
      'ARG VERSION in the stage built on, not in the building one',
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS base',
        'ARG VERSION',
        'FROM base AS build',
        'COPY . .',
        'RUN go build -ldflags "-X main.version=${VERSION}" -o /out/app .',
        ...FINAL,
      ],
      {},
      ['GO011 notice 5'],
    ],
  ])('%s', (_, lines, files, expected) => {
    expect(ids(lines, { context: memoryContext({ ...MOD, ...files }) }, 'GO011')).toEqual(expected);
  });

  it('says what the summary says and fits the fix to the build', () => {
    expect(message(stage(goBuild.replace(' -X main.version=${VERSION}', '')), 'GO011')).toBe(
      'The action passes --build-arg VERSION=1.2.3, but stage \'build\' declares no ARG VERSION before `GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags="-s -w" -o /out/app .` (line 5): the summary and labels say 1.2.3, the binary will not. Fix: ARG VERSION in the stage before this RUN, then go build -ldflags="-s -w -X main.version=${VERSION}" … (-X sets a package-level string variable, e.g. main.version).',
    );
    const git = message(stage('ARG VERSION', make), 'GO011', {
      context: memoryContext({ ...MOD, ...makefile('VERSION := $(shell git describe --tags)') }),
    });
    expect(git).toContain(
      'stamps the version from git in Makefile:1 (`VERSION := $(shell git describe --tags)`), not from the VERSION build-arg',
    );
    expect(git).toContain('Fix: `RUN GOOS=$TARGETOS GOARCH=$TARGETARCH make build VERSION=$VERSION` (a make command-line variable wins');
    const inline = stage('ARG VERSION', 'RUN VERSION=$(git describe --tags) && go build -ldflags "-X main.version=$VERSION" -o /out/app .');
    expect(message(inline, 'GO011')).toContain(
      'stamps the version from `git describe --tags` in the RUN, not from the VERSION build-arg: the summary and labels say 1.2.3, the binary will not. Fix: drop `VERSION=…` from the RUN, so $VERSION is the build-arg.',
    );
    expect(run(inline).versionUse).toEqual({ binary: false });
    // An -X already there gets the build-arg as its value.
    expect(message(stage('RUN go build -ldflags "-s -w -X example.com/app/internal/build.Version=dev" -o /out/app .'), 'GO011')).toContain(
      'go build -ldflags="-s -w -X example.com/app/internal/build.Version=${VERSION}" …',
    );
    // A Makefile that stamps nothing: the make variable alone would not do.
    expect(message(stage(make), 'GO011', { context: memoryContext({ ...MOD, ...MAKEFILE }) })).toContain(
      'Fix: ARG VERSION in the stage before this RUN, then `RUN GOOS=$TARGETOS GOARCH=$TARGETARCH make build VERSION=$VERSION` (a make command-line variable wins over the Makefile\'s), and -ldflags "-X main.version=$(VERSION)" on the go build of Makefile:2.',
    );
    const other = message(stage('ARG VERSION', make), 'GO011', {
      context: memoryContext({
        ...MOD,
        Makefile: 'APP_VERSION ?= dev\nbuild:\n\tgo build -ldflags "-X main.version=$(APP_VERSION)" -o /out/app .\n',
      }),
    });
    expect(other).toContain('make build APP_VERSION=$VERSION`');
  });
});

describe('versionUse: where the VERSION build-arg goes', () => {
  it.each<[string, string[], ReturnType<typeof analyzeGoDockerfile>['versionUse']]>([
    [
      'into the go build',
      ['FROM golang:1.22 AS build', 'ARG VERSION', 'RUN go build -ldflags "-X main.version=$VERSION" -o /out/app .', ...FINAL],
      { stage: 'build', line: 3, binary: true },
    ],
    [
      'into an ENV before the build',
      ['FROM golang:1.22 AS build', 'ARG VERSION', 'ENV APP_VERSION=${VERSION}', 'RUN go build -o /out/app .', ...FINAL],
      { stage: 'build', line: 3, binary: true },
    ],
    [
      'only into a LABEL of the final stage',
      [
        'FROM golang:1.22 AS build',
        'RUN go build -o /out/app .',
        'FROM scratch',
        'ARG VERSION',
        'LABEL version=$VERSION',
        'COPY --from=build /out/app /app',
      ],
      { stage: '1', line: 5, binary: false },
    ],
    ['nowhere', ['FROM golang:1.22 AS build', 'RUN go build -o /out/app .', ...FINAL], { binary: false }],
  ])('%s', (_, lines, expected) => {
    expect(run(lines).versionUse).toEqual(expected);
  });
});

describe('building blocks', () => {
  it.each<[string, ReturnType<typeof parseGoMod>]>([
    ['module x\n\ngo 1.21\n\nrequire example.com/a v1.0.0\n', { goVersion: [1, 21], requires: true }],
    ['module x\ngo 1.22.3\nrequire (\n\t// none yet\n)\n', { goVersion: [1, 22], requires: false }],
    ['module x\nrequire (\n\texample.com/a v1.0.0 // indirect\n)\n', { goVersion: undefined, requires: true }],
    ['module x\n\ngo 1.24\n\ntoolchain go1.24.4\n', { goVersion: [1, 24], requires: false }],
  ])('parseGoMod(%j)', (text, expected) => {
    expect(parseGoMod(text)).toEqual(expected);
  });

  const files = memoryContext({ 'go.mod': '', 'cmd/app/main.go': '', 'a.go': '', 'scripts/build.sh': '', '.git/HEAD': '' });
  const copy = (sources: string[], dest: string, destIsDir = dest.endsWith('/') || sources.length > 1): ContextCopy => ({
    keyword: 'COPY',
    line: 1,
    sources,
    dest: dest.replace(/(.)\/$/, '$1'),
    destIsDir,
  });
  it.each<[string, ContextCopy[], string, string | undefined]>([
    ['COPY . . puts the whole context under WORKDIR', [copy(['.'], '/src')], '/src/cmd/app/main.go', 'cmd/app/main.go'],
    ['a file into a directory', [copy(['go.mod', 'go.sum'], '/src/')], '/src/go.mod', 'go.mod'],
    ['a file to a file name', [copy(['scripts/build.sh'], '/usr/local/bin/build')], '/usr/local/bin/build', 'scripts/build.sh'],
    ['a directory copies its contents', [copy(['cmd/'], '/app/')], '/app/app/main.go', 'cmd/app/main.go'],
    ['a wildcard', [copy(['*.go'], '/src/')], '/src/a.go', 'a.go'],
    ['a wildcard that does not match', [copy(['*.mod'], '/src/')], '/src/a.go', undefined],
    ['a path no copy brings', [copy(['cmd'], '/src/cmd')], '/src/go.mod', undefined],
    ['the later copy wins when it has the file', [copy(['cmd'], '/src'), copy(['.'], '/src')], '/src/go.mod', 'go.mod'],
    ['a path leaving the context', [copy(['../x'], '/src')], '/src/go.mod', undefined],
  ])('contextPathOf: %s', (_, copies, path, expected) => {
    expect(contextPathOf(path, copies, files)).toBe(expected);
  });

  it('scans a Makefile: the go build behind $(GO), git reads, how VERSION is assigned, the scripts it runs', () => {
    const facts = scanScript(
      [
        'GO ?= go',
        '# VERSION := from a comment',
        'VERSION := $(shell git describe --tags --always --dirty)',
        'APP_VERSION ?= dev',
        '',
        'build:',
        '\t@$(GO) build -mod=vendor -ldflags "-X main.version=$(APP_VERSION)" -o bin/app \\',
        '\t\t./cmd/app',
        '\t./scripts/post.sh',
      ].join('\n'),
      'make',
    );
    expect(facts.goBuild).toEqual({ line: 7, text: expect.stringContaining('$(GO) build') });
    expect(facts.gitReads.map((g) => `${g.line} ${g.command}`)).toEqual(['3 git describe --tags --always --dirty']);
    expect(facts.stampVars).toEqual(['APP_VERSION']);
    expect(facts.versionAssignments.map((v) => `${v.line} ${v.name} git=${v.fromGit} env=${v.overridable}`)).toEqual([
      '3 VERSION git=true env=false',
      '4 APP_VERSION git=false env=true',
    ]);
    expect(facts.modFlag).toBe('vendor');
    expect(facts.commands.map((c) => c.words[0])).toContain('./scripts/post.sh');
  });

  it('reads in a Makefile only what making the targets runs: variables, and the recipes of the targets and their prerequisites', () => {
    const makefile = [
      'BIN := app',
      '.PHONY: build release',
      'build: generate',
      '\tgo build -o $(BIN) .',
      'generate:',
      '\tgo generate ./...',
      'release:',
      '\tgit log --oneline -5 > CHANGES',
      'all: ; go build -ldflags "-X main.version=$$(git describe)" .',
    ].join('\n');
    const of = (targets: string[]) => scanScript(makefile, 'make', targets);
    expect([of([]).goBuild?.line, of([]).gitReads.length]).toEqual([4, 0]);
    expect(of(['release']).gitReads.map((g) => g.command)).toEqual(['git log --oneline -5 > CHANGES']);
    expect([of(['release']).goBuild, of(['all']).stampsFromGit?.line]).toEqual([undefined, 9]);
  });

  it('does not take a tool install for the build', () => {
    expect(scanScript('go install golang.org/x/tools/cmd/stringer@latest\n', 'shell').goBuild).toBeUndefined();
    expect(scanScript('go install ./cmd/app\n', 'shell').goBuild?.line).toBe(1);
    expect(scanScript('xx-go build -o /out/app .\n', 'shell').goBuild?.line).toBe(1);
  });

  it.each<[string, ScriptRun | undefined]>([
    [
      'make -C backend -f build.mk VERSION=$VERSION all',
      {
        kind: 'make',
        dir: 'backend',
        file: 'build.mk',
        vars: { VERSION: '$VERSION' },
        targets: ['all'],
        words: ['make', '-C', 'backend', '-f', 'build.mk', 'VERSION=$VERSION', 'all'],
      },
    ],
    ['./build.sh release', { kind: 'shell', path: './build.sh', words: ['./build.sh', 'release'] }],
    ['bash -e scripts/build.sh', { kind: 'shell', path: 'scripts/build.sh', words: ['bash', '-e', 'scripts/build.sh'] }],
    ["sh -c 'go build -o /app .'", { kind: 'inline', text: 'go build -o /app .', words: ['sh', '-c', 'go build -o /app .'] }],
    [
      'task build',
      { kind: 'file', candidates: ['Taskfile.yml', 'Taskfile.yaml', 'taskfile.yml', 'taskfile.yaml'], words: ['task', 'build'] },
    ],
    ['apk add make', undefined],
  ])('scriptRunOf(%s)', (text, expected) => {
    expect(scriptRunOf(parseShell(text).commands[0]!)).toEqual(expected);
  });

  it('reads the context directory, never through a link that leads out of it, nor a large file', () => {
    const dir = tempDir('ctx');
    const outside = tempDir('outside');
    writeFileSync(join(outside, 'secret'), 'x');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'Makefile'), 'build:\n');
    writeFileSync(join(dir, 'big.sh'), 'x'.repeat(MAX_SCRIPT_BYTES + 1));
    symlinkSync(join(outside, 'secret'), join(dir, 'link'));
    const view = directoryContext(dir);
    expect([
      view.kind(''),
      view.kind('sub'),
      view.kind('./Makefile'),
      view.kind('missing'),
      view.kind('link'),
      view.kind('../outside'),
    ]).toEqual(['dir', 'dir', 'file', undefined, undefined, undefined]);
    expect([view.read('Makefile'), view.read('link'), view.read('big.sh'), view.read('sub')]).toEqual([
      'build:\n',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('each fix fitted to its line', () => {
  it.each<[string, string[], string, Partial<CheckOptions>, string]>([
    [
      'GO007: the CMD in exec form',
      ['FROM alpine:3', 'USER 1', 'CMD app serve --port 8080'],
      'GO007',
      {},
      'Fix: CMD ["app", "serve", "--port", "8080"] (exec form).',
    ],
    [
      'GO007: shell syntax kept generic',
      ['FROM alpine:3', 'USER 1', 'ENTRYPOINT exec app "$@"'],
      'GO007',
      {},
      'Fix: ENTRYPOINT ["/app", …] (exec form).',
    ],
    [
      'GO005: CGO_ENABLED=0 before the go build as written',
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'ARG TARGETOS TARGETARCH',
        'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -o /out/app ./cmd/app',
        'FROM scratch',
        'COPY --from=build /out/app /app',
        'USER 1',
        'ENTRYPOINT ["/app"]',
      ],
      'GO005',
      {},
      'Fix: `CGO_ENABLED=0 go build -trimpath -o /out/app ./cmd/app`.',
    ],
    [
      'GO010: GOOS/GOARCH before the go build as written',
      ['FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app', ...FINAL],
      'GO010',
      {},
      'Fix: ARG TARGETOS TARGETARCH in the stage, then `GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app`.',
    ],
    [
      'GO003: the module files the context has',
      ['FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'WORKDIR /src', 'COPY ./ ./', 'RUN go mod download', ...FINAL],
      'GO003',
      { context: memoryContext({ 'go.mod': MOD['go.mod'] }) },
      'Fix: COPY go.mod ./ and RUN go mod download first, then COPY ./ ./.',
    ],
    [
      'GO009: -s -w added to the ldflags there are',
      ['FROM golang:1.22 AS build', 'RUN go build -ldflags "-X main.version=dev" -o /out/app .', ...FINAL],
      'GO009',
      {},
      'Fix: go build -ldflags="-s -w -X main.version=dev" …',
    ],
  ])('%s', (_, lines, id, over, fix) => {
    expect(message(lines, id, over)).toMatch(new RegExp(`${fix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
});

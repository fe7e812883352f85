import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../src/dockerfile/model.js';
import { checkGoDockerfile, type CheckOptions } from '../../src/checks/go.js';
import type { Finding } from '../../src/checks/catalog.js';
import { directoryContext } from '../../src/checks/context.js';
import { memoryContext } from '../support/context.js';
import { tempDir } from '../support/temp.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/dockerfile/checks');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const MULTI = ['linux/amd64', 'linux/arm64'];
const base: CheckOptions = { platforms: MULTI, hostPlatform: 'linux/amd64', buildArgs: { VERSION: '1.2.3' }, dockerignore: '.git\n' };

function check(text: string, over: Partial<CheckOptions> = {}): string[] {
  return checkGoDockerfile(parseDockerfile(text), { ...base, ...over }).map(short);
}
const short = (f: Finding): string => `${f.id} ${f.level} ${f.file === 'dockerfile' ? '' : '.dockerignore:'}${f.line}`;

/**
 * A fixture's context directory, copied (with a .git directory when asked: git cannot hold one),
 * read through the real adapter, with its .dockerignore.
 */
function project(name: string, git = false): Partial<CheckOptions> {
  const dir = tempDir('context');
  if (existsSync(join(FIXTURES, name))) cpSync(join(FIXTURES, name), dir, { recursive: true });
  if (git) mkdirSync(join(dir, '.git', 'refs'), { recursive: true });
  const ignore = join(dir, '.dockerignore');
  return { context: directoryContext(dir), dockerignore: existsSync(ignore) ? readFileSync(ignore, 'utf8') : undefined };
}

describe('fixtures: every check, and Dockerfiles that must stay silent', () => {
  it.each<[string, string, Partial<CheckOptions>, string[]]>([
    [
      'examples/hello (2 platforms)',
      '../../../../examples/hello/Dockerfile',
      { dockerignore: readFileSync(join(ROOT, 'examples/hello/.dockerignore'), 'utf8') },
      [],
    ],
    ['examples/hello (1 platform)', '../../../../examples/hello/Dockerfile', { platforms: ['linux/amd64'] }, []],
    ['examples/hello on an arm64 runner', '../../../../examples/hello/Dockerfile', { hostPlatform: 'linux/arm64' }, []],
    ['a correct multi-stage Dockerfile (deps stage, distroless nonroot)', 'good-multistage.Dockerfile', {}, []],
    ['GO001: no --platform, a foreign platform', 'emulated.Dockerfile', {}, ['GO001 warning 2', 'GO011 notice 7']],
    [
      'GO001: no --platform, only the native platform (soft)',
      'emulated.Dockerfile',
      { platforms: ['linux/amd64'] },
      ['GO001 notice 2', 'GO011 notice 7'],
    ],
    [
      'GO001: no --platform, amd64 built on an arm64 runner',
      'emulated.Dockerfile',
      { platforms: ['linux/amd64'], hostPlatform: 'linux/arm64' },
      ['GO001 warning 2', 'GO011 notice 7'],
    ],
    ['GO002: go mod download and go build without cache mounts', 'no-cache-mounts.Dockerfile', {}, ['GO002 warning 4', 'GO002 warning 7']],
    ['GO003: COPY . . before go mod download', 'copy-before-download.Dockerfile', {}, ['GO003 warning 3']],
    [
      'GO004 and more: a single-stage toolchain image',
      'single-stage.Dockerfile',
      {},
      ['GO001 warning 1', 'GO004 warning 1', 'GO006 warning 1', 'GO002 warning 4', 'GO009 notice 4', 'GO011 notice 4', 'GO007 warning 5'],
    ],
    ['GO005: scratch with a cgo binary', 'cgo-scratch.Dockerfile', {}, ['GO005 warning 7']],
    ['GO006: no USER in the final stage', 'root-user.Dockerfile', {}, ['GO006 warning 10']],
    ['GO007: shell-form ENTRYPOINT (HEALTHCHECK CMD is not checked)', 'shell-form.Dockerfile', {}, ['GO007 warning 14']],
    ['GO009: -ldflags without -s -w', 'ldflags.Dockerfile', {}, ['GO009 notice 7']],
    ['GO010: cross-compiling without ARG TARGETARCH', 'cross-no-goarch.Dockerfile', {}, ['GO010 warning 6', 'GO011 notice 6']],
    ['GO010 stays silent for a native-only build', 'cross-no-goarch.Dockerfile', { platforms: ['linux/amd64'] }, ['GO011 notice 6']],
    // Modeled on real projects: what the context holds decides.
    [
      'make-driven service on the toolchain image, no --platform: GO001 although go build is in the Makefile',
      'make-service.Dockerfile',
      project('make-service'),
      ['GO001 warning 2', 'GO002 warning 8', 'GO011 notice 8'],
    ],
    [
      'make-driven service, native platform only: GO001 notice',
      'make-service.Dockerfile',
      { ...project('make-service'), platforms: ['linux/amd64'] },
      ['GO001 notice 2', 'GO002 warning 8', 'GO011 notice 8'],
    ],
    [
      'make-driven service, checkout with .git and no .dockerignore: GO008 on the COPY that sends it',
      'make-service.Dockerfile',
      project('make-service', true),
      ['GO001 warning 2', 'GO008 warning 7', 'GO002 warning 8', 'GO011 notice 8'],
    ],
    [
      'compose-sample stdlib backend without go.mod: no module cache, no .git',
      'compose-backend.Dockerfile',
      project('compose-backend'),
      ['GO001 warning 1', 'GO002 warning 4', 'GO009 notice 4', 'GO011 notice 4', 'GO006 warning 6'],
    ],
    [
      'vendored proxy (vendor/modules.txt, go 1.21): no module cache asked for',
      'vendored-proxy.Dockerfile',
      project('vendored-proxy', true),
      ['GO002 warning 8'],
    ],
    [
      'git describe in the Makefile with .git in the context: a notice, not the break',
      'git-describe.Dockerfile',
      project('git-describe', true),
      ['GO008 notice 9', 'GO011 notice 9'],
    ],
    ['git describe in the Makefile, no .git in the context', 'git-describe.Dockerfile', project('git-describe'), ['GO011 notice 9']],
  ])('%s', (_, name, over, expected) => {
    expect(check(fixture(name), over)).toEqual(expected);
  });
});

/** A correct two-stage Dockerfile with one part replaced, for the semantics of single checks. */
function twoStage({
  build = '',
  buildRun = 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/app .',
  final = 'FROM scratch',
  finalBody = 'USER 65534\nENTRYPOINT ["/app"]',
  from = 'FROM --platform=$BUILDPLATFORM golang:1.24-alpine AS build',
} = {}): string {
  return [
    from, // 1
    'WORKDIR /src', // 2
    'COPY go.mod go.sum ./', // 3
    'RUN --mount=type=cache,target=/go/pkg/mod go mod download', // 4
    'COPY . .', // 5
    'ARG TARGETOS TARGETARCH VERSION', // 6
    build || '# nothing', // 7
    `RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build ${buildRun}`, // 8
    final, // 9
    'COPY --from=build /out/app /app', // 10
    finalBody, // 11…
  ].join('\n');
}

describe('semantics', () => {
  it('the two-stage base is silent', () => {
    expect(check(twoStage())).toEqual([]);
  });

  it.each<[string, Parameters<typeof twoStage>[0], Partial<CheckOptions>, string[]]>([
    // CGO_ENABLED=0 may come from many places (GO005).
    [
      'CGO_ENABLED unset',
      { buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      ['GO005 warning 8'],
    ],
    [
      'CGO_ENABLED=1',
      { buildRun: 'CGO_ENABLED=1 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      ['GO005 warning 8'],
    ],
    [
      'ENV CGO_ENABLED=0 in the stage',
      { build: 'ENV CGO_ENABLED=0', buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      [],
    ],
    [
      'legacy ENV CGO_ENABLED 0',
      { build: 'ENV CGO_ENABLED 0', buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      [],
    ],
    [
      'ARG CGO_ENABLED=0 in the stage',
      { build: 'ARG CGO_ENABLED=0', buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      [],
    ],
    [
      'ARG CGO_ENABLED set by a build-arg',
      { build: 'ARG CGO_ENABLED', buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      { buildArgs: { CGO_ENABLED: '0' } },
      [],
    ],
    [
      'ARG CGO_ENABLED=0 overridden by a build-arg 1',
      { build: 'ARG CGO_ENABLED=0', buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      { buildArgs: { CGO_ENABLED: '1' } },
      ['GO005 warning 8'],
    ],
    [
      'export in the RUN',
      { buildRun: 'export CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH && go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      [],
    ],
    [
      'a shell variable that is exported later',
      {
        buildRun: 'CGO_ENABLED=0; export CGO_ENABLED; GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
      },
      {},
      [],
    ],
    [
      'a shell variable that is never exported',
      { buildRun: 'CGO_ENABLED=0; GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      ['GO005 warning 8'],
    ],
    [
      'env CGO_ENABLED=0 go build',
      { buildRun: 'env CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      [],
    ],
    [
      'go env -w in an earlier RUN',
      {
        build: 'RUN go env -w CGO_ENABLED=0',
        buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
      },
      {},
      [],
    ],
    [
      'a static link with -extldflags',
      {
        buildRun:
          'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w -linkmode external -extldflags -static" -o /out/app .',
      },
      {},
      [],
    ],
    [
      'CGO on a distroless static base',
      {
        buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
        final: 'FROM gcr.io/distroless/static-debian12',
      },
      {},
      ['GO005 warning 8'],
    ],
    [
      'CGO on a static base pinned by tag and digest',
      {
        buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
        final: 'FROM gcr.io/distroless/static-debian12:nonroot@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      },
      {},
      ['GO005 warning 8'],
    ],
    [
      'CGO on a static base from a registry with a port',
      {
        buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
        final: 'FROM localhost:5000/chainguard/static',
      },
      {},
      ['GO005 warning 8'],
    ],
    [
      'the toolchain image by its full name and digest',
      { final: 'FROM docker.io/library/golang@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
      {},
      ['GO004 warning 9'],
    ],
    [
      'CGO on a glibc base is fine',
      {
        buildRun: 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
        final: 'FROM gcr.io/distroless/base-debian12',
      },
      {},
      [],
    ],
    [
      'a heredoc RUN',
      { buildRun: '<<EOF\nset -e\nCGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .\nEOF' },
      {},
      [],
    ],
    // -trimpath (GO014).
    [
      'go build without -trimpath',
      { buildRun: 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags="-s -w" -o /out/app .' },
      {},
      ['GO014 notice 8'],
    ],
    [
      '-trimpath in GOFLAGS',
      {
        build: 'ENV GOFLAGS=-trimpath',
        buildRun: 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags="-s -w" -o /out/app .',
      },
      {},
      [],
    ],
    [
      '--trimpath=true',
      { buildRun: 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build --trimpath=true -ldflags="-s -w" -o /out/app .' },
      {},
      [],
    ],
    [
      'go mod download needs no -trimpath',
      { buildRun: 'go mod download && CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      ['GO003 warning 5'],
    ],
    [
      'an exec-form RUN is read too',
      { build: 'ENV CGO_ENABLED=0 GOOS=linux', buildRun: '["go", "build", "-o", "/out/app", "."]' },
      {},
      ['GO009 notice 8', 'GO010 warning 8', 'GO014 notice 8'],
    ],
    // USER (GO006).
    ['USER root last', { finalBody: 'USER 65534\nUSER root\nENTRYPOINT ["/app"]' }, {}, ['GO006 warning 12']],
    ['USER 0:0', { finalBody: 'USER 0:0\nENTRYPOINT ["/app"]' }, {}, ['GO006 warning 11']],
    ['USER root, then back to a user', { finalBody: 'USER root\nUSER app:app\nENTRYPOINT ["/app"]' }, {}, []],
    ['USER from an ARG', { finalBody: 'ARG APP_UID=10001\nUSER ${APP_UID}\nENTRYPOINT ["/app"]' }, {}, []],
    ['no USER on a nonroot base', { final: 'FROM gcr.io/distroless/static:nonroot', finalBody: 'ENTRYPOINT ["/app"]' }, {}, []],
    // CMD/ENTRYPOINT (GO007).
    [
      'a shell-form CMD after an exec ENTRYPOINT',
      { finalBody: 'USER 65534\nENTRYPOINT ["/app"]\nCMD --port 8080' },
      {},
      ['GO007 warning 13'],
    ],
    ['a shell-form CMD overridden by an exec-form one', { finalBody: 'USER 65534\nCMD /app\nCMD ["/app"]' }, {}, []],
    // Platforms (GO001, GO010).
    [
      'FROM --platform=$TARGETPLATFORM is emulated',
      { from: 'FROM --platform=$TARGETPLATFORM golang:1.24-alpine AS build' },
      {},
      ['GO001 warning 1'],
    ],
    [
      'a pinned --platform=linux/amd64 without GOARCH',
      {
        from: 'FROM --platform=linux/amd64 golang:1.24-alpine AS build',
        buildRun: 'CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .',
      },
      {},
      ['GO010 warning 8'],
    ],
    [
      'GOARCH hard-coded',
      { buildRun: 'CGO_ENABLED=0 GOARCH=amd64 go build -trimpath -ldflags="-s -w" -o /out/app .' },
      {},
      ['GO010 warning 8'],
    ],
    ['xx-go sets GOARCH itself', { buildRun: 'CGO_ENABLED=0 xx-go build -trimpath -ldflags="-s -w" -o /out/app .' }, {}, []],
    // Cache mounts (GO002).
    [
      'GOCACHE moved and mounted',
      {
        build: 'ENV GOCACHE=/cache/go',
        buildRun:
          '--mount=type=cache,target=${GOCACHE} CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
      },
      {},
      [],
    ],
    ['GOCACHE moved, not mounted', { build: 'ENV GOCACHE=/cache/go' }, {}, ['GO002 warning 8']],
    [
      'a parent directory mounted',
      {
        buildRun:
          '--mount=type=cache,target=/root/.cache CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
      },
      {},
      [],
    ],
    ['-mod=vendor needs no module cache', { build: 'ENV GOFLAGS=-mod=vendor' }, {}, []],
    // ldflags (GO009).
    [
      '-ldflags with -s only',
      { buildRun: 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags=-s -o /out/app .' },
      {},
      ['GO009 notice 8'],
    ],
    [
      '-ldflags="-w -s -X v=1" (any order)',
      { buildRun: 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-w -s -X v=1" -o /out/app .' },
      {},
      [],
    ],
  ])('%s', (_, parts, over, expected) => {
    // These rows are about other checks: GO011 (the version in the binary) has its own table.
    expect(check(twoStage(parts), over).filter((f) => !f.startsWith('GO011'))).toEqual(expected);
  });

  it('GO010: a global ARG TARGETARCH is not visible in a stage that does not declare it', () => {
    const text = [
      'ARG TARGETARCH',
      'FROM --platform=$BUILDPLATFORM golang:1.24-alpine AS build',
      'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
      'FROM scratch',
      'COPY --from=build /out/app /app',
      'USER 65534',
      'ENTRYPOINT ["/app"]',
    ];
    expect(check(text.join('\n'))).toEqual(['GO010 warning 3', 'GO011 notice 3']);
    text.splice(2, 0, 'ARG TARGETARCH');
    expect(check(text.join('\n'))).toEqual(['GO011 notice 4']);
  });

  it('checks the target stage, and only the stages it needs', () => {
    const text = [
      'FROM --platform=$BUILDPLATFORM golang:1.24-alpine AS build', // 1
      'COPY go.mod go.sum ./',
      'RUN --mount=type=cache,target=/go/pkg/mod go mod download',
      'COPY . .',
      'ARG TARGETOS TARGETARCH',
      'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app .',
      'FROM scratch AS prod', // 7
      'COPY --from=build /out/app /app',
      'USER 65534',
      'ENTRYPOINT ["/app"]',
      'FROM golang:1.24-alpine AS dev', // 11
      'RUN go install example.com/tool@latest',
      'CMD go run .',
    ].join('\n');
    expect(check(text, { target: 'prod' })).toEqual(['GO011 notice 6']);
    expect(check(text, { target: 'PROD' })).toEqual(['GO011 notice 6']);
    expect(check(text)).toEqual([
      'GO001 warning 11',
      'GO004 warning 11',
      'GO006 warning 11',
      'GO002 warning 12',
      'GO009 notice 12',
      'GO014 notice 12',
      'GO007 warning 13',
    ]);
  });

  it('follows FROM <stage> chains for USER, ENTRYPOINT and the base image', () => {
    const text = ['FROM alpine:3 AS runtime', 'USER 65534', 'ENTRYPOINT ["/app"]', 'FROM runtime', 'COPY app /app'].join('\n');
    expect(check(text)).toEqual([]);
    expect(check(['FROM golang:1.24 AS tool', 'FROM tool', 'USER 1000', 'CMD ["x"]'].join('\n'))).toEqual(['GO004 warning 2']);
  });

  it('resolves the base image through ARGs and build-args', () => {
    const text = ['ARG BASE=alpine:3', 'FROM ${BASE}', 'USER 1000', 'CMD ["x"]'].join('\n');
    expect(check(text)).toEqual([]);
    expect(check(text, { buildArgs: { BASE: 'gca-local/golang:1.24' } })).toEqual(['GO004 warning 2']);
  });

  it.each<[string, string | undefined, boolean, string[]]>([
    ['missing, COPY . . sends .git', undefined, true, ['GO008 warning 5']],
    ['missing, but the context has no .git', undefined, false, []],
    ['without .git, context has .git', 'bin/\n*.md\n', true, ['GO008 warning .dockerignore:1']],
    ['without .git, context has none', 'bin/\n', false, []],
    ['.git/', '.git/\n', true, []],
    ['/.git', '/.git\n', true, []],
    ['**/.git', '**/.git\n', true, []],
    ['.git*', '.git*\n', true, []],
    ['* with exceptions', '*\n!go.mod\n!go.sum\n!*.go\n', true, []],
    ['.git re-included', '.git\n!.git\n', true, ['GO008 warning .dockerignore:1']],
    ['a comment is not a pattern', '# .git\n', true, ['GO008 warning .dockerignore:1']],
  ])('GO008: .dockerignore %s', (_, dockerignore, contextHasGit, expected) => {
    const context = memoryContext(
      contextHasGit ? { '.git/HEAD': 'ref: refs/heads/main\n', 'go.mod': 'module x\n' } : { 'go.mod': 'module x\n' },
    );
    expect(check(twoStage({ finalBody: 'USER 65534\nENTRYPOINT ["/app"]' }), { dockerignore, context })).toEqual(expected);
  });

  it('gives a one-line message naming the fix for every finding', () => {
    const findings = checkGoDockerfile(parseDockerfile(fixture('single-stage.Dockerfile')), { ...base, dockerignore: undefined });
    expect(findings.length).toBeGreaterThan(5);
    for (const f of findings) {
      expect(f.message).not.toContain('\n');
      expect(f.message).toMatch(/Fix: /);
    }
    expect(findings.find((f) => f.id === 'GO007')!.text).toBe('CMD app serve --port 8080');
  });

  it('never throws on odd input', () => {
    for (const text of [
      '',
      '\n\n',
      'RUN go build',
      'FROM',
      'FROM scratch\nCOPY',
      'FROM a AS a\nFROM a AS b\nFROM b AS a',
      'FROM ${X:-',
      'FROM x\nRUN "unterminated\nCMD [',
    ]) {
      expect(() => check(text)).not.toThrow();
      expect(() =>
        check(`${text}\nCOPY . .\nRUN make && ./x.sh && sh -c 'make -C' && . && cd`, {
          context: memoryContext({ Makefile: 'a: a b\n\t$(MAKE) a\nb:;', 'x.sh': './x.sh\n', 'go.mod': 'require (', '.git/x': '' }),
        }),
      ).not.toThrow();
    }
  });
});

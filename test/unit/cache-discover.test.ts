import { describe, expect, it } from 'vitest';
import { cacheKind, discoverCaches } from '../../src/go-cache/discover.js';
import { hashFiles, slotKeys, slug } from '../../src/go-cache/keys.js';
import { parseDockerfile } from '../../src/dockerfile/model.js';

const discover = (text: string, platforms = ['linux/amd64'], extra: { target?: string; buildArgs?: Record<string, string> } = {}) =>
  discoverCaches(parseDockerfile(text), { platforms, buildPlatform: 'linux/amd64', ...extra });

const RECOMMENDED = `ARG GO_IMAGE=golang:1.24-alpine
FROM --platform=$BUILDPLATFORM \${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \\
    --mount=type=cache,target=/root/.cache/go-build \\
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
FROM scratch
COPY --from=build /out/app /app
`;

describe('discoverCaches', () => {
  it('finds the module and build caches of the recommended Dockerfile, shared by both platforms', () => {
    const { slots, skipped } = discover(RECOMMENDED, ['linux/amd64', 'linux/arm64']);
    expect(skipped).toEqual([]);
    expect(slots).toEqual([
      {
        id: '/go/pkg/mod',
        kind: 'go-modules',
        target: '/go/pkg/mod',
        sharing: 'shared',
        uid: undefined,
        gid: undefined,
        mode: undefined,
        platforms: ['linux/amd64', 'linux/arm64'],
        image: 'golang:1.24-alpine',
        lines: [5, 8],
      },
      {
        id: '/root/.cache/go-build',
        kind: 'go-build',
        target: '/root/.cache/go-build',
        sharing: 'shared',
        uid: undefined,
        gid: undefined,
        mode: undefined,
        platforms: ['linux/amd64', 'linux/arm64'],
        image: 'golang:1.24-alpine',
        lines: [8],
      },
    ]);
  });

  it('gives each platform its own slot when the id differs per platform', () => {
    const text = `FROM golang:1.24 AS build
ARG TARGETARCH
RUN --mount=type=cache,id=gocache-\${TARGETARCH},target=/root/.cache/go-build,sharing=locked go build ./...
`;
    const { slots } = discover(text, ['linux/amd64', 'linux/arm64']);
    expect(slots.map((s) => [s.id, s.platforms, s.sharing])).toEqual([
      ['gocache-amd64', ['linux/amd64'], 'locked'],
      ['gocache-arm64', ['linux/arm64'], 'locked'],
    ]);
  });

  it('resolves env-var targets, uid/gid/mode and build-arg overrides', () => {
    const text = `ARG BASE=golang:1.24
FROM \${BASE} AS base
ENV GOCACHE=/cache/go GOMODCACHE=/cache/mod
FROM base AS build
ARG CACHE_NS=dev
RUN --mount=type=cache,id=mod-\${CACHE_NS},target=/cache/mod,uid=1000,gid=1000,mode=0755 \\
    --mount=type=cache,target=/cache/go,id=build-$CACHE_NS go build ./...
`;
    const { slots } = discover(text, ['linux/amd64'], { buildArgs: { CACHE_NS: 'ci', BASE: 'golang:1.25' } });
    expect(slots.map((s) => [s.id, s.kind, s.uid, s.gid, s.mode, s.image])).toEqual([
      ['mod-ci', 'go-modules', '1000', '1000', '0755', 'golang:1.25'],
      ['build-ci', 'go-build', undefined, undefined, undefined, 'golang:1.25'],
    ]);
  });

  it('resolves a target from the ENV of a base stage', () => {
    const text = `FROM golang:1.24 AS base
ENV GOMODCACHE=/cache/mod GOCACHE=/cache/go
FROM base AS build
RUN --mount=type=cache,target=$GOMODCACHE --mount=type=cache,target=\${GOCACHE} go build ./...
`;
    const { slots, skipped } = discover(text);
    expect(skipped).toEqual([]);
    expect(slots.map((s) => [s.id, s.kind, s.target])).toEqual([
      ['/cache/mod', 'go-modules', '/cache/mod'],
      ['/cache/go', 'go-build', '/cache/go'],
    ]);
  });

  it('only looks at the stages the target needs', () => {
    const text = `FROM golang:1.24 AS lint
RUN --mount=type=cache,target=/root/.cache/golangci-lint true
FROM golang:1.24 AS build
RUN --mount=type=cache,target=/root/.cache/go-build go build ./...
FROM build AS test
RUN --mount=type=cache,target=/root/.cache/go-build go test ./...
`;
    expect(discover(text, ['linux/amd64'], { target: 'build' }).slots.map((s) => s.id)).toEqual(['/root/.cache/go-build']);
    expect(discover(text, ['linux/amd64'], { target: 'lint' }).slots.map((s) => [s.id, s.kind])).toEqual([
      ['/root/.cache/golangci-lint', 'other'],
    ]);
    expect(discover(text).slots.map((s) => s.lines)).toEqual([[4, 6]]);
  });

  it('finds cache mounts in heredoc RUNs and leaves seeded or target-less mounts alone', () => {
    const text = `FROM golang:1.24 AS build
RUN --mount=type=cache,target=/go/pkg/mod <<EOF
go mod download
EOF
RUN --mount=type=cache,from=build,source=/x,target=/y true
RUN --mount=type=cache,id=nothing true
RUN --mount=type=bind,target=/src --mount=type=tmpfs,target=/tmp true
`;
    const { slots, skipped } = discover(text);
    expect(slots.map((s) => [s.id, s.lines])).toEqual([['/go/pkg/mod', [2]]]);
    expect(skipped.map((s) => s.line)).toEqual([5, 6]);
  });

  it('reports variables without a value', () => {
    const { slots, skipped } = discover('FROM golang:1.24\nRUN --mount=type=cache,target=$NOPE/go-build true\n');
    expect(slots[0]!.target).toBe('/go-build');
    expect(skipped[0]!.reason).toMatch(/\$NOPE/);
  });

  it('has no image for a mount in a stage on scratch', () => {
    expect(discover('FROM scratch\nRUN --mount=type=cache,target=/c true\n').slots[0]!.image).toBeUndefined();
  });
});

describe('cacheKind', () => {
  it.each([
    ['/go/pkg/mod', 'go-modules'],
    ['/go/pkg/mod/', 'go-modules'],
    ['/home/app/go/pkg/mod', 'go-modules'],
    ['/root/.cache/go-build', 'go-build'],
    ['/tmp/gocache', 'go-build'],
    ['/var/cache/apk', 'other'],
  ] as const)('%s -> %s', (target, kind) => {
    expect(cacheKind(target)).toBe(kind);
  });

  it('follows GOCACHE and GOMODCACHE set in the stage', () => {
    const env = new Map([
      ['GOCACHE', '/c/build'],
      ['GOMODCACHE', '/c/mods'],
    ]);
    expect(cacheKind('/c/build', env)).toBe('go-build');
    expect(cacheKind('/c/mods', env)).toBe('go-modules');
  });
});

describe('slotKeys', () => {
  const modules = { id: '/go/pkg/mod', kind: 'go-modules' as const, platforms: ['linux/amd64', 'linux/arm64'] };
  const build = { id: '/root/.cache/go-build', kind: 'go-build' as const, platforms: ['linux/amd64', 'linux/arm64'] };

  it('keys the module cache by the go.sum hash only (same for every platform and target)', () => {
    const a = slotKeys(modules, { goSumHash: 'abc', unique: 'r1' });
    const b = slotKeys({ ...modules, platforms: ['linux/amd64'] }, { goSumHash: 'abc', target: 'test', unique: 'r2' });
    expect(a.primary).toBe(b.primary);
    expect(a.primary).toMatch(/^go-container-action-v1-go-modules-go-pkg-mod-[0-9a-f]{8}-abc$/);
    expect(a.restore).toEqual([a.primary.slice(0, -'abc'.length)]);
  });

  it('keys the build cache per platform set and target, new each run, restored by prefix', () => {
    const a = slotKeys(build, { goSumHash: 'abc', unique: 'r1' });
    const b = slotKeys(build, { goSumHash: 'def', unique: 'r2' });
    expect(a.primary).not.toBe(b.primary);
    expect(a.restore).toEqual(b.restore);
    expect(a.primary.startsWith(a.restore[0]!)).toBe(true);
    expect(a.restore[0]).toContain('-linux_amd64+linux_arm64-default-');
    expect(slotKeys(build, { goSumHash: 'x', target: 'Test', unique: 'r1' }).restore[0]).toContain('-Test-');
    expect(slotKeys({ ...build, platforms: ['linux/arm64'] }, { goSumHash: 'x', unique: 'r1' }).restore[0]).not.toBe(a.restore[0]);
  });

  it('makes keys the cache service accepts and a stable path per cache id', () => {
    const k = slotKeys({ id: 'a,b c/'.repeat(100), kind: 'other', platforms: ['linux/amd64'] }, { goSumHash: 'x', unique: 'u,1' });
    expect(k.primary).not.toMatch(/,/);
    expect(k.primary.length).toBeLessThanOrEqual(512);
    expect(k.path).toBe(
      slotKeys({ id: 'a,b c/'.repeat(100), kind: 'other', platforms: ['linux/arm64'] }, { goSumHash: 'y', unique: 'v' }).path,
    );
    // Relative to the run's own cache workspace (isolation.ts), never a shared folder.
    expect(k.path.startsWith('go-cache/')).toBe(true);
  });

  it('slugs', () => {
    expect(slug('/root/.cache/go-build')).toBe('root-.cache-go-build');
    expect(slug('///')).toBe('root');
  });
});

describe('hashFiles', () => {
  it('depends on names and contents, not on order', () => {
    const a = hashFiles([
      { name: 'go.sum', content: 'x' },
      { name: 'tools/go.sum', content: 'y' },
    ]);
    expect(
      hashFiles([
        { name: 'tools/go.sum', content: 'y' },
        { name: 'go.sum', content: 'x' },
      ]),
    ).toBe(a);
    expect(
      hashFiles([
        { name: 'go.sum', content: 'x' },
        { name: 'tools/go.sum', content: 'z' },
      ]),
    ).not.toBe(a);
    expect(hashFiles([{ name: 'go.sum', content: 'x' }])).not.toBe(a);
  });
});

import { describe, expect, it } from 'vitest';
import {
  expandVariables,
  parseDockerfile,
  parseMount,
  resolveBaseImage,
  resolveMount,
  rootImage,
  splitCsv,
  stageScope,
  stagesForTarget,
} from '../../src/dockerfile/model.js';

const MULTI = `# escape=\\
ARG GO_IMAGE=golang:1.24-alpine
ARG CACHE_ROOT=/root/.cache
FROM --platform=$BUILDPLATFORM \${GO_IMAGE} AS Build
ARG TARGETOS TARGETARCH
ARG CACHE_ROOT
ENV GOCACHE=\${CACHE_ROOT}/go-build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod,sharing=locked \\
    --mount=type=cache,target=$GOCACHE,id=gobuild-\${TARGETARCH} \\
    --mount=type=bind,source=.,target=/src,ro \\
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
RUN <<EOF
set -e
echo hello
EOF

FROM build AS test
RUN --network=none go test ./...

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
`;

describe('parseDockerfile', () => {
  const model = parseDockerfile(MULTI);

  it('finds directives, global args and stages with lines', () => {
    expect(model.directives).toEqual([{ name: 'escape', value: '\\', line: 1 }]);
    expect(model.globalArgs).toEqual([
      { name: 'GO_IMAGE', defaultValue: 'golang:1.24-alpine', line: 2 },
      { name: 'CACHE_ROOT', defaultValue: '/root/.cache', line: 3 },
    ]);
    expect(model.stages.map((s) => [s.index, s.name, s.baseImage, s.platform, s.line, s.endLine])).toEqual([
      [0, 'build', '${GO_IMAGE}', '$BUILDPLATFORM', 4, 16],
      [1, 'test', 'build', undefined, 18, 19],
      [2, undefined, 'scratch', undefined, 21, 23],
    ]);
    expect(model.instructions.map((i) => [i.keyword, i.line, i.stageIndex])).toEqual([
      ['ARG', 2, -1],
      ['ARG', 3, -1],
      ['FROM', 4, 0],
      ['ARG', 5, 0],
      ['ARG', 6, 0],
      ['ENV', 7, 0],
      ['WORKDIR', 8, 0],
      ['RUN', 9, 0],
      ['RUN', 13, 0],
      ['FROM', 18, 1],
      ['RUN', 19, 1],
      ['FROM', 21, 2],
      ['COPY', 22, 2],
      ['ENTRYPOINT', 23, 2],
    ]);
  });

  it('parses RUN flags, every mount, heredocs and commands', () => {
    const run = model.instructions.find((i) => i.line === 9)!;
    expect(run.endLine).toBe(12);
    expect(run.run!.command).toBe('GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .');
    expect(run.run!.mounts.map(({ options: _o, raw: _r, ...m }) => m)).toEqual([
      { type: 'cache', target: '/go/pkg/mod', sharing: 'locked' },
      { type: 'cache', target: '$GOCACHE', id: 'gobuild-${TARGETARCH}' },
      { type: 'bind', source: '.', target: '/src', readonly: true },
    ]);
    const heredoc = model.instructions.find((i) => i.line === 13)!;
    expect(heredoc.run!.heredocs).toEqual([{ name: 'EOF', content: 'set -e\necho hello', line: 13 }]);
    const test = model.instructions.find((i) => i.line === 19)!;
    expect(test.run!.network).toBe('none');
    const copy = model.instructions.find((i) => i.keyword === 'COPY')!;
    expect(copy.flags).toEqual([{ name: 'from', value: 'build' }]);
    expect(model.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.text).toBe('ENTRYPOINT ["/app"]');
  });

  it('collects stage ARG and ENV declarations', () => {
    const build = model.stages[0]!;
    expect(build.args.map((a) => a.name)).toEqual(['TARGETOS', 'TARGETARCH', 'CACHE_ROOT']);
    expect(build.env).toEqual([{ name: 'GOCACHE', value: '${CACHE_ROOT}/go-build', line: 7 }]);
  });

  it('resolves mount targets and ids in the stage scope, per platform', () => {
    const build = model.stages[0]!;
    const run = model.instructions.find((i) => i.line === 9)!;
    const [mod, gocache] = run.run!.mounts;
    expect(resolveMount(model, build, run, mod!)).toMatchObject({
      target: '/go/pkg/mod',
      cacheId: '/go/pkg/mod',
      sharing: 'locked',
      unresolved: [],
    });
    expect(resolveMount(model, build, run, gocache!, { targetPlatform: 'linux/arm64' })).toMatchObject({
      target: '/root/.cache/go-build',
      cacheId: 'gobuild-arm64',
      sharing: 'shared',
      unresolved: [],
    });
    expect(resolveMount(model, build, run, gocache!, { buildArgs: { CACHE_ROOT: '/c' } })).toMatchObject({
      target: '/c/go-build',
      cacheId: 'gobuild-amd64',
    });
  });

  it('resolves base images through global args and stage chains', () => {
    expect(resolveBaseImage(model, model.stages[0]!).value).toBe('golang:1.24-alpine');
    expect(resolveBaseImage(model, model.stages[0]!, { buildArgs: { GO_IMAGE: 'golang:1.25' } }).value).toBe('golang:1.25');
    expect(rootImage(model, model.stages[1]!)).toBe('golang:1.24-alpine');
    expect(rootImage(model, model.stages[2]!)).toBeUndefined();
  });

  it('lists the stages a target needs', () => {
    expect(stagesForTarget(model).map((s) => s.index)).toEqual([0, 2]);
    expect(stagesForTarget(model, 'test').map((s) => s.index)).toEqual([0, 1]);
    expect(stagesForTarget(model, 'nope')).toEqual([]);
  });

  it('does not see global ARGs in a stage unless re-declared', () => {
    const m = parseDockerfile('ARG A=1\nFROM alpine\nRUN echo\nARG A\nRUN echo\n');
    const stage = m.stages[0]!;
    expect(stageScope(m, stage, 3).has('A')).toBe(false);
    expect(stageScope(m, stage, 5).get('A')).toBe('1');
  });

  it('carries the ENV of the stages a stage builds on, not their ARGs', () => {
    const m = parseDockerfile(
      'FROM golang AS base\nARG V=1\nENV GOMODCACHE=/cache/mod W=$V\nFROM base AS build\nENV GOCACHE=/cache/go\nRUN echo\nFROM build\nRUN echo\n',
    );
    const build = stageScope(m, m.stages[1]!, 6);
    expect(Object.fromEntries(build)).toEqual({ GOMODCACHE: '/cache/mod', W: '1', GOCACHE: '/cache/go' });
    expect(stageScope(m, m.stages[2]!, 8).get('GOCACHE')).toBe('/cache/go');
    expect(rootImage(m, m.stages[2]!)).toBe('golang');
    // A loop of stages ends the chain instead of running forever.
    const loop = parseDockerfile('FROM 1 AS a\nENV X=1\nFROM a AS b\n');
    expect(rootImage(loop, loop.stages[1]!)).toBeUndefined();
    expect(stageScope(loop, loop.stages[1]!, 4).get('X')).toBe('1');
  });

  it('tolerates odd input', () => {
    expect(parseDockerfile('').stages).toEqual([]);
    const m = parseDockerfile('FROM\nRUN --mount echo hi\n');
    expect(m.stages[0]!.baseImage).toBe('');
    expect(m.instructions[1]!.run!.mounts).toEqual([]);
    const lower = parseDockerfile('from alpine as A\nrun --mount=type=cache,target=/c true\n');
    expect(lower.stages[0]!.name).toBe('a');
    expect(lower.instructions[1]!.run!.mounts[0]!.type).toBe('cache');
  });
});

describe('parseMount', () => {
  it.each([
    ['type=cache,target=/go/pkg/mod', { type: 'cache', target: '/go/pkg/mod' }],
    ['target=/x', { type: 'bind', target: '/x' }],
    [
      'type=cache,dst=/x,id=a,sharing=PRIVATE,uid=1000,gid=1000,mode=0755',
      { type: 'cache', target: '/x', id: 'a', sharing: 'private', uid: '1000', gid: '1000', mode: '0755' },
    ],
    [
      'type=cache,destination=/x,from=builder,source=/cache,rw',
      { type: 'cache', target: '/x', from: 'builder', source: '/cache', readonly: false },
    ],
    ['type=bind,src=.,target=/src,readonly=false', { type: 'bind', source: '.', target: '/src', readonly: false }],
    ['type=secret,id=npmrc,required', { type: 'secret', id: 'npmrc', required: true }],
    ['type=tmpfs,target=/tmp,size=64m', { type: 'tmpfs', target: '/tmp', size: '64m' }],
    ['type=cache,"target=/a,b"', { type: 'cache', target: '/a,b' }],
    ['type=bind,target=/x,ro', { type: 'bind', target: '/x', readonly: true }],
    ['type=bind,target=/x,readwrite=0', { type: 'bind', target: '/x', readonly: true }],
    ['type=secret,id=a,required=no', { type: 'secret', id: 'a', required: false }],
    ['TYPE=Cache,Target=/x,constructor=1,__proto__=2', { type: 'cache', target: '/x' }],
  ])('%s', (raw, expected) => {
    const { options: _o, raw: _r, ...spec } = parseMount(raw);
    expect(spec).toEqual(expected);
  });

  it('splits CSV like BuildKit', () => {
    expect(splitCsv('a=1, b=2,"c=3,4",,')).toEqual(['a=1', 'b=2', 'c=3,4']);
  });
});

describe('expandVariables', () => {
  const vars = { A: 'x', EMPTY: '' };
  it.each([
    ['$A/b', 'x/b', []],
    ['${A}b', 'xb', []],
    ['${B:-def}', 'def', []],
    ['${EMPTY:-def}', 'def', []],
    ['${EMPTY-def}', '', []],
    ['${A:+alt}', 'alt', []],
    ['${B:+alt}', '', []],
    ['${B:-$A}', 'x', []],
    ['$B/c', '/c', ['B']],
    ['\\$A', '$A', []],
    ['cost $5', 'cost $5', []],
    ['${A', '${A', []],
  ])('%s -> %s', (text, value, unresolved) => {
    expect(expandVariables(text, vars)).toEqual({ value, unresolved });
  });
});

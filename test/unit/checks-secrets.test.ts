/** GO012 (private modules without the netrc secret) and GO013 (a token in the image history). */
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../src/dockerfile/model.js';
import { checkGoDockerfile, type CheckOptions } from '../../src/checks/go.js';

const base: CheckOptions = {
  platforms: ['linux/amd64'],
  hostPlatform: 'linux/amd64',
  buildArgs: { VERSION: '1.2.3' },
  dockerignore: '.git\n',
};

/** The GO012/GO013 findings of a Dockerfile, as `id line`. */
function secretFindings(lines: string[], over: Partial<CheckOptions> = {}): string[] {
  return checkGoDockerfile(parseDockerfile(lines.join('\n') + '\n'), { ...base, ...over })
    .filter((f) => f.id === 'GO012' || f.id === 'GO013')
    .map((f) => `${f.id} ${f.level} ${f.line}`);
}

const FROM = 'FROM --platform=$BUILDPLATFORM golang:1.24 AS build';
const DOWNLOAD_WITH_NETRC = 'RUN --mount=type=secret,id=netrc,target=/root/.netrc --mount=type=cache,target=/go/pkg/mod go mod download';
const BUILD = 'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 go build -o /app .';
const PRIVATE = { goPrivate: ['github.com/acme/*'], buildArgs: { VERSION: '1', GOPRIVATE: 'github.com/acme/*' } };

describe('GO012: private modules without the netrc secret', () => {
  it.each<[string, string[], Partial<CheckOptions>, string[]]>([
    [
      'the README lines: ARG GOPRIVATE and the netrc mount on go mod download',
      [FROM, 'ARG GOPRIVATE', DOWNLOAD_WITH_NETRC, BUILD],
      PRIVATE,
      [],
    ],
    [
      'go mod download without the netrc mount',
      [FROM, 'ARG GOPRIVATE', 'RUN --mount=type=cache,target=/go/pkg/mod go mod download', BUILD],
      PRIVATE,
      ['GO012 warning 3', 'GO012 warning 4'],
    ],
    ['go build alone without the netrc mount', [FROM, 'ARG GOPRIVATE', BUILD], PRIVATE, ['GO012 warning 3']],
    [
      'a build stage on a deps stage that mounted it',
      [FROM.replace('build', 'deps'), 'ARG GOPRIVATE', DOWNLOAD_WITH_NETRC, 'FROM deps AS build', BUILD],
      PRIVATE,
      [],
    ],
    [
      'the netrc mount without ARG GOPRIVATE (the go build after it finds the modules in the cache)',
      [FROM, DOWNLOAD_WITH_NETRC, BUILD],
      PRIVATE,
      ['GO012 warning 2'],
    ],
    [
      'a secret mount by target alone (id defaults to netrc)',
      [FROM, 'ARG GOPRIVATE', 'RUN --mount=type=secret,target=/run/secrets/netrc NETRC=/run/secrets/netrc go mod download', BUILD],
      PRIVATE,
      [],
    ],
    [
      'another secret does not count',
      [FROM, 'ARG GOPRIVATE', 'RUN --mount=type=secret,id=npm go mod download'],
      PRIVATE,
      ['GO012 warning 3'],
    ],
    ['go-private not set: silent', [FROM, 'RUN --mount=type=cache,target=/go/pkg/mod go mod download', BUILD], {}, []],
  ])('%s', (_, lines, over, expected) => {
    expect(secretFindings(lines, over)).toEqual(expected);
  });
});

describe('GO013: a token in ARG, ENV or git config', () => {
  it.each<[string, string[], string[]]>([
    ['ARG GITHUB_TOKEN', [FROM, 'ARG GITHUB_TOKEN', BUILD], ['GO013 warning 2']],
    ['a global ARG NPM_TOKEN', ['ARG NPM_TOKEN', FROM, BUILD], ['GO013 warning 1']],
    ['ENV GH_TOKEN from an ARG', [FROM, 'ARG GH', 'ENV GH_TOKEN=$GH', BUILD], ['GO013 warning 3']],
    ['ENV DB_PASSWORD', [FROM, 'ENV DB_PASSWORD=hunter2', BUILD], ['GO013 warning 2']],
    ['GOPROXY with credentials in the URL', [FROM, 'ENV GOPROXY=https://user:s3cret@proxy.example.com', BUILD], ['GO013 warning 2']],
    ['an ARG default URL with a token variable', [FROM, 'ARG REPO_URL=https://${PAT}@github.com/acme/x', BUILD], ['GO013 warning 2']],
    [
      'git config insteadOf with a token build-arg',
      [FROM, 'ARG GIT_PAT', 'RUN git config --global url."https://${GIT_PAT}@github.com/".insteadOf "https://github.com/"', BUILD],
      ['GO013 warning 3'],
    ],
    [
      'git config insteadOf with user:token',
      [FROM, 'ARG PAT', 'RUN git config --global url."https://x-access-token:$PAT@github.com/".insteadOf https://github.com/', BUILD],
      ['GO013 warning 3'],
    ],
    [
      'git config insteadOf to ssh: no token',
      [FROM, 'RUN git config --global url."git@github.com:".insteadOf https://github.com/', BUILD],
      [],
    ],
    [
      'ARG GOPRIVATE, VERSION and a TOKEN_URL are no tokens',
      [FROM, 'ARG GOPRIVATE', 'ARG VERSION', 'ARG TOKEN_URL=https://example.com/token', BUILD],
      [],
    ],
    ['a stage the build does not run', ['FROM golang:1.24 AS unused', 'ARG GITHUB_TOKEN', FROM, BUILD], []],
  ])('%s', (_, lines, expected) => {
    expect(secretFindings(lines)).toEqual(expected);
  });
});

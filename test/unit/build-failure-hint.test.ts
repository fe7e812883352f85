import { describe, expect, it } from 'vitest';
import { matchesGoPattern, moduleAuthFailure, privateModuleHint } from '../../src/buildx/failure-hint.js';

// Lines as a build log shows them (BuildKit's plain progress, go 1.24's own words).
const UNAUTHORIZED =
  '#12 1.234 go: private.gca.test/acme/greet@v1.0.0: unrecognized import path "private.gca.test/acme/greet": reading https://private.gca.test/acme/greet?go-get=1: 401 Unauthorized';
const FORBIDDEN =
  '#12 1.234 go: private.gca.test/acme/greet@v1.0.0: unrecognized import path "private.gca.test/acme/greet": reading https://private.gca.test/acme/greet?go-get=1: 403 Forbidden';
const VIA_PROXY =
  '#12 0.9 go: private.gca.test/acme/greet@v1.0.0: reading http://172.17.0.1:3111/private.gca.test/acme/greet/@v/v1.0.0.mod: 404 Not Found';
const GIT_PROMPT =
  "#9 2.1 go: github.com/acme/lib@v0.3.0: invalid version: git ls-remote -q origin in /go/pkg/mod/cache/vcs/0a1b: exit status 128:\n#9 2.1 \tfatal: could not read Username for 'https://github.com': terminal prompts disabled";
const GIT_PROMPT_ONE_LINE =
  "#9 2.1 go: github.com/acme/lib@v0.3.0: invalid version: git ls-remote -q origin: exit status 128: fatal: could not read Username for 'https://github.com': terminal prompts disabled";
const PUBLIC_MISSING =
  '#12 0.9 go: example.com/nothere@v1.0.0: reading http://172.17.0.1:3111/example.com/nothere/@v/v1.0.0.mod: 404 Not Found';

const acme = { patterns: ['private.gca.test/acme/*'], token: '' };

describe('moduleAuthFailure finds the go line that failed', () => {
  it.each<[string, string, ReturnType<typeof moduleAuthFailure>]>([
    [
      '401 from the module host',
      `#12 [build 4/6] RUN go mod download\n${UNAUTHORIZED}\n#12 ERROR: process did not complete`,
      { module: 'private.gca.test/acme/greet', url: 'https://private.gca.test/acme/greet?go-get=1', answer: '401 Unauthorized' },
    ],
    [
      '403 from the module host',
      FORBIDDEN,
      { module: 'private.gca.test/acme/greet', url: 'https://private.gca.test/acme/greet?go-get=1', answer: '403 Forbidden' },
    ],
    [
      '404 from a proxy',
      VIA_PROXY,
      {
        module: 'private.gca.test/acme/greet',
        url: 'http://172.17.0.1:3111/private.gca.test/acme/greet/@v/v1.0.0.mod',
        answer: '404 Not Found',
      },
    ],
    ['a git password prompt on one line', GIT_PROMPT_ONE_LINE, { module: 'github.com/acme/lib', answer: 'terminal prompts disabled' }],
    [
      'nothing about modules',
      '#5 ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
      undefined,
    ],
  ])('%s', (_, log, expected) => {
    expect(moduleAuthFailure(log)).toEqual(expected);
  });
});

describe('matchesGoPattern: GOPRIVATE globs of path prefixes', () => {
  it.each<[string, string, boolean]>([
    ['github.com/acme/lib', 'github.com/acme/*', true],
    ['github.com/acme/lib/v2', 'github.com/acme', true],
    ['github.com/other/lib', 'github.com/acme/*', false],
    ['git.corp.example.com/x', '*.corp.example.com', true],
    ['github.com', 'github.com/acme', false],
  ])('%s ~ %s: %s', (module, pattern, expected) => {
    expect(matchesGoPattern(module, pattern)).toBe(expected);
  });
});

describe('privateModuleHint says which input is missing', () => {
  it.each<[string, string, Parameters<typeof privateModuleHint>[1], RegExp | undefined]>([
    [
      '401 without a token',
      UNAUTHORIZED,
      acme,
      /^go could not fetch the module private\.gca\.test\/acme\/greet \(401 Unauthorized from https:\/\/private\.gca\.test\/acme\/greet\?go-get=1\): go-private-token is empty, so the build has no credentials for private\.gca\.test\. Set go-private-token/,
    ],
    [
      '403 with a token',
      FORBIDDEN,
      { ...acme, token: 't' },
      /\(403 Forbidden from .*\): go-private-token was given, but the host did not accept it: the token lacks access to private\.gca\.test\/acme\/greet/,
    ],
    [
      '401 with a token: the RUN may not mount it',
      UNAUTHORIZED,
      { ...acme, token: 't' },
      /does not mount the netrc secret at \$HOME\/\.netrc/,
    ],
    [
      'a private module asked of a proxy: GOPRIVATE did not reach go',
      VIA_PROXY,
      acme,
      /go asked a proxy for a private module, so GOPRIVATE did not reach the go command\. Declare ARG GOPRIVATE/,
    ],
    [
      'a git prompt without go-private',
      GIT_PROMPT,
      undefined,
      /^go could not fetch the module github\.com\/acme\/lib \(terminal prompts disabled\): it looks private, and go-private does not name it\. Set go-private to its pattern \(e\.g\. github\.com\/acme\/\*\)/,
    ],
    ['a public module that is not there: no hint', PUBLIC_MISSING, acme, undefined],
    ['no go failure: no hint', '#5 ERROR: failed to solve', acme, undefined],
  ])('%s', (_, log, goPrivate, expected) => {
    const hint = privateModuleHint(log, goPrivate);
    if (expected) expect(hint).toMatch(expected);
    else expect(hint).toBeUndefined();
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/util/list.js';
import { parseSecretEnvs, parseSecretFiles, parseSecretValues, parseSsh } from '../../src/buildx/secret-inputs.js';
import {
  checkAnnotation,
  parseAddHosts,
  parseAttestation,
  parseBuildContexts,
  parseBuildExtras,
  parseNetwork,
  parseShmSize,
  parseUlimits,
} from '../../src/buildx/extra-inputs.js';
import { secretEnv, secretValues, type BuildExtras } from '../../src/buildx/extras.js';
import { goPrivateSecrets, netrcText, parseGoPrivate } from '../../src/buildx/go-private.js';
import { tempDir } from '../support/temp.js';

/** The message of what `fn` throws (undefined when it does not). */
function thrown(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('inputList reads lists as build-push-action does (CSV records, one per line)', () => {
  it.each<[string, string, boolean, string[]]>([
    ['lines', 'a\nb\n\n', false, ['a', 'b']],
    ['commas split a CSV input', 'a,b\nc', true, ['a', 'b', 'c']],
    ['commas stay in a List input', 'GIT_AUTH_TOKEN=abc,def=1\nFOO=bar', false, ['GIT_AUTH_TOKEN=abc,def=1', 'FOO=bar']],
    ['a quoted item spans lines', '"MYSECRET=aaa\nbbb\nccc"\nFOO=bar', false, ['MYSECRET=aaa\nbbb\nccc', 'FOO=bar']],
    ['an empty line inside quotes stays', '"E=aaaa\n\nbbbb"', false, ['E=aaaa\n\nbbbb']],
    ['"" is one quote inside quotes', '"JSON={""k"":""v""}"', false, ['JSON={"k":"v"}']],
    ['a quote inside an unquoted item is kept', 'A=x"y', false, ['A=x"y']],
    ['CRLF line ends', 'a\r\nb\r\n', false, ['a', 'b']],
    ['comment lines are skipped', '# a comment\na', false, ['a']],
  ])('%s', (_, raw, commas, expected) => {
    expect(parseList(raw, { csv: true, commas })).toEqual(expected);
  });

  it.each([
    ['"A=open', /item 1 opens a quote that is never closed/],
    ['"A=x"y', /item 1 has text after its closing quote/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseList(raw, { csv: true, commas: false })).toThrow(message);
  });
});

describe('secrets, secret-files, secret-envs and ssh', () => {
  const ws = tempDir('ws');
  mkdirSync(join(ws, 'sub'));
  writeFileSync(join(ws, 'sub/npmrc'), 'x');

  it('secrets: id=value, a value keeps its = , commas, spaces and line breaks', () => {
    expect(parseSecretValues('a=1\n"b=x=y, z\nsecond line"\n  c= spaced ')).toEqual([
      { id: 'a', source: { kind: 'value', value: '1' } },
      { id: 'b', source: { kind: 'value', value: 'x=y, z\nsecond line' } },
      { id: 'c', source: { kind: 'value', value: ' spaced ' } },
    ]);
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'a secret without =, its text never shown',
      () => parseSecretValues('hunter2-plaintext'),
      /^Input 'secrets': item 1 has no '='\. Expected id=value items/,
    ],
    ['a secret without id', () => parseSecretValues('a=1\n=hunter2-plaintext'), /^Input 'secrets': item 2 has no valid id before '='/],
    ['an empty secret', () => parseSecretValues('a='), /^Input 'secrets': 'a' is empty\./],
    [
      'an unclosed quote',
      () => parseSecretValues('"a=hunter2-plaintext'),
      /^Input 'secrets': item 1 opens a quote that is never closed\. Expected id=value items/,
    ],
    [
      'a secret file outside the workspace',
      () => parseSecretFiles('k=../etc/passwd', ws),
      /^Input 'secret-files': '\.\.\/etc\/passwd' is outside the workspace/,
    ],
    [
      'a secret file that does not exist',
      () => parseSecretFiles('k=sub/none', ws),
      /^Input 'secret-files': 'k': file 'sub\/none' does not exist\. Expected id=path items/,
    ],
    [
      'a secret env that is no name',
      () => parseSecretEnvs('k=MY-VAR', {}),
      /^Input 'secret-envs': 'k': 'MY-VAR' is not an environment variable name/,
    ],
    [
      'a secret env that is not set',
      () => parseSecretEnvs('k=MISSING_VAR', {}),
      /^Input 'secret-envs': 'k': the environment variable MISSING_VAR is not set/,
    ],
    [
      'ssh default without an agent',
      () => parseSsh('default', {}),
      /^Input 'ssh': 'default' uses the ssh agent, but SSH_AUTH_SOCK is not set/,
    ],
    [
      'ssh to a key that does not exist',
      () => parseSsh('github=/no/such/key', {}),
      /^Input 'ssh': 'github': '\/no\/such\/key' does not exist/,
    ],
    ['ssh with a bad id', () => parseSsh('=/x', {}), /^Input 'ssh': '=\/x' has no valid id/],
  ])('refuses %s', (_, fn, message) => {
    const text = thrown(fn);
    expect(text).toMatch(message);
    expect(text).not.toContain('hunter2-plaintext');
  });

  it('secret-files and secret-envs: the path made absolute, the variable named', () => {
    expect(parseSecretFiles('npmrc=sub/npmrc', ws)).toEqual([{ id: 'npmrc', source: { kind: 'file', path: join(ws, 'sub/npmrc') } }]);
    expect(parseSecretEnvs('a=TOKEN_A,b=TOKEN_B', { TOKEN_A: '1', TOKEN_B: '' })).toEqual([
      { id: 'a', source: { kind: 'env', name: 'TOKEN_A' } },
      { id: 'b', source: { kind: 'env', name: 'TOKEN_B' } },
    ]);
    expect(parseSsh('default,github=/', { SSH_AUTH_SOCK: '/tmp/agent' })).toEqual(['default', 'github=/']);
  });

  it('one id per secret across the inputs; go-private-token makes `netrc`', () => {
    const read =
      (values: Record<string, string>) =>
      (name: string): string =>
        values[name] ?? '';
    const goPrivate = { patterns: ['github.com/acme/*'], token: 'tok123' };
    expect(thrown(() => parseBuildExtras(read({ secrets: 'a=1', 'secret-envs': 'a=HOME' }), ws, { HOME: '/root' }, undefined))).toMatch(
      /^Input 'secret-envs': the secret id 'a' is also given by 'secrets'/,
    );
    expect(thrown(() => parseBuildExtras(read({ secrets: 'netrc=x' }), ws, {}, goPrivate))).toMatch(
      /^Input 'go-private-token': is set, and secrets also gives a secret 'netrc'/,
    );
    expect(parseBuildExtras(read({}), ws, {}, goPrivate).secrets.map((s) => s.id)).toEqual(['netrc']);
  });
});

describe('build-contexts, annotations and the RUN settings', () => {
  const ws = tempDir('ws');
  mkdirSync(join(ws, 'certs'));

  it.each<[string, string, { name: string; value: string }[]]>([
    ['a directory of the workspace, made absolute', 'certs=certs', [{ name: 'certs', value: join(ws, 'certs') }]],
    ['an image', 'alpine=docker-image://alpine:3.20', [{ name: 'alpine', value: 'docker-image://alpine:3.20' }]],
    [
      'an image name overridden',
      'golang:1.24=docker-image://r/golang:1.24',
      [{ name: 'golang:1.24', value: 'docker-image://r/golang:1.24' }],
    ],
    ['a git URL', 'src=https://github.com/o/r.git#main', [{ name: 'src', value: 'https://github.com/o/r.git#main' }]],
    ['an OCI layout with a tag', 'base=oci-layout://certs:v1', [{ name: 'base', value: `oci-layout://${join(ws, 'certs')}:v1` }]],
  ])('build-contexts: %s', (_, raw, expected) => {
    expect(parseBuildContexts(raw, ws)).toEqual(expected);
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'a context without =',
      () => parseBuildContexts('certs', ws),
      /^Input 'build-contexts': 'certs' is not name=source\. Expected name=source items/,
    ],
    [
      'a context outside the workspace',
      () => parseBuildContexts('x=../', ws),
      /^Input 'build-contexts': '\.\.\/' is outside the workspace/,
    ],
    [
      'a context directory that does not exist',
      () => parseBuildContexts('x=nope', ws),
      /^Input 'build-contexts': 'x': directory 'nope' does not exist/,
    ],
    [
      'an image context naming nothing',
      () => parseBuildContexts('x=docker-image://', ws),
      /^Input 'build-contexts': 'x': 'docker-image:\/\/' names no image/,
    ],
    [
      'an unknown scheme',
      () => parseBuildContexts('x=ftp://h/p', ws),
      /^Input 'build-contexts': 'x': 'ftp:\/\/h\/p' is no source buildx knows/,
    ],
    ['an annotation without =', () => checkAnnotation('manifest:title'), /^Input 'annotations': 'manifest:title' is not key=value/],
    [
      'an annotation going nowhere',
      () => checkAnnotation('layer:org.x=1'),
      /^Input 'annotations': 'layer' in 'layer:org\.x=1' is not where an annotation goes/,
    ],
    [
      'an annotation key with a space',
      () => checkAnnotation('index:a b=1'),
      /^Input 'annotations': 'a b' in 'index:a b=1' is not an annotation key/,
    ],
    [
      'provenance that is neither',
      () => parseAttestation('provenance', 'yes please'),
      /^Input 'provenance': 'yes please' is not a boolean or key=value attributes\. Expected true, false, or attributes/,
    ],
    [
      'a provenance mode that does not exist',
      () => parseAttestation('provenance', 'mode=full'),
      /^Input 'provenance': mode 'full' is not min or max/,
    ],
    ['an sbom that is neither', () => parseAttestation('sbom', 'maybe'), /^Input 'sbom': 'maybe' is not a boolean or key=value attributes/],
    [
      'a network BuildKit does not have',
      () => parseNetwork('bridge'),
      /^Input 'network': 'bridge' is no network BuildKit gives RUN steps\. Expected default, none or host/,
    ],
    ['a host without an IP', () => parseAddHosts('db'), /^Input 'add-hosts': 'db' has no host name\. Expected host:ip items/],
    [
      'a host with a bad IP',
      () => parseAddHosts('db:10.0.0.300'),
      /^Input 'add-hosts': 'db:10\.0\.0\.300': '10\.0\.0\.300' is not an IP address/,
    ],
    [
      'a size that is none',
      () => parseShmSize('lots'),
      /^Input 'shm-size': 'lots' is not a size\. Expected a number of bytes with an optional unit/,
    ],
    ['a ulimit without =', () => parseUlimits('nofile'), /^Input 'ulimit': 'nofile' is not name=soft\[:hard\]/],
    ['a ulimit that does not exist', () => parseUlimits('files=1'), /^Input 'ulimit': 'files' is no ulimit/],
    [
      'a soft ulimit above the hard one',
      () => parseUlimits('nofile=2048:1024'),
      /^Input 'ulimit': 'nofile=2048:1024': the soft limit is above the hard one/,
    ],
  ])('refuses %s', (_, fn, message) => {
    expect(thrown(fn)).toMatch(message);
  });

  it.each<[string, string]>([
    ['org.opencontainers.image.title=app', 'no prefix'],
    ['manifest:org.opencontainers.image.description=a: b=c', "metadata-action's manifest prefix, a value with : and ="],
    ['index:org.opencontainers.image.source=https://github.com/o/r', 'index prefix'],
    ['manifest-descriptor:org.x=1', 'manifest-descriptor'],
    ['index-descriptor:org.x=1', 'index-descriptor'],
    ['manifest,index:org.x=1', 'several places'],
    ['manifest[linux/amd64]:org.x=1', 'one platform'],
  ])('annotations: %s (%s)', (item) => {
    expect(checkAnnotation(item)).toBe(item);
  });

  it.each<[string, string | undefined]>([
    ['', undefined],
    ['true', 'true'],
    ['False', 'false'],
    ['mode=max', 'mode=max'],
    ['mode=min, inline-only=true', 'mode=min,inline-only=true'],
  ])('provenance %j is %j', (raw, expected) => {
    expect(parseAttestation('provenance', raw)).toBe(expected);
  });

  it('network, add-hosts, shm-size and ulimit in their forms', () => {
    expect([parseNetwork(''), parseNetwork('host'), parseNetwork('none')]).toEqual([undefined, 'host', 'none']);
    expect(parseAddHosts('db:10.0.0.5,cache=10.0.0.6\nv6:::1\ngw:host-gateway')).toEqual([
      'db:10.0.0.5',
      'cache:10.0.0.6',
      'v6:::1',
      'gw:host-gateway',
    ]);
    expect([parseShmSize('2g'), parseShmSize('512MB'), parseShmSize('1073741824'), parseShmSize('')]).toEqual([
      '2g',
      '512MB',
      '1073741824',
      undefined,
    ]);
    expect(parseUlimits('nofile=1024:2048\nnproc=-1\ncore=0:-1')).toEqual(['nofile=1024:2048', 'nproc=-1', 'core=0:-1']);
  });
});

describe('go-private and go-private-token', () => {
  it('patterns become GOPRIVATE, their hosts a .netrc with the token', () => {
    const goPrivate = parseGoPrivate('github.com/acme/*, github.com/other\ngit.example.com', 'ghp_abc123');
    expect(goPrivate).toEqual({ patterns: ['github.com/acme/*', 'github.com/other', 'git.example.com'], token: 'ghp_abc123' });
    expect(goPrivateSecrets(goPrivate)).toEqual([
      {
        id: 'netrc',
        source: {
          kind: 'value',
          value:
            'machine github.com login x-access-token password ghp_abc123\nmachine git.example.com login x-access-token password ghp_abc123\n',
        },
      },
    ]);
    expect(goPrivateSecrets(parseGoPrivate('github.com/acme/*', ''))).toEqual([]);
    expect(parseGoPrivate('', '')).toBeUndefined();
    expect(netrcText(['h'], 't')).toBe('machine h login x-access-token password t\n');
  });

  it.each<[string, string, string, RegExp]>([
    [
      'a token without patterns',
      '',
      'ghp_abc123',
      /^Input 'go-private-token': is set but go-private is empty\. Expected go-private to name the modules/,
    ],
    [
      'a token with white space',
      'github.com/acme/*',
      'ghp_abc123 x',
      /^Input 'go-private-token': contains white space\. Expected one token/,
    ],
    [
      'a URL as pattern',
      'https://github.com/acme',
      '',
      /^Input 'go-private': 'https:\/\/github\.com\/acme' is a URL\. Expected GOPRIVATE patterns/,
    ],
    ['a pattern without host', '/acme/x', '', /^Input 'go-private': '\/acme\/x' does not start with a host name/],
    [
      'a glob host with a token',
      '*.corp.example.com',
      'ghp_abc123',
      /^Input 'go-private': '\*\.corp\.example\.com' has a pattern in its host, which a \.netrc cannot name/,
    ],
  ])('refuses %s', (_, patterns, token, message) => {
    const text = thrown(() => parseGoPrivate(patterns, token));
    expect(text).toMatch(message);
    expect(text).not.toContain('ghp_abc123');
  });

  it('a glob host is fine without a token (GOPRIVATE only)', () => {
    expect(parseGoPrivate('*.corp.example.com', '')).toEqual({ patterns: ['*.corp.example.com'], token: '' });
  });
});

describe('secret values: to buildx by environment, to the masks', () => {
  const extras: Pick<BuildExtras, 'secrets'> = {
    secrets: [
      { id: 'a', source: { kind: 'value', value: 'value-a' } },
      { id: 'f', source: { kind: 'file', path: '/ws/f' } },
      { id: 'e', source: { kind: 'env', name: 'MY_TOKEN' } },
      { id: 'm', source: { kind: 'value', value: '-----BEGIN KEY-----\nline-two-of-key\n}\n' } },
    ],
  };

  it('secretEnv holds the value secrets, by the variable their --secret names', () => {
    expect(secretEnv(extras)).toEqual({ GCA_BUILD_SECRET_0: 'value-a', GCA_BUILD_SECRET_3: '-----BEGIN KEY-----\nline-two-of-key\n}\n' });
  });

  it('secretValues: each value, each long line of a multi-line one, the env and file secrets read', () => {
    const files: Record<string, string> = { '/ws/f': 'from-file' };
    expect(secretValues(extras, { MY_TOKEN: 'from-env' }, (p) => files[p])).toEqual([
      'value-a',
      'from-file',
      'from-env',
      '-----BEGIN KEY-----\nline-two-of-key\n}\n',
      '-----BEGIN KEY-----',
      'line-two-of-key',
    ]);
  });
});

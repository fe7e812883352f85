/**
 * Private Go modules in one step: `go-private` (GOPRIVATE patterns) becomes the GOPRIVATE
 * build-arg, and `go-private-token` a BuildKit secret `netrc` holding a .netrc for the hosts of
 * those patterns, which the go command (GOAUTH=netrc, the default) and git read for https.
 * Pure.
 */
import { InputError } from '../errors.js';
import { listItems } from '../input-table.js';
import type { KeyValue } from '../util/key-value.js';
import type { BuildSecret } from './extras.js';

/** The secret id the Dockerfile mounts: RUN --mount=type=secret,id=netrc,target=/root/.netrc. */
export const NETRC_SECRET_ID = 'netrc';
/** The login of a token in .netrc: GitHub takes any login with a token; this one is what its apps use. */
export const NETRC_LOGIN = 'x-access-token';

export interface GoPrivate {
  /** GOPRIVATE patterns, as given. */
  patterns: string[];
  /** The token for the .netrc; empty when none was given. */
  token: string;
}

const FORM = 'GOPRIVATE patterns, comma-separated module path prefixes such as github.com/acme/* or git.example.com/team';
const HOST_RE = /^[A-Za-z0-9*?[\]-]+(\.[A-Za-z0-9*?[\]-]+)*$/;

/** Pure: the host of a GOPRIVATE pattern (its first path element). */
export function patternHost(pattern: string): string {
  return pattern.split('/')[0]!;
}

/** Pure: the patterns of `go-private`, checked (Go's syntax: comma-separated globs of path prefixes). */
export function parseGoPrivatePatterns(raw: string): string[] {
  const patterns = listItems('go-private', raw);
  for (const pattern of patterns) {
    if (/^[a-z]+:\/\//i.test(pattern)) throw new InputError('go-private', `'${pattern}' is a URL. Expected ${FORM} (no scheme).`);
    if (/\s/.test(pattern)) throw new InputError('go-private', `'${pattern}' contains white space. Expected ${FORM}.`);
    if (!HOST_RE.test(patternHost(pattern)))
      throw new InputError('go-private', `'${pattern}' does not start with a host name. Expected ${FORM}.`);
  }
  return patterns;
}

/** Pure: the hosts the .netrc names, each once; a host that is itself a pattern cannot be named. */
export function netrcHosts(patterns: readonly string[]): string[] {
  const hosts: string[] = [];
  for (const pattern of patterns) {
    const host = patternHost(pattern).toLowerCase();
    if (/[*?[\]]/.test(host)) {
      throw new InputError(
        'go-private',
        `'${pattern}' has a pattern in its host, which a .netrc cannot name for go-private-token. Expected a literal host, e.g. git.example.com/* rather than *.example.com.`,
      );
    }
    if (!hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}

/** Pure: the .netrc text, one line per host. */
export function netrcText(hosts: readonly string[], token: string): string {
  return hosts.map((h) => `machine ${h} login ${NETRC_LOGIN} password ${token}\n`).join('');
}

/** Pure: `go-private` and `go-private-token`, checked together; never prints the token. */
export function parseGoPrivate(patternsRaw: string, tokenRaw: string): GoPrivate | undefined {
  const patterns = parseGoPrivatePatterns(patternsRaw);
  const token = tokenRaw.trim();
  if (token && patterns.length === 0)
    throw new InputError(
      'go-private-token',
      `is set but go-private is empty. Expected go-private to name the modules it is for, e.g. github.com/acme/*.`,
    );
  if (/\s/.test(token))
    throw new InputError(
      'go-private-token',
      'contains white space. Expected one token (a personal access token or an app token), as .netrc holds it.',
    );
  if (patterns.length === 0) return undefined;
  if (token) netrcHosts(patterns);
  return { patterns, token };
}

/** Pure: the GOPRIVATE build-arg. */
export function goPrivateBuildArgs(goPrivate: GoPrivate | undefined): KeyValue[] {
  return goPrivate ? [{ key: 'GOPRIVATE', value: goPrivate.patterns.join(',') }] : [];
}

/** Pure: the `netrc` secret, when a token was given. */
export function goPrivateSecrets(goPrivate: GoPrivate | undefined): BuildSecret[] {
  if (!goPrivate?.token) return [];
  return [{ id: NETRC_SECRET_ID, source: { kind: 'value', value: netrcText(netrcHosts(goPrivate.patterns), goPrivate.token) } }];
}

/**
 * Pure: what a failed build's log says about private Go modules, in words the user can act on.
 * buildx's own last line only says a RUN exited with code 1; the go command's line above it says
 * which module and which answer (401, 403, a git prompt), and the inputs say what was missing.
 */
import type { GoPrivate } from './go-private.js';

/** A go fetch that failed for want of credentials, as the build log shows it. */
export interface ModuleAuthFailure {
  module: string;
  /** `401 Unauthorized`, `403 Forbidden`, `404 Not Found`, or `terminal prompts disabled` (git asked for a password). */
  answer: string;
  /** The URL go read, when the line names one. */
  url?: string;
}

const GO_FETCH_RE = /go: ([^\s@]+)@\S+: (?:.*?)reading (https?:\/\/\S+): (401 Unauthorized|403 Forbidden|404 Not Found|410 Gone)/;
const GO_MODULE_RE = /go: ([^\s@]+)@\S+:/;

/** Pure: the first go fetch of the log that failed on credentials (or on a proxy that does not have a private module). */
export function moduleAuthFailure(log: string): ModuleAuthFailure | undefined {
  // git's prompt (and a .netrc go could not read) comes on the line after go's, or on the same.
  let module: string | undefined;
  for (const line of log.split('\n')) {
    const fetch = GO_FETCH_RE.exec(line);
    if (fetch) return { module: fetch[1]!, url: fetch[2]!, answer: fetch[3]! };
    module = GO_MODULE_RE.exec(line)?.[1] ?? module;
    if (!module) continue;
    if (/terminal prompts disabled/.test(line)) return { module, answer: 'terminal prompts disabled' };
    const netrc = /\S*netrc\S*: .*/.exec(line);
    if (netrc) return { module, answer: netrc[0].trim() };
  }
  return undefined;
}

/** Pure: whether a module path matches a GOPRIVATE pattern (a glob of a path prefix, element by element). */
export function matchesGoPattern(module: string, pattern: string): boolean {
  const parts = pattern.replace(/\/+$/, '').split('/');
  const elements = module.split('/');
  if (elements.length < parts.length) return false;
  return parts.every((p, i) => {
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
      'i',
    );
    return re.test(elements[i]!);
  });
}

const MOUNT = 'RUN --mount=type=secret,id=netrc,target=/root/.netrc --mount=type=cache,target=/go/pkg/mod go mod download';

/** Pure: the advice for a failed build that could not fetch a private module; undefined when the log shows none. */
export function privateModuleHint(log: string, goPrivate: GoPrivate | undefined): string | undefined {
  const failure = moduleAuthFailure(log);
  if (!failure) return undefined;
  const { module, answer } = failure;
  const isPrivate = goPrivate?.patterns.some((p) => matchesGoPattern(module, p)) ?? false;
  const fromHost = failure.url === undefined || new URL(failure.url).hostname === module.split('/')[0];
  const got = `go could not fetch the module ${module} (${answer}${failure.url ? ` from ${failure.url}` : ''})`;
  if (!isPrivate) {
    // A public module that is not there is no matter of credentials.
    if (/^(404|410)/.test(answer)) return undefined;
    return (
      `${got}: it looks private, and go-private does not name it. Set go-private to its pattern (e.g. ` +
      `${module.split('/').slice(0, 2).join('/')}/*) and go-private-token to a token that can read it, and mount the secret: ${MOUNT}.`
    );
  }
  if (!fromHost && /^(404|410)/.test(answer)) {
    return `${got}: go asked a proxy for a private module, so GOPRIVATE did not reach the go command. Declare ARG GOPRIVATE in the stage before that RUN (the action passes it as a build-arg).`;
  }
  if (!goPrivate?.token) {
    return (
      `${got}: go-private-token is empty, so the build has no credentials for ${module.split('/')[0]}. ` +
      `Set go-private-token to a token that can read ${goPrivate!.patterns.join(', ')}, and mount it: ${MOUNT}.`
    );
  }
  return (
    `${got}: go-private-token was given, but the host did not accept it: ` +
    `the token lacks access to ${module} (or has expired), or the RUN that downloads does not mount the netrc secret at $HOME/.netrc (${MOUNT}).`
  );
}

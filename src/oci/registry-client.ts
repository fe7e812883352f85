/**
 * One repository of a registry over the distribution HTTP API, with docker's own credentials
 * (config.json `auths`, `credHelpers`, `credsStore`: what `docker login` and
 * docker/login-action write) and the run's deadlines for its host. Shared by what reads images
 * (the size report) and what writes them (the upload of an OCI layout by digest).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { helperCredentials } from '../docker/credentials.js';
import { ActionError } from '../errors.js';
import { DeadlineError, scaleBudget, ServiceGuard, type ServiceBudget } from '../util/deadline.js';
import { connectionFault, guardedFetch } from '../util/http.js';
import type { ImageReference } from '../util/reference.js';

/** One request to a registry may take 15 s (a blob stream: 15 s without a byte), all of a run's requests to one host 60 s; 5xx and connection errors are retried twice. */
export const REGISTRY_CALL_MS = 15_000;
export const REGISTRY_TOTAL_MS = 60_000;
export const REGISTRY_RETRIES = 2;

/** The deadlines of a run's registries: one guard per host, shared by every image read from it. */
export class RegistryGuards {
  private readonly guards = new Map<string, ServiceGuard>();
  private readonly budget: Omit<ServiceBudget, 'name'>;
  /** `scale`: RunContext.deadlineScale. */
  constructor(budget: Omit<ServiceBudget, 'name'> = { callMs: REGISTRY_CALL_MS, totalMs: REGISTRY_TOTAL_MS }, scale = 1) {
    this.budget = scaleBudget(budget, scale);
  }
  for(host: string): ServiceGuard {
    let guard = this.guards.get(host);
    if (!guard) this.guards.set(host, (guard = new ServiceGuard({ name: `the registry ${host}`, ...this.budget })));
    return guard;
  }
}

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token from `docker login` against some registries. */
  identityToken?: string;
}

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Hosts docker talks plain HTTP to by default (loopback), everything else is HTTPS. */
export function registryScheme(host: string): 'http' | 'https' {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || /^127\./.test(name) || name === '::1' ? 'http' : 'https';
}

/** The API host of a registry as written in a reference (Docker Hub's is special). */
export function apiHost(registry: string | undefined): string {
  if (!registry || registry === 'docker.io' || registry === 'index.docker.io') return 'registry-1.docker.io';
  return registry;
}

/** Pure: the credentials config.json stores inline for a registry, if any. */
export function inlineCredentials(config: DockerConfig, registry: string): Credentials | undefined {
  const keys =
    registry === 'registry-1.docker.io'
      ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io']
      : [registry, `https://${registry}`, `http://${registry}`];
  for (const key of keys) {
    const entry = config.auths?.[key] ?? config.auths?.[`${key}/`];
    if (!entry) continue;
    if (entry.identitytoken) return { identityToken: entry.identitytoken, username: entry.username };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  }
  return undefined;
}

async function dockerCredentials(registry: string): Promise<Credentials | undefined> {
  const dir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  let config: DockerConfig;
  try {
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as DockerConfig;
  } catch {
    return undefined;
  }
  const serverKey = registry === 'registry-1.docker.io' ? 'https://index.docker.io/v1/' : registry;
  const helper = config.credHelpers?.[serverKey] ?? config.credsStore;
  if (helper && /^[A-Za-z0-9._-]+$/.test(helper)) {
    const answered = await helperCredentials(helper, serverKey);
    if (answered) return answered;
  }
  return inlineCredentials(config, registry);
}

/** Pure: the parameters of a `WWW-Authenticate: Bearer realm="…",service="…"` challenge. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)="([^"]*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme, params };
}

/** The registry has no such manifest or blob (a baseline tag not pushed yet). */
export class RegistryNotFoundError extends ActionError {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryNotFoundError';
  }
}

/** One request: what it sends, and which answers are not an error. */
export interface RegistryRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** A body sent once (a POST or a PUT): never retried. */
  body?: Buffer;
  /** Read the whole answer within the call's deadline (default true). */
  buffer?: boolean;
  /** Statuses returned as they are instead of thrown (404 for a HEAD that asks whether a blob exists). */
  accept?: number[];
  /** Abandons the request (a cancel while tagging): it is not sent again. */
  signal?: AbortSignal;
}

/** A repository of a registry: requests under its host's deadlines, logged in as docker is. */
export class RegistryClient {
  readonly host: string;
  /** The repository's path in the API (`library/` added for Docker Hub's official images). */
  readonly repository: string;
  readonly guard: ServiceGuard;
  private readonly base: string;
  private authorization: string | undefined;
  private credentials: Promise<Credentials | undefined> | undefined;

  constructor(ref: Pick<ImageReference, 'registry' | 'path'>, guards: RegistryGuards) {
    this.host = apiHost(ref.registry);
    this.base = `${registryScheme(this.host)}://${this.host}/v2/`;
    this.repository = !ref.registry && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
    this.guard = guards.for(this.host);
  }

  /** The URL of `path` below this repository (`blobs/…`, `manifests/…`), or a Location the registry gave. */
  url(path: string): URL {
    return /^https?:\/\//.test(path) || path.startsWith('/') ? new URL(path, this.base) : new URL(`${this.base}${this.repository}/${path}`);
  }

  /** The `Authorization` header to send, once a challenge was answered. */
  get authHeader(): Record<string, string> {
    return this.authorization ? { authorization: this.authorization } : {};
  }

  /** One request under the host's guard; `buffer`: the body is read within the deadline too. */
  async send(what: string, url: string | URL, init: RequestInit, buffer: boolean, idempotent = true): Promise<Response> {
    try {
      return await guardedFetch(this.guard, what, url, init, { retries: REGISTRY_RETRIES, idempotent, buffer });
    } catch (error) {
      if (error instanceof ActionError || error instanceof DeadlineError) throw error;
      throw new ActionError(`cannot reach ${this.host}: ${connectionFault(error)}`);
    }
  }

  /** The body as JSON, or an error that says the registry answered something else. */
  parse(text: string, what: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      const message = `the registry ${this.host} answered ${what} with something that is not JSON`;
      this.guard.giveUp(message);
      throw new ActionError(message);
    }
  }

  /** Answers a 401's challenge: basic credentials, or a bearer token for the scope the registry names. */
  async authenticate(challenge: string): Promise<void> {
    const { scheme, params } = parseChallenge(challenge);
    this.credentials ??= dockerCredentials(this.host);
    const creds = await this.credentials;
    if (scheme === 'basic') {
      if (!creds?.username || !creds.password) throw new ActionError(`${this.host} asks for a login; run docker login first`);
      this.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      return;
    }
    if (scheme !== 'bearer' || !params.realm) throw new ActionError(`${this.host} asks for an unsupported authentication (${scheme})`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull`);
    const headers: Record<string, string> = {};
    let res: Response;
    if (creds?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        service: params.service ?? '',
        scope: url.searchParams.get('scope') ?? '',
        client_id: 'go-container-action',
      });
      res = await this.send('POST token', params.realm, { method: 'POST', body: form }, true);
    } else {
      if (creds?.username && creds.password)
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      res = await this.send('GET token', url, { headers }, true);
    }
    if (!res.ok) throw new ActionError(`${this.host} refused a token (HTTP ${res.status})`);
    const body = this.parse(await res.text(), 'the token request') as { token?: unknown; access_token?: unknown } | null;
    const token = body?.token ?? body?.access_token;
    if (typeof token !== 'string' || !token) throw new ActionError(`${this.host} answered without a token`);
    this.authorization = `Bearer ${token}`;
  }

  /**
   * A request below the repository (or to a Location the registry gave), logged in on a 401.
   * An answer that is not 2xx (nor in `accept`) is an error naming the status.
   */
  async request(path: string, req: RegistryRequest = {}): Promise<Response> {
    const method = req.method ?? 'GET';
    const url = this.url(path);
    const relative = !/^https?:\/\//.test(path) && !path.startsWith('/');
    const what = `${method} ${(relative ? path : url.pathname).replace(/sha256:([0-9a-f]{12})[0-9a-f]+/, 'sha256:$1…')}`;
    const send = (): Promise<Response> =>
      this.send(
        what,
        url,
        {
          method,
          headers: { ...req.headers, ...this.authHeader },
          ...(req.body ? { body: req.body } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        },
        req.buffer ?? true,
        method === 'GET' || method === 'HEAD' || method === 'PUT',
      );
    let res = await send();
    if (res.status === 401 && res.headers.get('www-authenticate')) {
      await res.body?.cancel();
      await this.authenticate(res.headers.get('www-authenticate')!);
      res = await send();
    }
    if (!res.ok && !req.accept?.includes(res.status)) {
      await res.body?.cancel();
      const message = `${this.host} answered HTTP ${res.status} for ${method === 'GET' ? '' : `${method} `}${relative ? `${this.repository}/${path}` : url.pathname}`;
      throw res.status === 404 ? new RegistryNotFoundError(message) : new ActionError(message);
    }
    return res;
  }
}

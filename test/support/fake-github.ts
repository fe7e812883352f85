/**
 * A small GitHub REST API on loopback, for the real Octokit client (GITHUB_API_URL):
 * issue comments (list with Link-header pagination, create, update, delete), GET /user (or its
 * absence, as for an Actions installation token), commits/{sha}/pulls, pulls/{n}, the repository, and a token check.
 * Faults: latency per request, requests that are accepted and never answered, 200 answers
 * that are not JSON; and a gate that holds the first listings until several runs listed.
 * With a cache store (test/support/cache-server.ts), the Actions cache endpoints too: list by
 * key prefix and ref, delete by id (403 without `actions: write`), and the repository's usage.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
}

/** The loopback cache service's entries, as the Actions cache REST endpoints show them. */
export interface FakeCacheStore {
  entries(): { id: number; key: string; version: string; size: number; created: string; ref: string; finalized: boolean }[];
  remove(id: number): boolean;
  usage(): { bytes: number; count: number };
}

export interface FakeGitHubOptions {
  /** The token the API accepts (as `token …` or `Bearer …`). */
  token: string;
  /** The login of the token; undefined: GET /user answers 403 like an installation token, which comments as github-actions[bot]. */
  userLogin?: string;
  /** GET /user does not exist on this server (404). */
  noUserEndpoint?: boolean;
  /** POST/PATCH answer 403 (a token that may not write). */
  readOnly?: boolean;
  /** The pull requests that hold each commit sha, open or closed. */
  pullsForCommit?: Record<string, { number: number; state: 'open' | 'closed' }[]>;
  /** The pull requests GET /repos/{owner}/{repo}/pulls/{n} knows, by number (others: 404). */
  pulls?: Record<number, FakePull>;
  /** Every answer waits this long (the real API's latency). */
  latencyMs?: number;
  /** Requests whose `METHOD path` matches are accepted and never answered. */
  hang?: RegExp;
  /** Requests whose `METHOD path` matches answer 200 with this body as JSON's content type (default: not JSON at all). */
  garbage?: RegExp;
  garbageBody?: string;
  /** Serves /repos/{o}/{r}/actions/caches and /actions/cache/usage from this store. */
  caches?: FakeCacheStore;
  /** DELETE of a cache entry answers 403 (a token without actions: write). */
  denyCacheDelete?: boolean;
  /** What GET /repos/{owner}/{repo} answers (undefined: 404, as for a token that may not read it). */
  repository?: Record<string, unknown>;
}

export interface FakePull {
  headSha: string;
  /** owner/name of the head's repository; null: deleted. */
  headRepository: string | null;
  state?: 'open' | 'closed';
}

export interface FakeRequest {
  method: string;
  path: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export class FakeGitHub {
  readonly comments: FakeComment[] = [];
  readonly requests: FakeRequest[] = [];
  private server: Server | undefined;
  private nextId = 1000;
  private gate: { waiting: (() => void)[]; left: number } | undefined;
  url = '';

  /** The options may be changed between runs (e.g. to make the API hang). */
  readonly options: FakeGitHubOptions;

  // A plain field, not a parameter property: Node's type stripping (the demo) cannot run those.
  constructor(options: FakeGitHubOptions) {
    this.options = options;
  }

  /** Holds the next `n` comment listings until all `n` arrived (at most 20 s): runs at once all list before any of them creates. */
  gateListings(n: number): void {
    this.gate = { waiting: [], left: n };
  }

  private async passGate(): Promise<void> {
    const gate = this.gate;
    if (!gate || gate.left <= 0) return;
    gate.left--;
    if (gate.left === 0) {
      for (const release of gate.waiting.splice(0)) release();
      return;
    }
    await Promise.race([new Promise<void>((resolve) => gate.waiting.push(resolve)), sleep(20_000)]);
  }

  get identity(): string {
    return this.options.userLogin ?? 'github-actions[bot]';
  }

  /** Adds a comment by any author, as if written earlier. */
  seed(issue: number, login: string, body: string): FakeComment {
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, this.nextId % 60)).toISOString();
    const c: FakeComment = { id: this.nextId++, issue, body, login, createdAt: now, updatedAt: now };
    this.comments.push(c);
    return c;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private view(c: FakeComment): Record<string, unknown> {
    return {
      id: c.id,
      body: c.body,
      user: { login: c.login, type: c.login.endsWith('[bot]') ? 'Bot' : 'User' },
      html_url: `https://github.com/octo-org/hello/pull/${c.issue}#issuecomment-${c.id}`,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname + url.search, at: Date.now() });
    const line = `${method} ${url.pathname}`;
    if (this.options.hang?.test(line)) return; // accepted, never answered
    if (this.options.latencyMs) await sleep(this.options.latencyMs);
    if (this.options.garbage?.test(line)) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      return void res.end(this.options.garbageBody ?? '<html>upstream hiccup');
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.options.token}` && auth !== `Bearer ${this.options.token}`) {
      return this.json(res, 401, { message: 'Bad credentials' });
    }
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body = raw ? (JSON.parse(raw) as { body?: string }) : {};

    if (method === 'GET' && url.pathname === '/user' && !this.options.noUserEndpoint) {
      if (!this.options.userLogin) return this.json(res, 403, { message: 'Resource not accessible by integration' });
      return this.json(res, 200, { login: this.options.userLogin, type: 'User' });
    }
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (list && method === 'GET') {
      await this.passGate();
      const issue = Number(list[3]);
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const all = this.comments.filter((c) => c.issue === issue);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const link = (p: number, rel: string): string => `<${this.url}${url.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      const links: string[] = [];
      if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
      if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
      return this.json(
        res,
        200,
        slice.map((c) => this.view(c)),
        links.length ? { link: links.join(', ') } : {},
      );
    }
    if (list && method === 'POST') {
      if (this.options.readOnly) return this.json(res, 403, { message: 'Resource not accessible by integration' });
      if (typeof body.body !== 'string') return this.json(res, 422, { message: 'body is required' });
      if (body.body.length > 65_536) return this.json(res, 422, { message: 'body is too long (maximum is 65536 characters)' });
      const c = this.seed(Number(list[3]), this.identity, body.body);
      c.createdAt = c.updatedAt = new Date().toISOString();
      return this.json(res, 201, this.view(c));
    }
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (one && method === 'PATCH') {
      const c = this.comments.find((x) => x.id === Number(one[3]));
      if (!c) return this.json(res, 404, { message: 'Not Found' });
      if (this.options.readOnly || c.login !== this.identity)
        return this.json(res, 403, { message: 'Resource not accessible by integration' });
      if (typeof body.body !== 'string' || body.body.length > 65_536) return this.json(res, 422, { message: 'invalid body' });
      c.body = body.body;
      c.updatedAt = new Date().toISOString();
      return this.json(res, 200, this.view(c));
    }
    if (one && method === 'DELETE') {
      const at = this.comments.findIndex((x) => x.id === Number(one[3]));
      if (at < 0) return this.json(res, 404, { message: 'Not Found' });
      if (this.options.readOnly || this.comments[at]!.login !== this.identity)
        return this.json(res, 403, { message: 'Resource not accessible by integration' });
      this.comments.splice(at, 1);
      res.writeHead(204);
      return void res.end();
    }
    const caches = this.options.caches;
    if (caches && /^\/repos\/[^/]+\/[^/]+\/actions\/cache/.test(url.pathname)) return this.cacheEndpoints(caches, method, url, res);
    const pulls = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/.exec(url.pathname);
    if (pulls && method === 'GET') {
      return this.json(res, 200, this.options.pullsForCommit?.[pulls[3]!] ?? []);
    }
    const pull = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(url.pathname);
    if (pull && method === 'GET') {
      const n = Number(pull[3]);
      const p = this.options.pulls?.[n];
      if (!p) return this.json(res, 404, { message: 'Not Found' });
      const repo = p.headRepository === null ? null : { full_name: p.headRepository, fork: p.headRepository !== `${pull[1]}/${pull[2]}` };
      return this.json(res, 200, { number: n, state: p.state ?? 'open', head: { sha: p.headSha, ref: 'feature', repo } });
    }
    if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+$/.test(url.pathname) && this.options.repository) {
      return this.json(res, 200, this.options.repository);
    }
    return this.json(res, 404, { message: 'Not Found' });
  }

  /** GET …/actions/caches (key prefix, ref, pages), DELETE …/actions/caches/{id}, GET …/actions/cache/usage. */
  private cacheEndpoints(store: FakeCacheStore, method: string, url: URL, res: ServerResponse): void {
    if (method === 'GET' && url.pathname.endsWith('/actions/cache/usage')) {
      const u = store.usage();
      return this.json(res, 200, { full_name: 'octo-org/hello', active_caches_size_in_bytes: u.bytes, active_caches_count: u.count });
    }
    const one = /\/actions\/caches\/(\d+)$/.exec(url.pathname);
    if (one && method === 'DELETE') {
      if (this.options.denyCacheDelete) return this.json(res, 403, { message: 'Resource not accessible by integration' });
      if (!store.remove(Number(one[1]))) return this.json(res, 404, { message: 'Not Found' });
      res.writeHead(204);
      return void res.end();
    }
    if (method === 'GET' && url.pathname.endsWith('/actions/caches')) {
      const key = url.searchParams.get('key') ?? '';
      const ref = url.searchParams.get('ref');
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const all = store
        .entries()
        .filter((e) => e.finalized && e.key.startsWith(key) && (ref === null || e.ref === ref))
        .sort((a, b) => b.created.localeCompare(a.created));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const next: Record<string, string> =
        page * perPage < all.length ? { link: `<${this.url}${url.pathname}?page=${page + 1}>; rel="next"` } : {};
      const view = slice.map((e) => ({
        id: e.id,
        ref: e.ref,
        key: e.key,
        version: e.version,
        last_accessed_at: e.created,
        created_at: e.created,
        size_in_bytes: e.size,
      }));
      return this.json(res, 200, { total_count: all.length, actions_caches: view }, next);
    }
    return this.json(res, 404, { message: 'Not Found' });
  }
}

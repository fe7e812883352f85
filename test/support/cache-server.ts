/**
 * A local Actions cache service v2 on loopback, for the real @actions/cache: Twirp JSON at
 * /twirp/github.actions.results.api.v1.CacheService/{CreateCacheEntry,FinalizeCacheEntryUpload,
 * GetCacheEntryDownloadURL}, blob uploads Azure block-blob style (one PUT, or `comp=block` +
 * `comp=blocklist`) to the signed URL it hands out, and plain GET downloads. Blobs live on disk.
 * Matching: the primary key exactly, then each restore key exactly or by prefix, newest first,
 * only entries with the same version.
 *
 * Entries are scoped by ref as on GitHub: a runtime token from `envFor(ref, reads)` saves under
 * `ref` and restores from `ref` first, then from each ref in `reads` (a pull request's base, the
 * default branch). The plain `env` token saves under refs/heads/main and reads every ref. The
 * REST side (list, delete, usage) is served by test/support/fake-github.ts from `entries()`,
 * `remove()` and `usage()`.
 */
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
  existsSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readTar } from '../../src/go-cache/tar.ts';
import { tempDir } from './temp.ts';

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  size: number;
  /** Order of creation (a counter). */
  createdAt: number;
  /** ISO time it was finalized (created, for the REST API). */
  created: string;
  /** The ref of the run that saved it. */
  ref: string;
  finalized: boolean;
}

/** What a runtime token may do: save under `ref`, restore from `reads` (in order); undefined reads: every ref. */
interface TokenScope {
  ref: string;
  reads?: string[];
}

export interface CacheServerOptions {
  token?: string;
  /** Serve garbage instead of the stored blob (a corrupt archive). */
  corruptDownloads?: boolean;
  /**
   * Serve the stored archive intact, but with every `cache.tar` inside it damaged: @actions/cache
   * restores it without a complaint, and only the action's own reading can tell.
   */
  corruptInnerArchives?: boolean;
  /**
   * A broken service, for every Twirp call: `hang` accepts and never answers, `500` answers
   * 500, `garbage` answers 200 with a body that is not JSON.
   */
  fault?: 'hang' | '500' | 'garbage';
  /** Answer FinalizeCacheEntryUpload with this HTTP status (e.g. 500), every time: the upload itself succeeds. */
  finalizeStatus?: number;
  /** Serve downloads slowly but steadily: this many bytes per second, in 10 chunks a second. */
  downloadBytesPerSecond?: number;
  /**
   * A cache that takes no new entry, as a repository's over its storage budget: every
   * CreateCacheEntry is refused (`ok: false`); lookups and downloads still work.
   */
  readOnly?: boolean;
}

export interface CacheServer {
  url: string;
  /** Env for @actions/cache (ACTIONS_CACHE_SERVICE_V2, ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN). */
  env: Record<string, string>;
  entries(): CacheEntry[];
  /** Env whose runtime token saves under `ref` and restores from it, then from `reads` (in order). */
  envFor(ref: string, reads?: string[]): Record<string, string>;
  /** Deletes an entry (the REST API's DELETE); false when there is none with that id. */
  remove(id: number): boolean;
  /** Finalized entries' bytes and count (the REST API's usage). */
  usage(): { bytes: number; count: number };
  /** Every request as `METHOD path`. */
  requests: string[];
  options: CacheServerOptions;
  close(): Promise<void>;
}

const PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/**
 * A stored archive (zstd or gzip, as @actions/cache wrote it) with the first header checksum of
 * each `cache.tar` inside it overwritten; the outer archive keeps its sizes, so it still unpacks.
 */
function damageInnerArchives(blob: Buffer, scratch: string): Buffer {
  const zstd = blob.subarray(0, 4).equals(ZSTD_MAGIC);
  const unpack = (input: Buffer): Buffer =>
    zstd ? spawnSync('zstd', ['-d', '-c'], { input, maxBuffer: 1 << 30 }).stdout : gunzipSync(input);
  const pack = (input: Buffer): Buffer => (zstd ? spawnSync('zstd', ['-c'], { input, maxBuffer: 1 << 30 }).stdout : gzipSync(input));
  const outer = unpack(blob);
  writeFileSync(scratch, outer);
  const entries: { name: string; size: number; start: number }[] = [];
  const end = readTar(scratch, (entry, _data, start) => entries.push({ name: entry.name, size: entry.size, start }));
  rmSync(scratch, { force: true });
  entries.forEach((e, i) => {
    if (!e.name.endsWith('/cache.tar') || e.size < 512) return;
    // The entry's data ends where the next entry starts; its first 512 bytes are the inner header.
    const dataStart = (entries[i + 1]?.start ?? end) - Math.ceil(e.size / 512) * 512;
    outer.write('garbage!', dataStart + 148, 'latin1');
  });
  return pack(outer);
}

/** Sends `data` at a steady rate, a tenth of a second's worth at a time. */
async function trickle(data: Buffer, res: ServerResponse, bytesPerSecond: number): Promise<void> {
  const chunk = Math.max(1, Math.floor(bytesPerSecond / 10));
  for (let at = 0; at < data.length && !res.destroyed; at += chunk) {
    res.write(data.subarray(at, at + chunk));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  res.end();
}

export async function startCacheServer(options: CacheServerOptions = {}): Promise<CacheServer> {
  const dir = tempDir('cache-service');
  const token = options.token ?? 'test-runtime-token';
  const entries: CacheEntry[] = [];
  const requests: string[] = [];
  let nextId = 1;
  let clock = 0;
  let lastCreated = 0;
  const scopes = new Map<string, TokenScope>([[`Bearer ${token}`, { ref: 'refs/heads/main' }]]);
  /** Strictly increasing ISO times, as the real service's creation times are for one repository. */
  const createdNow = (): string => {
    lastCreated = Math.max(Date.now(), lastCreated + 1);
    return new Date(lastCreated).toISOString();
  };
  const blobPath = (id: number): string => join(dir, `${id}.blob`);
  const blockDir = (id: number): string => join(dir, `${id}.blocks`);
  let base = '';

  const findIn = (ready: CacheEntry[], key: string, restoreKeys: string[]): CacheEntry | undefined => {
    const exact = ready.find((e) => e.key === key);
    if (exact) return exact;
    for (const prefix of restoreKeys) {
      const hit = ready.find((e) => e.key === prefix) ?? ready.find((e) => e.key.startsWith(prefix));
      if (hit) return hit;
    }
    return undefined;
  };
  const find = (key: string, restoreKeys: string[], version: string, scope: TokenScope): CacheEntry | undefined => {
    const ready = entries.filter((e) => e.finalized && e.version === version).sort((a, b) => b.createdAt - a.createdAt);
    if (!scope.reads) return findIn(ready, key, restoreKeys);
    for (const ref of [scope.ref, ...scope.reads]) {
      const hit = findIn(
        ready.filter((e) => e.ref === ref),
        key,
        restoreKeys,
      );
      if (hit) return hit;
    }
    return undefined;
  };

  const twirp = async (method: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.fault === 'hang') return; // The connection stays open, unanswered, until close().
    if (options.fault === '500') return json(res, 500, { code: 'internal', msg: 'the cache backend is down' });
    if (options.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
      return;
    }
    const scope = scopes.get(req.headers.authorization ?? '');
    if (!scope) return json(res, 401, { code: 'unauthenticated', msg: 'bad token' });
    const input = JSON.parse((await body(req)).toString('utf8') || '{}') as Record<string, unknown>;
    const key = typeof input.key === 'string' ? input.key : '';
    const version = typeof input.version === 'string' ? input.version : '';
    switch (method) {
      case 'CreateCacheEntry': {
        if (!key || !version) return json(res, 400, { code: 'invalid_argument', msg: 'key and version are required' });
        if (options.readOnly) return json(res, 200, { ok: false, message: 'the cache of this repository is full: it takes no new entry' });
        if (entries.some((e) => e.key === key && e.version === version && e.ref === scope.ref))
          return json(res, 200, { ok: false, message: `cache entry ${key} already exists` });
        const entry: CacheEntry = {
          id: nextId++,
          key,
          version,
          size: 0,
          createdAt: ++clock,
          created: '',
          ref: scope.ref,
          finalized: false,
        };
        entries.push(entry);
        return json(res, 200, { ok: true, signed_upload_url: `${base}/devstoreaccount1/cache/${entry.id}?sig=upload` });
      }
      case 'FinalizeCacheEntryUpload': {
        if (options.finalizeStatus) return json(res, options.finalizeStatus, { code: 'internal', msg: 'finalize failed' });
        const entry = entries.find((e) => e.key === key && e.version === version && !e.finalized);
        if (!entry || !existsSync(blobPath(entry.id))) return json(res, 200, { ok: false, message: `no upload for ${key}` });
        entry.size = statSync(blobPath(entry.id)).size;
        entry.finalized = true;
        entry.createdAt = ++clock;
        entry.created = createdNow();
        return json(res, 200, { ok: true, entry_id: String(entry.id) });
      }
      case 'GetCacheEntryDownloadURL': {
        const restoreKeys = Array.isArray(input.restore_keys) ? input.restore_keys.map(String) : [];
        const entry = find(key, restoreKeys, version, scope);
        if (!entry) return json(res, 200, { ok: false });
        return json(res, 200, {
          ok: true,
          signed_download_url: `${base}/devstoreaccount1/cache/${entry.id}?sig=download`,
          matched_key: entry.key,
        });
      }
      default:
        return json(res, 404, { code: 'bad_route', msg: `no method ${method}` });
    }
  };

  const blob = async (id: number, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const entry = entries.find((e) => e.id === id);
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    const comp = url.searchParams.get('comp');
    if (req.method === 'PUT' && comp === 'block') {
      mkdirSync(blockDir(id), { recursive: true });
      const blockId = Buffer.from(url.searchParams.get('blockid') ?? '', 'base64').toString('hex');
      await pipeline(req, createWriteStream(join(blockDir(id), blockId)));
      res.writeHead(201, { 'x-ms-request-id': String(id) }).end();
      return;
    }
    if (req.method === 'PUT' && comp === 'blocklist') {
      const xml = (await body(req)).toString('utf8');
      const ids = [...xml.matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map((m) =>
        Buffer.from(m[1]!, 'base64').toString('hex'),
      );
      writeFileSync(blobPath(id), '');
      for (const blockId of ids) appendFileSync(blobPath(id), readFileSync(join(blockDir(id), blockId)));
      rmSync(blockDir(id), { recursive: true, force: true });
      res.writeHead(201, { etag: `"${id}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-id': String(id) }).end();
      return;
    }
    if (req.method === 'PUT') {
      await pipeline(req, createWriteStream(blobPath(id)));
      res.writeHead(201, { etag: `"${id}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-id': String(id) }).end();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!entry.finalized) {
        res.writeHead(404).end();
        return;
      }
      if (options.corruptInnerArchives) {
        const damaged = damageInnerArchives(readFileSync(blobPath(id)), join(dir, `${id}.damaged.tar`));
        res.writeHead(200, { 'content-length': String(damaged.length), 'content-type': 'application/octet-stream' });
        res.end(req.method === 'HEAD' ? undefined : damaged);
        return;
      }
      if (options.corruptDownloads) {
        const garbage = Buffer.alloc(4096, 0x5a);
        res.writeHead(200, { 'content-length': String(garbage.length), 'content-type': 'application/octet-stream' });
        res.end(req.method === 'HEAD' ? undefined : garbage);
        return;
      }
      res.writeHead(200, { 'content-length': String(entry.size), 'content-type': 'application/octet-stream' });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      if (options.downloadBytesPerSecond) {
        await trickle(readFileSync(blobPath(id)), res, options.downloadBytesPerSecond);
        return;
      }
      await pipeline(createReadStream(blobPath(id)), res);
      return;
    }
    res.writeHead(405).end();
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${url.pathname}${url.searchParams.get('comp') ? `?comp=${url.searchParams.get('comp')}` : ''}`);
    const handle = async (): Promise<void> => {
      if (req.method === 'POST' && url.pathname.startsWith(PREFIX)) return twirp(url.pathname.slice(PREFIX.length), req, res);
      const m = /^\/devstoreaccount1\/cache\/(\d+)$/.exec(url.pathname);
      if (m) return blob(Number(m[1]), req, res, url);
      res.writeHead(404).end();
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('cache server has no port');
  base = `http://127.0.0.1:${address.port}`;
  return {
    url: base,
    env: { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: `${base}/`, ACTIONS_RUNTIME_TOKEN: token },
    entries: () => entries.map((e) => ({ ...e })),
    envFor: (ref, reads = []) => {
      const scoped = `${token}.${scopes.size}`;
      scopes.set(`Bearer ${scoped}`, { ref, reads });
      return { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: `${base}/`, ACTIONS_RUNTIME_TOKEN: scoped };
    },
    remove: (id) => {
      const at = entries.findIndex((e) => e.id === id);
      if (at < 0) return false;
      entries.splice(at, 1);
      rmSync(blobPath(id), { force: true });
      return true;
    },
    usage: () => {
      const ready = entries.filter((e) => e.finalized);
      return { bytes: ready.reduce((n, e) => n + e.size, 0), count: ready.length };
    },
    requests,
    options,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

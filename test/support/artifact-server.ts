/**
 * A local results service on loopback that speaks the artifact API of @actions/artifact (v2+):
 * Twirp JSON at /twirp/github.actions.results.api.v1.ArtifactService/{CreateArtifact,
 * FinalizeArtifact,ListArtifacts,GetSignedArtifactURL,DeleteArtifact}, blob uploads Azure
 * block-blob style to the signed URL it hands out (the client's BlockBlobClient.uploadStream:
 * `comp=block&blockid=…` per chunk, then `comp=blocklist`; a plain PUT is taken too), and a plain
 * GET of the stored zip. Artifacts belong to the workflow run named in the runtime token's claims,
 * as on GitHub: every job and attempt of the run lists them, and a name is taken once per run.
 *
 * On a runner the cache and the artifacts are one results service at one ACTIONS_RESULTS_URL:
 * given `cache`, every other request is passed to that cache service unchanged.
 */
import { appendFileSync, createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CacheServer } from './cache-server.ts';
import { tempDir } from './temp.ts';

export interface StoredArtifact {
  id: number;
  name: string;
  runBackendId: string;
  jobBackendId: string;
  size: number;
  /** What FinalizeArtifact said the upload hashes to (`sha256:…`). */
  hash?: string;
  createdAt: number;
  finalized: boolean;
}

export interface ArtifactServerOptions {
  /** The workflow run's backend id in the runtime token (default: one fixed id). */
  runBackendId?: string;
  /**
   * A broken service, for every Twirp call of the artifact API: `hang` accepts and never answers,
   * `500` answers 500, `garbage` answers 200 with a body that is not JSON. Blob traffic is unaffected.
   */
  fault?: 'hang' | '500' | 'garbage';
  /** The cache service behind the same URL (requests not for the artifact API go there). */
  cache?: CacheServer;
}

export interface ArtifactServer {
  url: string;
  /**
   * The runtime environment of one job of the run: ACTIONS_RESULTS_URL, and a JWT-shaped
   * ACTIONS_RUNTIME_TOKEN whose `scp` claim names the run's and the job's backend ids, as
   * @actions/artifact reads them (it never checks the signature); with `cache`, the cache's
   * ACTIONS_CACHE_SERVICE_V2 as well. Each job gets its own job id.
   */
  env(job?: string): Record<string, string>;
  artifacts(): StoredArtifact[];
  /** Every request as `METHOD path` (with `?comp=` when there is one). */
  requests: string[];
  options: ArtifactServerOptions;
  close(): Promise<void>;
}

const PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';
const BLOB = /^\/devstoreaccount1\/artifacts\/(\d+)$/;

/** A URL's signature, random as the real service's (the client masks it in the log: a word would be masked everywhere). */
const signature = (): string => randomBytes(12).toString('hex');

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token shaped as the runner's: header.claims.signature, the claims naming the results backend ids. */
export function runtimeToken(runBackendId: string, jobBackendId: string): string {
  const claims = { scp: `Actions.GenericRead:00000000 Actions.Results:${runBackendId}:${jobBackendId}`, iat: 1, exp: 4102444800 };
  return `${base64url({ typ: 'JWT', alg: 'RS256' })}.${base64url(claims)}.c2lnbmF0dXJl`;
}

/** The backend ids a token's claims name, or undefined when it names none. */
function backendIds(authorization: string | undefined): { run: string; job: string } | undefined {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  try {
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scp?: string };
    const scope = claims.scp?.split(' ').find((s) => s.startsWith('Actions.Results:'));
    const [, run, job] = scope?.split(':') ?? [];
    return run && job ? { run, job } : undefined;
  } catch {
    return undefined;
  }
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/**
 * Passes one request on to the cache service, as the one results service would answer it (with
 * the cache server's own token: it knows one token, the jobs here each have theirs).
 */
function forward(cache: CacheServer, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', cache.url);
  const authorization = `Bearer ${cache.env.ACTIONS_RUNTIME_TOKEN}`;
  const out = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host, authorization } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(String(error));
  });
  req.pipe(out);
}

export async function startArtifactServer(options: ArtifactServerOptions = {}): Promise<ArtifactServer> {
  const dir = tempDir('artifact-service');
  const runBackendId = options.runBackendId ?? 'c0ffee00-0000-4000-8000-000000000001';
  const artifacts: StoredArtifact[] = [];
  const requests: string[] = [];
  let nextId = 1;
  let clock = 0;
  let base = '';
  const blobPath = (id: number): string => join(dir, `${id}.zip`);
  const blockDir = (id: number): string => join(dir, `${id}.blocks`);

  const listed = (a: StoredArtifact): Record<string, unknown> => ({
    workflow_run_backend_id: a.runBackendId,
    workflow_job_run_backend_id: a.jobBackendId,
    database_id: String(a.id),
    name: a.name,
    size: String(a.size),
    created_at: new Date(Date.UTC(2026, 11, 7, 12, 0, a.createdAt)).toISOString(),
    ...(a.hash ? { digest: a.hash } : {}),
  });

  const twirp = async (method: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.fault === 'hang') return; // The connection stays open, unanswered, until close().
    if (options.fault === '500') return json(res, 500, { code: 'internal', msg: 'the artifact backend is down' });
    if (options.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
      return;
    }
    const ids = backendIds(req.headers.authorization);
    if (!ids) return json(res, 401, { code: 'unauthenticated', msg: 'the token names no results backend' });
    const input = JSON.parse((await body(req)).toString('utf8') || '{}') as Record<string, unknown>;
    if (input.workflow_run_backend_id !== ids.run || (method !== 'GetSignedArtifactURL' && input.workflow_job_run_backend_id !== ids.job))
      return json(res, 403, { code: 'permission_denied', msg: 'the backend ids are not the token’s' });
    const name = typeof input.name === 'string' ? input.name : '';
    const ofRun = artifacts.filter((a) => a.runBackendId === ids.run);
    switch (method) {
      case 'CreateArtifact': {
        if (!name) return json(res, 400, { code: 'invalid_argument', msg: 'name is required' });
        // As on GitHub: a name is taken once per workflow run, whichever attempt asks again.
        if (ofRun.some((a) => a.name === name && a.finalized))
          return json(res, 409, { code: 'already_exists', msg: `an artifact with this name already exists on the workflow run` });
        const artifact: StoredArtifact = {
          id: nextId++,
          name,
          runBackendId: ids.run,
          jobBackendId: ids.job,
          size: 0,
          createdAt: ++clock,
          finalized: false,
        };
        artifacts.push(artifact);
        return json(res, 200, { ok: true, signed_upload_url: `${base}/devstoreaccount1/artifacts/${artifact.id}?sig=${signature()}` });
      }
      case 'FinalizeArtifact': {
        const artifact = ofRun.find((a) => a.name === name && a.jobBackendId === ids.job && !a.finalized);
        if (!artifact) return json(res, 404, { code: 'not_found', msg: `no upload of ${name}` });
        artifact.size = statSync(blobPath(artifact.id), { throwIfNoEntry: false })?.size ?? 0;
        artifact.hash = typeof input.hash === 'string' ? input.hash : undefined;
        artifact.finalized = true;
        return json(res, 200, { ok: true, artifact_id: String(artifact.id) });
      }
      case 'ListArtifacts': {
        const byName = typeof input.name_filter === 'string' ? input.name_filter : undefined;
        const byId = typeof input.id_filter === 'string' ? Number(input.id_filter) : undefined;
        const found = ofRun.filter(
          (a) => a.finalized && (byName === undefined || a.name === byName) && (byId === undefined || a.id === byId),
        );
        return json(res, 200, { artifacts: found.map(listed) });
      }
      case 'GetSignedArtifactURL': {
        const artifact = ofRun.find((a) => a.finalized && a.name === name);
        if (!artifact) return json(res, 404, { code: 'not_found', msg: `no artifact ${name}` });
        return json(res, 200, { signed_url: `${base}/devstoreaccount1/artifacts/${artifact.id}?sig=${signature()}` });
      }
      case 'DeleteArtifact': {
        const artifact = ofRun.find((a) => a.finalized && a.name === name);
        if (!artifact) return json(res, 404, { code: 'not_found', msg: `no artifact ${name}` });
        artifacts.splice(artifacts.indexOf(artifact), 1);
        return json(res, 200, { ok: true, artifact_id: String(artifact.id) });
      }
      default:
        return json(res, 404, { code: 'bad_route', msg: `no method ${method}` });
    }
  };

  const created = (res: ServerResponse, id: number): void => {
    res.writeHead(201, { etag: `"${id}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-id': String(id) }).end();
  };

  const blob = async (id: number, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const artifact = artifacts.find((a) => a.id === id);
    if (!artifact) return void res.writeHead(404).end();
    const comp = url.searchParams.get('comp');
    if (req.method === 'PUT' && comp === 'block') {
      mkdirSync(blockDir(id), { recursive: true });
      const blockId = Buffer.from(url.searchParams.get('blockid') ?? '', 'base64').toString('hex');
      await pipeline(req, createWriteStream(join(blockDir(id), blockId)));
      return void res.writeHead(201, { 'x-ms-request-id': String(id) }).end();
    }
    if (req.method === 'PUT' && comp === 'blocklist') {
      const xml = (await body(req)).toString('utf8');
      const ids = [...xml.matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map((m) =>
        Buffer.from(m[1]!, 'base64').toString('hex'),
      );
      writeFileSync(blobPath(id), '');
      for (const blockId of ids) appendFileSync(blobPath(id), readFileSync(join(blockDir(id), blockId)));
      rmSync(blockDir(id), { recursive: true, force: true });
      return created(res, id);
    }
    if (req.method === 'PUT') {
      await pipeline(req, createWriteStream(blobPath(id)));
      return created(res, id);
    }
    if (req.method === 'GET' && artifact.finalized) {
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-length': String(statSync(blobPath(id)).size),
        'content-disposition': `attachment; filename="${artifact.name}.zip"`,
      });
      return pipeline(createReadStream(blobPath(id)), res);
    }
    res.writeHead(req.method === 'GET' ? 404 : 405).end();
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const comp = url.searchParams.get('comp');
    const handle = async (): Promise<void> => {
      if (req.method === 'POST' && url.pathname.startsWith(PREFIX)) {
        requests.push(`${req.method} ${url.pathname}`);
        return twirp(url.pathname.slice(PREFIX.length), req, res);
      }
      const m = BLOB.exec(url.pathname);
      if (m) {
        requests.push(`${req.method} ${url.pathname}${comp ? `?comp=${comp}` : ''}`);
        return blob(Number(m[1]), req, res, url);
      }
      if (options.cache) return forward(options.cache, req, res);
      res.writeHead(404).end();
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('artifact server has no port');
  base = `http://127.0.0.1:${address.port}`;
  let jobs = 0;
  return {
    url: base,
    env: (job = `job-${++jobs}`) => ({
      ...(options.cache ? { ACTIONS_CACHE_SERVICE_V2: 'true' } : {}),
      ACTIONS_RESULTS_URL: `${base}/`,
      ACTIONS_RUNTIME_TOKEN: runtimeToken(runBackendId, job),
    }),
    artifacts: () => artifacts.map((a) => ({ ...a })),
    requests,
    options,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the helper builds (inject, extract) on the builder the real build uses. Thin adapter:
 * the Dockerfiles and scripts come from scripts.ts.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { lastErrorLine, run } from '../util/exec.js';
import type { HelperControlUrls } from './scripts.js';

export interface HelperBuild {
  builder?: string;
  /** Directory sent as the build context (bind-mounted at /gca-in). */
  context: string;
  dockerfileText: string;
  /** Where to write the Dockerfile (outside the context, so it is not sent twice). */
  dockerfilePath: string;
  /** For extract: the tar file the scratch stage is exported to. */
  tarOutput?: string;
}

export interface HelperResult {
  ok: boolean;
  error?: string;
  seconds: number;
  log: string;
}

/** Pure: the buildx argv of a helper build. */
export function helperArgv(build: Omit<HelperBuild, 'dockerfileText'>, nonce: string): string[] {
  const args = ['buildx', 'build'];
  if (build.builder) args.push('--builder', build.builder);
  args.push('--progress', 'plain', '--provenance', 'false', '--sbom', 'false');
  args.push('--file', build.dockerfilePath, '--build-arg', `GCA_NONCE=${nonce}`);
  // No image is written anywhere: the result is either a tar of the scratch stage or nothing.
  args.push('--output', build.tarOutput ? `type=tar,dest=${build.tarOutput}` : 'type=cacheonly');
  args.push(build.context);
  return args;
}

export async function runHelperBuild(build: HelperBuild): Promise<HelperResult> {
  const started = Date.now();
  await writeFile(build.dockerfilePath, build.dockerfileText);
  const result = await run('docker', helperArgv(build, randomUUID()), { silent: true });
  const seconds = (Date.now() - started) / 1000;
  const log = result.stderr + result.stdout;
  if (result.exitCode !== 0) {
    return { ok: false, error: lastErrorLine(result.stderr) || `docker buildx build exited with ${result.exitCode}`, seconds, log };
  }
  return { ok: true, seconds, log };
}

export function helperPaths(dir: string, name: string): { dockerfile: string; tar: string } {
  return { dockerfile: join(dir, `${name}.Dockerfile`), tar: join(dir, `${name}.tar`) };
}

/**
 * Serves the restored archives to the inject helper over HTTP on the docker bridge, so BuildKit
 * streams them straight into the cache mounts instead of copying them in as build context
 * first (the context transfer is most of the cost for a large cache). Only the given files, under
 * a random path, for as long as the helper runs; a held helper also reports and asks here.
 * Undefined when the bridge is not found: then the helper gets the archives as its build context.
 */
export interface ArchiveServer {
  /** URLs of each served name: its two halves, to unpack as two streams side by side. */
  urls: Record<string, [string, string]>;
  /** What a held helper reports to and asks (scripts.ts heldScript). */
  control: HelperControl;
  close(): Promise<void>;
}

export interface HelperControl {
  urls: HelperControlUrls;
  /** Resolves when the held helper reports the caches in place. */
  ready: Promise<void>;
  /** The answer to the held helper's wait; until it is given the helper keeps asking. */
  release(answer: 'extract' | 'stop'): void;
  /** The restored file lists the held helper fetches when told to extract. */
  setLists(lists: (name: string) => string): void;
}

/** A held helper asking what to do gets `wait` after this long, and asks again (curl gives up on a silent connection after 15 s). */
const WAIT_ANSWER_MS = 10_000;

/** An archive to serve, and where it can be cut in two (an entry boundary), once known. */
export interface ServedArchive {
  path: string;
  split?: () => number | undefined;
}

/** The docker bridge's gateway: the address RUN steps of the docker driver reach the runner at. */
export async function bridgeGateway(): Promise<string | undefined> {
  const r = await run('docker', ['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}'], { silent: true });
  if (r.exitCode !== 0) return undefined;
  return r.stdout.trim().split(/\s+/).find((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
}

/**
 * `refused`: names answered with 404 (archives found corrupt after the server started). Half 1
 * is the archive up to its split followed by end-of-archive blocks, half 2 the rest; unpacked
 * side by side they give the whole archive (without a split: all of it, then an empty archive).
 */
export async function serveArchives(files: Record<string, ServedArchive>, host: string, refused: ReadonlySet<string> = new Set()): Promise<ArchiveServer | undefined> {
  const { createServer } = await import('node:http');
  const { createReadStream, statSync } = await import('node:fs');
  const token = randomUUID();
  const endOfArchive = Buffer.alloc(1024);
  const byPath = new Map<string, { name: string; archive: ServedArchive; half: 1 | 2 }>();
  for (const [name, archive] of Object.entries(files)) {
    byPath.set(`/${token}/${name}/1`, { name, archive, half: 1 });
    byPath.set(`/${token}/${name}/2`, { name, archive, half: 2 });
  }
  let markReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let answer: 'extract' | 'stop' | undefined;
  const waiting = new Set<{ end: (text: string) => void }>();
  let lists = (_name: string): string => '';
  const control = (path: string, res: ServerResponse): boolean => {
    const text = (body: string) => res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    if (path === `/${token}/ready`) {
      markReady();
      text('ok');
    } else if (path === `/${token}/wait`) {
      if (answer) {
        text(answer);
      } else {
        const waiter = {
          end: (body: string) => {
            clearTimeout(timer);
            waiting.delete(waiter);
            text(body);
          },
        };
        const timer = setTimeout(() => waiter.end('wait'), WAIT_ANSWER_MS);
        waiting.add(waiter);
      }
    } else if (path.startsWith(`/${token}/list/`)) {
      text(lists(path.slice(`/${token}/list/`.length)));
    } else return false;
    return true;
  };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && control(req.url ?? '', res)) return;
    const served = byPath.get(req.url ?? '');
    if (req.method !== 'GET' || !served || refused.has(served.name)) {
      res.writeHead(404).end();
      return;
    }
    const { archive, half } = served;
    const size = statSync(archive.path).size;
    const split = archive.split?.();
    const cut = split !== undefined && split > 0 && split < size ? split : undefined;
    // [start, end) of the file, then the end-of-archive blocks or not.
    const [start, end, trailer] = half === 1 ? (cut === undefined ? [0, size, false] : [0, cut, true]) : cut === undefined ? [0, 0, true] : [cut, size, false];
    res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': String(end - start + (trailer ? endOfArchive.length : 0)) });
    if (end <= start) {
      res.end(trailer ? endOfArchive : undefined);
      return;
    }
    createReadStream(archive.path, { start, end: end - 1, highWaterMark: 1 << 20 })
      .on('error', () => res.destroy())
      .on('end', () => res.end(trailer ? endOfArchive : undefined))
      .pipe(res, { end: false });
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => resolve(true));
  });
  const address = server.address();
  if (!listening || !address || typeof address === 'string') return undefined;
  const base = `http://${host}:${address.port}/${token}`;
  return {
    urls: Object.fromEntries(Object.keys(files).map((name) => [name, [1, 2].map((half) => `${base}/${name}/${half}`) as [string, string]])),
    control: {
      urls: { ready: `${base}/ready`, wait: `${base}/wait`, list: (name) => `${base}/list/${name}` },
      ready,
      release: (given) => {
        answer = given;
        for (const waiter of [...waiting]) waiter.end(given);
      },
      setLists: (given) => (lists = given),
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const waiter of [...waiting]) waiter.end('stop');
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

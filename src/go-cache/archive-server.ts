/**
 * Serves the restored archives to the inject helper over HTTP on the docker bridge, so BuildKit
 * streams them straight into the cache mounts instead of copying them in as build context
 * first (the context transfer is most of the cost for a large cache). Only the given files, under
 * a random path, for as long as the helper runs.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { listenOn } from './listen.js';

export interface ArchiveServer {
  /** URLs of each served name: its two halves, to unpack as two streams side by side. */
  urls: Record<string, [string, string]>;
  close(): Promise<void>;
}

/** An archive to serve, and where it can be cut in two (an entry boundary), once known. */
export interface ServedArchive {
  path: string;
  split?: () => number | undefined;
}

const END_OF_ARCHIVE = Buffer.alloc(1024);

/** Pure: the [start, end) range of the file a half covers, and whether end-of-archive blocks follow. */
export function halfRange(half: 1 | 2, size: number, split: number | undefined): { start: number; end: number; trailer: boolean } {
  const cut = split !== undefined && split > 0 && split < size ? split : undefined;
  if (half === 1) return cut === undefined ? { start: 0, end: size, trailer: false } : { start: 0, end: cut, trailer: true };
  return cut === undefined ? { start: 0, end: 0, trailer: true } : { start: cut, end: size, trailer: false };
}

function sendHalf(res: ServerResponse, archive: ServedArchive, half: 1 | 2): void {
  const { start, end, trailer } = halfRange(half, statSync(archive.path).size, archive.split?.());
  res.writeHead(200, {
    'content-type': 'application/x-tar',
    'content-length': String(end - start + (trailer ? END_OF_ARCHIVE.length : 0)),
  });
  if (end <= start) {
    res.end(trailer ? END_OF_ARCHIVE : undefined);
    return;
  }
  createReadStream(archive.path, { start, end: end - 1, highWaterMark: 1 << 20 })
    .on('error', () => res.destroy())
    .on('end', () => res.end(trailer ? END_OF_ARCHIVE : undefined))
    .pipe(res, { end: false });
}

/**
 * `refused`: names answered with 404 (archives found corrupt after the server started). Half 1
 * is the archive up to its split followed by end-of-archive blocks, half 2 the rest; unpacked
 * side by side they give the whole archive (without a split: all of it, then an empty archive).
 * Undefined when it cannot listen on `host`.
 */
export async function serveArchives(
  files: Record<string, ServedArchive>,
  host: string,
  refused: ReadonlySet<string> = new Set(),
): Promise<ArchiveServer | undefined> {
  const token = randomUUID();
  const byPath = new Map<string, { name: string; half: 1 | 2 }>();
  for (const name of Object.keys(files)) {
    byPath.set(`/${token}/${name}/1`, { name, half: 1 });
    byPath.set(`/${token}/${name}/2`, { name, half: 2 });
  }
  const listening = await listenOn(host, (req, res) => {
    const served = byPath.get(req.url ?? '');
    if (req.method !== 'GET' || !served || refused.has(served.name)) {
      res.writeHead(404).end();
      return;
    }
    sendHalf(res, files[served.name]!, served.half);
  });
  if (!listening) return undefined;
  const base = `${listening.base}/${token}`;
  return {
    urls: Object.fromEntries(Object.keys(files).map((name) => [name, [`${base}/${name}/1`, `${base}/${name}/2`] as [string, string]])),
    close: () => listening.close(),
  };
}

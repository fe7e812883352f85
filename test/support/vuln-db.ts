/**
 * The Go vulnerability database for the tests: the fixture tree (test/fixtures/vulndb/db)
 * served over loopback HTTP, written as a zip, or a copy with extra entries. The server counts
 * what it was asked for.
 */
import { createServer, type Server } from 'node:http';
import { cpSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { deflateRawSync, crc32 } from 'node:zlib';
import { ROOT } from './runner.js';
import { tempDir } from './temp.js';

export const FIXTURE_DB = join(ROOT, 'test/fixtures/vulndb/db');
export const EMPTY_DB = join(ROOT, 'test/fixtures/vulndb/empty');

export interface VulnDbServer {
  url: string;
  /** The paths asked for, in order. */
  requests: string[];
  /** Bytes of the bodies sent. */
  bytesSent(): number;
  close(): Promise<void>;
}

/**
 * Serves a database tree over HTTP on 127.0.0.1; `garble` answers that path with text that is
 * not JSON, `hang` never answers it (until the server closes).
 */
export async function startVulnDb(dir = FIXTURE_DB, opts: { garble?: string; hang?: string } = {}): Promise<VulnDbServer> {
  const requests: string[] = [];
  let sent = 0;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    requests.push(path);
    if (path === opts.garble) return void res.end('<html>not a database</html>');
    if (path === opts.hang) return;
    if (path.includes('..')) return void res.writeHead(400).end();
    try {
      const body = readFileSync(join(dir, path));
      sent += body.length;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bytesSent: () => sent,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** A zip of a database tree (deflated members, as the database's own zip), written to a temporary file. */
export function zipDb(dir = FIXTURE_DB): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const path of files(dir)) {
    const name = Buffer.from(relative(dir, path).split('\\').join('/'));
    const data = readFileSync(path);
    const packed = deflateRawSync(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  const out = join(tempDir('vulndb-zip'), 'vulndb.zip');
  writeFileSync(out, Buffer.concat([...locals, cd, end]));
  return out;
}

/** A copy of the fixture tree, to add entries to. */
export function copyDb(dir = FIXTURE_DB): string {
  const out = join(tempDir('vulndb'), 'db');
  cpSync(dir, out, { recursive: true });
  return out;
}

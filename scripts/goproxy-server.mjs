#!/usr/bin/env node
// Serves a file-tree GOPROXY over HTTP on the given addresses (loopback and the docker
// bridge gateway, which is how BuildKit's RUN steps reach the host).
// Usage: node scripts/goproxy-server.mjs DIR PORT ADDR...
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

const [dir, port, ...addrs] = process.argv.slice(2);
const handler = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/healthz') return void res.end('ok');
  const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(dir, rel);
  try {
    if (!file.startsWith(dir) || !statSync(file).isFile()) throw new Error('not a file');
  } catch {
    res.statusCode = 404;
    return void res.end('not found');
  }
  res.setHeader('content-type', file.endsWith('.zip') ? 'application/zip' : 'text/plain; charset=utf-8');
  createReadStream(file).pipe(res);
};
for (const addr of addrs.length ? addrs : ['127.0.0.1']) {
  createServer(handler).listen(Number(port), addr).on('error', (e) => console.error(`[goproxy] ${addr}: ${e.message}`));
}

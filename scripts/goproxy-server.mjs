#!/usr/bin/env node
// Serves a file-tree GOPROXY over HTTP on the given addresses (loopback and the docker
// bridge gateway, which is how BuildKit's RUN steps reach the host).
// Usage: node scripts/goproxy-server.mjs DIR PORT ADDR...
import { createServer } from 'node:http';
import { serveTreeFile } from './goproxy-files.mjs';

const [dir, port, ...addrs] = process.argv.slice(2);
const handler = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/healthz') return void res.end('ok');
  serveTreeFile(dir, url.pathname, res);
};
for (const addr of addrs.length ? addrs : ['127.0.0.1']) {
  createServer(handler)
    .listen(Number(port), addr)
    .on('error', (e) => console.error(`[goproxy] ${addr}: ${e.message}`));
}

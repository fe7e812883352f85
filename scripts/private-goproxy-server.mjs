#!/usr/bin/env node
// A credentialed module host for private Go modules, over HTTPS (go sends .netrc credentials
// over https only): every request but /healthz needs basic auth with the token (401 without
// credentials, 403 with wrong ones). It answers `?go-get=1` with a go-import `mod` tag pointing at
// itself, and serves the module proxy protocol from a file tree (goproxy-pack.mjs), so a module
// `<host>/acme/x` in GOPRIVATE is fetched directly, as from a real private host.
// Usage: node scripts/private-goproxy-server.mjs DIR PORT CERT KEY TOKEN_FILE ADDR...
import { createServer } from 'node:https';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { serveTreeFile } from './goproxy-files.mjs';

const [dir, port, cert, key, tokenFile, ...addrs] = process.argv.slice(2);
const token = readFileSync(tokenFile, 'utf8').trim();
const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

/** The module paths the packed tree holds: the directories with an @v directory. */
function packedModules(root, at = root) {
  if (existsSync(join(at, '@v'))) return [relative(root, at).split(sep).join('/')];
  return readdirSync(at, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => packedModules(root, join(at, e.name)));
}

/** The module a go-get path belongs to: the longest module path the tree holds that prefixes it. */
function moduleOf(path, modules) {
  return modules.filter((m) => path === m || path.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
}

function goImport(res, host, path) {
  const modules = packedModules(dir);
  const module = moduleOf(`${host}${path}`.replace(/\/$/, ''), modules);
  if (!module) {
    res.statusCode = 404;
    return void res.end('no such module');
  }
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><meta name="go-import" content="${module} mod https://${host}">\n`);
}

const handler = (req, res) => {
  const url = new URL(req.url ?? '/', 'https://x');
  if (url.pathname === '/healthz') return void res.end('ok');
  const auth = req.headers.authorization;
  if (auth !== expected) {
    console.error(`[private-goproxy] ${auth ? 403 : 401} ${url.pathname}`);
    res.statusCode = auth ? 403 : 401;
    if (!auth) res.setHeader('www-authenticate', 'Basic realm="private modules"');
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    return void res.end(auth ? 'forbidden: this token cannot read the private modules\n' : 'unauthorized: credentials required\n');
  }
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (url.searchParams.get('go-get') === '1') return goImport(res, host, url.pathname);
  serveTreeFile(dir, url.pathname, res);
};

const tls = { cert: readFileSync(cert), key: readFileSync(key) };
for (const addr of addrs.length ? addrs : ['127.0.0.1']) {
  createServer(tls, handler)
    .listen(Number(port), addr)
    .on('error', (e) => console.error(`[private-goproxy] ${addr}: ${e.message}`));
}

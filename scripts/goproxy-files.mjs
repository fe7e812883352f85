// The file answers of a file-tree GOPROXY (goproxy-pack.mjs writes the tree), shared by the open
// and the credentialed module servers. A path that leads out of the tree is not found.
import { createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

export function serveTreeFile(dir, pathname, res) {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(dir, rel);
  try {
    if (!file.startsWith(dir) || !statSync(file).isFile()) throw new Error('not a file');
  } catch {
    res.statusCode = 404;
    return void res.end('not found');
  }
  res.setHeader('content-type', file.endsWith('.zip') ? 'application/zip' : 'text/plain; charset=utf-8');
  createReadStream(file).pipe(res);
}

/**
 * Runs the helper builds (inject, extract) on the builder the real build uses. Thin adapter:
 * the Dockerfiles and scripts come from scripts.ts.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastErrorLine, run } from '../util/exec.js';

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

/** The native platform of the machine running the helpers (their builds run without QEMU). */
export function nativePlatform(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'linux/amd64', arm64: 'linux/arm64', arm: 'linux/arm/v7', ppc64: 'linux/ppc64le', s390x: 'linux/s390x', riscv64: 'linux/riscv64' };
  return map[arch] ?? 'linux/amd64';
}

export function helperPaths(dir: string, name: string): { dockerfile: string; tar: string } {
  return { dockerfile: join(dir, `${name}.Dockerfile`), tar: join(dir, `${name}.tar`) };
}

/**
 * Serves the restored archives to the inject helper over HTTP on the docker bridge, so BuildKit
 * streams them straight into the cache mounts instead of copying them in as build context
 * first (the context transfer is most of the cost for a large cache). Only the given files, under
 * a random path, for as long as the inject runs. Undefined when the bridge is not found: then the
 * helper gets the archives as its build context.
 */
export interface ArchiveServer {
  /** URL of each served name. */
  urls: Record<string, string>;
  close(): Promise<void>;
}

/** The docker bridge's gateway: the address RUN steps of the docker driver reach the runner at. */
export async function bridgeGateway(): Promise<string | undefined> {
  const r = await run('docker', ['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}'], { silent: true });
  if (r.exitCode !== 0) return undefined;
  return r.stdout.trim().split(/\s+/).find((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
}

export async function serveArchives(files: Record<string, string>, host: string): Promise<ArchiveServer | undefined> {
  const { createServer } = await import('node:http');
  const { createReadStream, statSync } = await import('node:fs');
  const token = randomUUID();
  const byPath = new Map(Object.entries(files).map(([name, path]) => [`/${token}/${name}`, path]));
  const server = createServer((req, res) => {
    const path = byPath.get(req.url ?? '');
    if (req.method !== 'GET' || !path) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': String(statSync(path).size) });
    createReadStream(path, { highWaterMark: 1 << 20 }).on('error', () => res.destroy()).pipe(res);
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => resolve(true));
  });
  const address = server.address();
  if (!listening || !address || typeof address === 'string') return undefined;
  return {
    urls: Object.fromEntries(Object.keys(files).map((name) => [name, `http://${host}:${address.port}/${token}/${name}`])),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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

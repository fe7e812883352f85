/**
 * Every message says what happened, end to end with the bundled action: a cache service that
 * answers 500 to finalize is reported as that status (not a time-out) at no extra wait; a
 * SIGTERM during `docker buildx version` is reported as a cancel; a push to a registry that
 * accepts and never answers fails with the registry's message and sets no digest. The faults
 * are servers and programs of our own; the signal is sent when the step reaches the point.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, createReadStream, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_CALL_MS } from '../../src/oci/registry-client.js';
import { CACHE_BUDGET } from '../../src/actions-cache/service.js';
import { DEADLINE_SCALE_ENV } from '../../src/util/deadline.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { annotations, runAction } from '../support/runner.js';
import { stack, uniqueName } from '../support/stack.js';
import { tempDir } from '../support/temp.js';
import { copyApp } from '../support/workspace.js';

const SCALE = 0.1;

/** A TCP server that accepts every connection and never answers. */
async function silentServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('every message says what happened', () => {
  const ns = uniqueName('honest').replace(/[^a-z0-9-]/g, '-');
  const app = copyApp('test/fixtures/cache/app');
  const hello = copyApp('examples/hello');
  const inputs = { platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}\nCACHE_NS=${ns}` };
  let server: CacheServer;
  beforeAll(async () => {
    server = await startCacheServer();
  });
  afterAll(async () => {
    await server.close();
    app.remove();
    hello.remove();
  });

  it('a 500 on the cache service finalize is a warning naming the status, at no wait past the deadline, and the build goes on', async () => {
    server.options.finalizeStatus = 500;
    try {
      const r = await runAction({
        workspace: app.dir,
        inputs,
        env: { ...server.env, [DEADLINE_SCALE_ENV]: String(SCALE), GITHUB_RUN_ID: '7101' },
      });
      expect(r.main.exitCode, r.main.stdout).toBe(0);
      expect(r.post?.exitCode, r.post?.stdout).toBe(0);
      const post = annotations(r.post!.stdout);
      const messages = post.map((a) => `${a.level}: ${a.message}`);
      expect(
        post.filter((a) => a.level === 'error'),
        messages.join('\n'),
      ).toEqual([]);
      const saves = post.filter((a) => a.level === 'warning' && a.message.startsWith('Go cache: could not save'));
      expect(saves.length, messages.join('\n')).toBeGreaterThan(0);
      for (const w of saves)
        expect(w.message).toMatch(/the cache service answered 500 Internal Server Error to finalizing the upload \(saving .*go-/);
      expect(r.post!.stdout + r.main.stdout).not.toMatch(/did not answer|sent nothing for/);
      expect(server.requests.filter((q) => q.endsWith('FinalizeCacheEntryUpload')).length).toBeGreaterThan(0);
      // One stall deadline at most (3 s scaled) for the first save; the service is not asked again after it.
      console.log(
        `finalize 500: post step ${r.post!.durationMs} ms; finalize asked ${server.requests.filter((q) => q.endsWith('FinalizeCacheEntryUpload')).length} times`,
      );
      expect(r.post!.durationMs).toBeLessThan(CACHE_BUDGET.totalMs * SCALE + 20_000);
      expect(r.leftovers).toEqual([]);
    } finally {
      server.options.finalizeStatus = undefined;
    }
  });

  it('a SIGTERM during docker buildx version is reported as a cancel, never as a missing buildx', async () => {
    const bin = tempDir('honest-bin');
    const arrived = join(bin, 'arrived');
    execFileSync('mkfifo', [arrived]);
    const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
    // `docker buildx version` tells the test it runs, then blocks (on nothing that ever ends) until the cancel's SIGTERM, and then
    // says what a missing buildx says: the step must still report the cancel.
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\nif [ "$1" = buildx ] && [ "$2" = version ]; then echo here > '${arrived}'; trap "echo \\"docker: 'buildx' is not a docker command.\\" >&2; exit 1" TERM; tail -f /dev/null & wait; fi\nexec '${realDocker}' "$@"\n`,
    );
    chmodSync(join(bin, 'docker'), 0o755);
    const abort = new AbortController();
    const fifo = createReadStream(arrived);
    fifo.once('data', () => abort.abort());
    const r = await runAction({
      workspace: hello.dir,
      inputs: { platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}` },
      env: { PATH: `${bin}:${process.env.PATH}` },
      signal: abort.signal,
      cancelSignal: 'SIGTERM',
      post: true,
    });
    fifo.destroy();
    expect(r.main.cancelledAtMs, r.main.stdout).toBeDefined();
    expect(r.main.exitCode).toBe(143);
    expect(r.main.stderr).toMatch(/Cancelled \(SIGTERM\): ending \d+ running command/);
    const all = r.main.stdout + r.main.stderr;
    expect(all).not.toMatch(/not installed/);
    for (const a of annotations(r.main.stdout).filter((x) => x.level === 'error')) expect(a.message).toMatch(/^Cancelled \(SIGTERM\)/);
    expect(r.post?.exitCode).toBe(0);
    console.log(
      `SIGTERM in buildx version: exit ${r.main.exitCode} ${r.main.durationMs - r.main.cancelledAtMs!} ms after the signal; said: ${annotations(
        r.main.stdout,
      )
        .map((a) => a.message)
        .join(' | ')} ${r.main.stderr.trim()}`,
    );
  });

  it('a push to a registry that accepts and never answers fails with the registry message and sets no digest', async () => {
    const silent = await silentServer();
    try {
      const image = `127.0.0.1:${silent.port}/honest/hello`;
      const r = await runAction({
        workspace: hello.dir,
        inputs: { platforms: 'linux/amd64', tags: `${image}:edge`, push: 'true', 'build-args': `GO_IMAGE=${stack.goImage}` },
        env: { [DEADLINE_SCALE_ENV]: String(SCALE) },
      });
      expect(r.main.exitCode, r.main.stdout).toBe(1);
      const errors = annotations(r.main.stdout).filter((a) => a.level === 'error');
      expect(errors.map((e) => e.message).join('\n')).toMatch(
        new RegExp(
          `Could not push the image by digest to ${image.replace(/[.]/g, '\\.')}: .*(did not answer|127\\.0\\.0\\.1:${silent.port})`,
        ),
      );
      expect(silent.connections()).toBeGreaterThan(0);
      console.log(`silent registry said: ${errors.map((e) => e.message).join(' | ')}`);
      expect(r.main.outputs.digest).toBeUndefined();
      console.log(`silent registry: main step ${r.main.durationMs} ms (registry call deadline ${REGISTRY_CALL_MS * SCALE} ms)`);
      expect(r.post?.exitCode).toBe(0);
    } finally {
      await silent.close();
    }
  });
});

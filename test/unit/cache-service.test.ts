/**
 * The real @actions/cache, in its worker process (started from the TypeScript sources), against
 * the project's own cache service v2 on loopback: what the action's save and restore rely on
 * (prefix matching newest first, version check, big uploads in blocks), and that a call's
 * workspace and temp dir are the worker's alone.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheEnv } from '../../src/actions-cache/isolation.js';
import { actionsCacheService, workerCache, type CacheService } from '../../src/actions-cache/service.js';
import { cacheWorkerLaunch } from '../../src/actions-cache/worker-client.js';
import { ChildRegistry } from '../../src/util/children.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { tempDir } from '../support/temp.js';

describe('local cache service v2 with @actions/cache', () => {
  let server: CacheServer;
  let dir: string;
  let actionsCache: CacheService;
  const registry = new ChildRegistry();
  const service = (env: NodeJS.ProcessEnv): CacheService =>
    actionsCacheService({ launch: cacheWorkerLaunch(), env: { ...process.env, ...env }, cwd: dir, registry }, 1);

  beforeAll(async () => {
    server = await startCacheServer();
    dir = tempDir('cache-unit');
    mkdirSync(join(dir, 'temp'));
    actionsCache = service({
      ...server.env,
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: join(dir, 'temp'),
      GITHUB_SERVER_URL: 'https://github.com',
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, content: string | Buffer): void => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', name), content);
  };

  it('saves, then restores by exact key and by prefix (newest first)', async () => {
    expect(actionsCache.available()).toBe(true);
    write('a.txt', 'first');
    await actionsCache.save([join(dir, 'data')], 'k-prefix-1');
    write('a.txt', 'second');
    await actionsCache.save([join(dir, 'data')], 'k-prefix-2');
    rmSync(join(dir, 'data'), { recursive: true });

    expect(await actionsCache.restore([join(dir, 'data')], 'k-prefix-1', [])).toBe('k-prefix-1');
    expect(readFileSync(join(dir, 'data', 'a.txt'), 'utf8')).toBe('first');
    expect(await actionsCache.restore([join(dir, 'data')], 'k-missing', ['k-prefix-'])).toBe('k-prefix-2');
    expect(readFileSync(join(dir, 'data', 'a.txt'), 'utf8')).toBe('second');
    expect(await actionsCache.restore([join(dir, 'data')], 'nothing', ['other-'])).toBeUndefined();
    expect(server.requests).toContain('POST /twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry');
    expect(server.requests).toContain('POST /twirp/github.actions.results.api.v1.CacheService/FinalizeCacheEntryUpload');
  });

  it('does not restore an entry saved for other paths (version check)', async () => {
    write('b.txt', 'b');
    await actionsCache.save([join(dir, 'data')], 'versioned-1');
    expect(await actionsCache.restore([join(dir, 'data', 'b.txt')], 'versioned-1', ['versioned-'])).toBeUndefined();
  });

  it('refuses a second save under the same key', async () => {
    write('c.txt', 'c');
    await expect(actionsCache.save([join(dir, 'data')], 'k-prefix-1')).rejects.toThrow(/did not store/);
  });

  it('takes archives over 128 MiB in blocks', async () => {
    // Random data does not compress: the archive stays over the single-shot limit.
    const big = Buffer.alloc(140 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, i);
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    write('big.bin', big);
    await actionsCache.save([join(dir, 'data')], 'big-1');
    expect(server.requests.some((r) => r.endsWith('?comp=blocklist'))).toBe(true);
    rmSync(join(dir, 'data'), { recursive: true });
    expect(await actionsCache.restore([join(dir, 'data')], 'big-1', [])).toBe('big-1');
    expect(readFileSync(join(dir, 'data', 'big.bin')).equals(big)).toBe(true);
  });

  it('runs each call with the run’s workspace and a temp dir of its own, never in this process, and leaves no file in the temp dir', async () => {
    const before = { ws: process.env.GITHUB_WORKSPACE, temp: process.env.RUNNER_TEMP, cwd: process.cwd() };
    const env = cacheEnv(join(dir, 'run'));
    const run = actionsCache.within!(env);
    // A relative path: under the run's workspace (the worker's GITHUB_WORKSPACE and cwd).
    mkdirSync(join(env.workspace, 'rel'), { recursive: true });
    writeFileSync(join(env.workspace, 'rel', 'r.txt'), 'relative');
    await Promise.all([run.save(['rel'], 'rel-1'), run.save(['rel'], 'rel-2')]);
    rmSync(join(env.workspace, 'rel'), { recursive: true });
    expect(await run.restore(['rel'], 'rel-1', [])).toBe('rel-1');
    expect(readFileSync(join(env.workspace, 'rel', 'r.txt'), 'utf8')).toBe('relative');
    expect(readdirSync(env.temp)).toEqual([]);
    expect(readdirSync(join(dir, 'temp'))).toEqual([]);
    expect({ ws: process.env.GITHUB_WORKSPACE, temp: process.env.RUNNER_TEMP, cwd: process.cwd() }).toEqual(before);
    expect(registry.size).toBe(0);
  });

  it('kills a worker whose call is given up on (its process group), and removes its temp dir', async () => {
    server.options.fault = 'hang';
    try {
      const env = cacheEnv(join(dir, 'hung'));
      const raw = workerCache({ launch: cacheWorkerLaunch(), env: { ...process.env, ...server.env }, cwd: dir, registry });
      const controller = new AbortController();
      const call = raw.restore(['rel'], 'hung-1', [], false, { env, signal: controller.signal, progress: () => undefined });
      const caught = call.catch((error: unknown) => error);
      // Long enough for the worker to start and send its request.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(registry.size).toBe(1);
      controller.abort(new Error('given up'));
      expect(String(await caught)).toBe('Error: given up');
      expect(registry.size).toBe(0);
      expect(readdirSync(env.temp)).toEqual([]);
    } finally {
      server.options.fault = undefined;
    }
  });
});

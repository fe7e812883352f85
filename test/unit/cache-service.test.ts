/**
 * The real @actions/cache against the project's own cache service v2 on loopback: what the
 * action's save and restore rely on (prefix matching newest first, version check, big uploads
 * in blocks).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsCache } from '../../src/actions-cache/service.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { tempDir } from '../support/temp.js';

describe('local cache service v2 with @actions/cache', () => {
  let server: CacheServer;
  let dir: string;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    server = await startCacheServer();
    dir = tempDir('cache-unit');
    mkdirSync(join(dir, 'temp'));
    const env = { ...server.env, GITHUB_WORKSPACE: dir, RUNNER_TEMP: join(dir, 'temp'), GITHUB_SERVER_URL: 'https://github.com' };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
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
});

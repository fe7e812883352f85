/** Under no-cache the Go cache neither restores nor saves, and says why once. */
import { describe, expect, it } from 'vitest';
import type { CacheService } from '../../src/actions-cache/service.js';
import type { DockerClient } from '../../src/docker/client.js';
import { goCacheBeforeBuild, NO_CACHE_NOTE } from '../../src/go-cache/stage.js';
import { StateWriter } from '../../src/state.js';
import { RecordingReporter } from '../support/recording-reporter.js';

/** A seam that fails the test when it is touched. */
const untouched = <T extends object>(name: string): T =>
  new Proxy({} as T, {
    get: (_, key) => {
      throw new Error(`${name}.${String(key)} was used`);
    },
  });

const plan = { file: '/ws/Dockerfile', context: '/ws', platforms: ['linux/amd64'], buildArgs: [] };

describe('the Go cache under no-cache', () => {
  it.each<[boolean, boolean]>([
    [true, true],
    [false, true],
  ])('go-cache %s, no-cache %s: restores nothing, touches neither docker nor the cache service', async (enabled, noCache) => {
    const reporter = new RecordingReporter();
    const state = new StateWriter((name, value) => reporter.saveState(name, value));
    const { result, session } = await goCacheBeforeBuild(
      {
        enabled,
        noCache,
        stream: true,
        buildPlatform: 'linux/amd64',
        plan,
        workDir: '/nonexistent',
        save: { mode: 'auto', maxBytes: Number.POSITIVE_INFINITY },
      },
      {
        reporter,
        state,
        docker: untouched<DockerClient>('docker'),
        service: untouched<CacheService>('service'),
        runId: '1',
        runAttempt: '1',
        ref: 'refs/heads/main',
      },
    );
    expect(session).toBeUndefined();
    expect(result.outputs['go-cache-hit']).toBe('false');
    expect(reporter.state).toEqual({});
    expect(reporter.annotations).toEqual([]);
    // Said once when the Go cache is on; go-cache: false stays silent, as before.
    expect(reporter.lines).toEqual(enabled ? [NO_CACHE_NOTE] : []);
  });

  it('says why, and what happens to the saved caches', () => {
    expect(NO_CACHE_NOTE).toMatch(
      /^Go cache: not restored and not saved: no-cache is true, and BuildKit then runs the build's cache mounts empty/,
    );
    expect(NO_CACHE_NOTE).toMatch(/The saved caches stay as they are/);
  });
});

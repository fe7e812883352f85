/** The main step's state as the post step reads it back: every key round-trips, anything malformed reads as absent. */
import { describe, expect, it } from 'vitest';
import { readPostState, StateWriter, type PostState } from '../../src/state.js';

function roundTrip(write: (w: StateWriter) => void): PostState {
  const saved: Record<string, string> = {};
  write(new StateWriter((name, value) => (saved[name] = value)));
  return readPostState((name) => saved[name] ?? '');
}

describe('state handed from the main step to the post step', () => {
  it('reads back every piece the main step wrote', () => {
    const state = roundTrip((w) => {
      w.workDir('/runner/temp/go-container-action-abc');
      w.smoke({ project: 'gca-smoke-1', files: ['/ws/compose.yaml'], cwd: '/ws' });
      w.goCacheEnv({ workspace: '/w/go-cache-workspace', temp: '/w/go-cache-temp' });
      w.goCacheSaves([{ key: 'k', prefix: 'p-', path: 'go-cache/v1-go-build-x', id: 'x', bytes: 3 }]);
      w.goCacheQuota({ mode: 'auto', supersede: true, ref: 'refs/pull/7/merge' });
      w.cacheDeleteStopped('denied');
    });
    expect(state).toEqual({
      workDir: '/runner/temp/go-container-action-abc',
      smoke: { project: 'gca-smoke-1', files: ['/ws/compose.yaml'], cwd: '/ws' },
      goCacheEnv: { workspace: '/w/go-cache-workspace', temp: '/w/go-cache-temp' },
      goCacheSaves: [{ key: 'k', prefix: 'p-', path: 'go-cache/v1-go-build-x', id: 'x', bytes: 3 }],
      goCacheQuota: { mode: 'auto', supersede: true, ref: 'refs/pull/7/merge' },
      cacheDeleteStopped: 'denied',
    });
  });

  it('a stack the main step removed itself is nothing to clean up', () => {
    expect(
      roundTrip((w) => {
        w.smoke({ project: 'gca-smoke-1', files: [], cwd: '/ws' });
        w.smoke(undefined);
      }).smoke,
    ).toBeUndefined();
  });

  it('nothing saved (a main step that stopped before its work) reads as nothing to do', () => {
    expect(readPostState(() => '')).toEqual({
      workDir: undefined,
      smoke: undefined,
      goCacheEnv: undefined,
      goCacheSaves: [],
      goCacheQuota: undefined,
      cacheDeleteStopped: undefined,
    });
  });

  it.each([
    ['not JSON', { smoke: '{', 'go-cache-env': 'x', 'go-cache-saves': '[', 'go-cache-quota': '{' }],
    [
      'other shapes',
      {
        smoke: '{"project":7,"cwd":"/ws"}',
        'go-cache-env': '{"workspace":"/w"}',
        'go-cache-saves': '{"key":"k"}',
        'go-cache-quota': '{"mode":"sometimes","supersede":true,"ref":"r"}',
      },
    ],
    [
      'an empty project name',
      { smoke: '{"project":"","files":[],"cwd":"/ws"}', 'go-cache-env': '[]', 'go-cache-saves': '[{"key":"k","path":"p","id":"i"}]' },
    ],
  ])('malformed state (%s) reads as absent, never as a crash', (_, saved: Record<string, string>) => {
    const state = readPostState((name) => saved[name] ?? '');
    expect(state).toEqual({
      workDir: undefined,
      smoke: undefined,
      goCacheEnv: undefined,
      goCacheSaves: [],
      goCacheQuota: undefined,
      cacheDeleteStopped: undefined,
    });
  });

  it('keeps only the file names of a smoke state that are strings', () => {
    const state = readPostState((name) => (name === 'smoke' ? '{"project":"p","files":["/a",3,null,"/b"],"cwd":"/ws"}' : ''));
    expect(state.smoke).toEqual({ project: 'p', files: ['/a', '/b'], cwd: '/ws' });
  });
});

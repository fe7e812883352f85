import { describe, expect, it } from 'vitest';
import {
  buildSeconds,
  comparison,
  describeRestored,
  describeSaved,
  entryKind,
  restoredCaches,
  savedSentence,
  sizeLine,
} from '../../scripts/demo/story.ts';

describe('the demo reads its facts from a run', () => {
  it.each([
    ['::group::Building linux/amd64\nBuilt linux/amd64, linux/arm64 in 38.8 s: sha256:abc\n', 38.8],
    ['Built linux/amd64 in 2 s\n', 2],
    ['Build failed: exit code 1\n', undefined],
    ["  Built linux/amd64 in 2 s (an indented line is not the pipeline's)\n", undefined],
  ])('build seconds of %j', (log, expected) => {
    expect(buildSeconds(log)).toBe(expected);
  });

  it.each([
    [undefined, []],
    ['not json', []],
    ['{"kind":"go-build"}', []],
    [
      '[{"id":"a","kind":"go-build","exact":false,"bytes":10,"files":2},{"kind":7}]',
      [{ id: 'a', kind: 'go-build', exact: false, bytes: 10, files: 2 }],
    ],
  ])('go-cache-restored %j', (output, expected) => {
    expect(restoredCaches(output)).toEqual(expected);
  });

  it.each([
    ['go-container-action-size-v1-0a1b-branch-2c3d-main-1a2b3c4', 'size-report'],
    ['go-container-action-v1-go-modules-go-pkg-mod-12345678-abcdef', 'go-modules'],
    ['go-container-action-v1-go-build-root-cache-go-build-12345678-linux_amd64-default-4242', 'go-build'],
    ['someone-elses-go-build-key', 'other'],
  ])('the entry %s holds a %s', (key, kind) => {
    expect(entryKind(key)).toBe(kind);
  });

  it('describes what was restored and what was saved, skipping unfinished and earlier entries', () => {
    expect(
      describeRestored([
        { id: 'a', kind: 'go-modules', key: 'k1', exact: true, bytes: 12_288, files: 8 },
        { id: 'b', kind: 'go-build', key: 'k2', exact: false, bytes: 3 << 20, files: 1921 },
        { id: 'c', kind: 'other', exact: false, bytes: 0, files: 0 },
      ]),
    ).toEqual([
      'go-modules: 8 files, 12.0 KiB (exact key: go.sum unchanged)',
      'go-build: 1921 files, 3.0 MiB (the newest saved for these platforms)',
      'other: nothing restored',
    ]);
    const entries = [
      { key: 'go-container-action-size-v1-x', size: 917, finalized: true },
      { key: 'go-container-action-v1-go-build-y', size: 5 << 20, finalized: true },
      { key: 'go-container-action-v1-go-modules-z', size: 10, finalized: false },
    ];
    expect(describeSaved(entries)).toEqual(['size report (the baseline) 917 B', 'Go build cache 5.0 MiB']);
    expect(describeSaved(entries, ['go-container-action-size-v1-x'])).toEqual(['Go build cache 5.0 MiB']);
  });

  it.each([
    [
      'nothing restored: everything new is listed',
      [],
      ['go-container-action-v1-go-modules-m2 2048', 'go-container-action-v1-go-build-b1 3145728'],
      'Go module cache 2.0 KiB, Go build cache 3.0 MiB',
    ],
    [
      'modules an exact hit and not saved',
      [
        { kind: 'go-modules', key: 'go-container-action-v1-go-modules-m1', exact: true },
        { kind: 'go-build', key: 'go-container-action-v1-go-build-b1', exact: false },
      ],
      ['go-container-action-v1-go-build-b2 1024'],
      'Go build cache 1.0 KiB; the go-modules cache was an exact hit, not saved again',
    ],
    ['nothing new at all', [{ kind: 'go-build', key: 'go-container-action-v1-go-build-b1', exact: false }], [], 'nothing'],
  ])('what was saved: %s', (_name, restored, fresh, expected) => {
    const old = [{ key: 'go-container-action-v1-go-modules-m1', size: 10, finalized: true }];
    const entries = [...old, ...fresh.map((f) => ({ key: f.split(' ')[0]!, size: Number(f.split(' ')[1]), finalized: true }))];
    const caches = restored.map((r) => ({ id: r.kind, bytes: 1, files: 1, ...r }));
    expect(savedSentence(entries, ['go-container-action-v1-go-modules-m1'], caches)).toBe(expected);
  });

  it.each([
    [38.8, 2.7, 1.6, 'cold build 38.8 s, PR build with the Go cache restored 2.7 s (0.07x), after a 1.6 s restore'],
    [40, 10, undefined, 'cold build 40.0 s, PR build with the Go cache restored 10.0 s (0.25x)'],
    [undefined, 10, 1, 'the build times could not be read from the log'],
  ])('compares %s s cold with %s s warm', (cold, warm, restore, expected) => {
    expect(comparison(cold, warm, restore)).toBe(expected);
  });

  it.each([
    [
      { platform: 'linux/amd64', compressedBytes: 2_590_000, deltaBytes: 92_970 },
      'linux/amd64: 2.59 MB compressed (+92.97 KB against the baseline)',
    ],
    [{ platform: 'linux/arm64', compressedBytes: 2_380_000, deltaBytes: null }, 'linux/arm64: 2.38 MB compressed'],
    [{ platform: 'linux/arm64', compressedBytes: 2_380_000, deltaBytes: 0 }, 'linux/arm64: 2.38 MB compressed (±0 B against the baseline)'],
  ])('a size line', (p, expected) => {
    expect(sizeLine(p)).toBe(expected);
  });
});

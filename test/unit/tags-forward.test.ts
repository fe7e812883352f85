/** Tags never go backwards: the kind of a tag, the verdict from what it names now, the registry read, the summary. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderBuildSummary } from '../../src/buildx/summary.js';
import type { BuildResult } from '../../src/buildx/docker.js';
import type { BuildPlan } from '../../src/buildx/plan.js';
import { renderMergeSummary } from '../../src/merge/summary.js';
import { RegistryGuards } from '../../src/oci/registry-client.js';
import { applyTags, taggingDeps, taggingResult } from '../../src/release/apply.js';
import { forwardTags } from '../../src/release/forward.js';
import {
  CREATED_LABEL,
  forwardVerdict,
  imageFacts,
  needsNewImage,
  REVISION_LABEL,
  tagKind,
  VERSION_LABEL,
  type CurrentImage,
  type ForwardVerdict,
  type ImageFacts,
  type TagKind,
  type Unreadable,
} from '../../src/release/monotonic.js';
import { FakeDocker, ok } from '../support/fake-docker.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { manifestOf, MemoryTagStore } from '../support/tag-store.js';

describe('tagKind: how a tag may move, from its name', () => {
  it.each<[string, boolean, TagKind]>([
    ['latest', false, 'version'],
    ['1', false, 'version'],
    ['1.2', false, 'version'],
    ['v2', false, 'version'],
    ['0.4', true, 'version'],
    ['1.2.3', false, 'exact'],
    ['v1.2.3', false, 'exact'],
    ['1.3.0-rc.1', true, 'exact'],
    ['sha-abc1234', false, 'exact'],
    ['edge', false, 'commit'],
    ['feature-login', false, 'commit'],
    ['pr-7', false, 'commit'],
    ['nightly', false, 'commit'],
    ['nightly', true, 'exact'],
  ])('%s (ref is a tag: %s) → %s', (tag, refIsTag, kind) => expect(tagKind(tag, refIsTag)).toBe(kind));
});

describe('imageFacts: the labels an image orders by', () => {
  it('reads version, created and revision; ignores what is not a string or not a time', () => {
    expect(
      imageFacts('sha256:a', { [VERSION_LABEL]: ' 1.2.0 ', [CREATED_LABEL]: '2026-01-02T03:04:05Z', [REVISION_LABEL]: 'abc', other: 1 }),
    ).toEqual({ digest: 'sha256:a', version: '1.2.0', created: Date.parse('2026-01-02T03:04:05Z'), revision: 'abc' });
    expect(imageFacts('sha256:a', { [VERSION_LABEL]: 5, [CREATED_LABEL]: 'yesterday' })).toEqual({ digest: 'sha256:a' });
    expect(imageFacts('sha256:a', null)).toEqual({ digest: 'sha256:a' });
  });
});

const T0 = Date.parse('2026-12-01T10:00:00Z');
const HOUR = 3_600_000;
const img = (digest: string, version?: string, created?: number, revision?: string): ImageFacts => ({ digest, version, created, revision });
const NEW = 'sha256:new';

describe('forwardVerdict: moves only forward', () => {
  it.each<[string, TagKind, CurrentImage, ImageFacts | Unreadable, Partial<ForwardVerdict>]>([
    ['an exact tag always moves', 'exact', img('sha256:old', '9.9.9'), img(NEW, '1.1.5'), { move: true }],
    ['a tag that does not exist yet moves', 'version', 'absent', { digest: NEW }, { move: true }],
    ['a higher version moves', 'version', img('sha256:old', '1.1.5'), img(NEW, '1.2.0'), { move: true }],
    [
      'a lower version stays, saying why',
      'version',
      img('sha256:old', '1.2.0'),
      img(NEW, '1.1.5'),
      { move: false, why: 'r/a:latest stays on 1.2.0, newer than 1.1.5' },
    ],
    [
      'the same version rebuilt moves (latest and 1.2.0 keep naming one image)',
      'version',
      img('sha256:old', '1.2.0'),
      img(NEW, '1.2.0'),
      { move: true },
    ],
    ['a release moves past its pre-release', 'version', img('sha256:old', '1.3.0-rc.1'), img(NEW, '1.3.0'), { move: true }],
    [
      'a pre-release does not pass its release',
      'version',
      img('sha256:old', '1.3.0'),
      img(NEW, '1.3.0-rc.2'),
      { move: false, why: 'r/a:latest stays on 1.3.0, newer than 1.3.0-rc.2' },
    ],
    ['rc.10 is newer than rc.9 (numeric identifiers)', 'version', img('sha256:old', '2.0.0-rc.9'), img(NEW, '2.0.0-rc.10'), { move: true }],
    ['10.0.0 is newer than 9.9.9 (not by text)', 'version', img('sha256:old', '9.9.9'), img(NEW, '10.0.0'), { move: true }],
    [
      'an image with no version label is taken over, with a note',
      'version',
      img('sha256:old', undefined, T0),
      img(NEW, '1.0.0', T0 - HOUR),
      { move: true, why: 'r/a:latest moved to 1.0.0: the image it named has no semver version label (none)' },
    ],
    [
      'a new image whose version is no semver orders by commit time',
      'version',
      img('sha256:old', 'main-aaaaaaa', T0),
      img(NEW, 'main-bbbbbbb', T0 - HOUR, 'b'.repeat(40)),
      { move: false },
    ],
    ['the same image again moves (a re-run)', 'version', img(NEW, '1.2.0'), { digest: NEW }, { move: true }],
    [
      'what the tag names cannot be read: it stays, as a fault',
      'version',
      { fault: 'HTTP 500' },
      { digest: NEW },
      { move: false, fault: true, why: 'r/a:latest stays where it was: could not read what it names now (HTTP 500)' },
    ],
    [
      "the new image's labels cannot be read: it stays, as a fault",
      'commit',
      img('sha256:old', 'x', T0),
      { fault: 'deadline' },
      { move: false, fault: true },
    ],
    ['a newer commit moves', 'commit', img('sha256:old', 'main-a', T0), img(NEW, 'main-b', T0 + HOUR), { move: true }],
    [
      'a commit of the same time moves (at least as new)',
      'commit',
      img('sha256:old', 'main-a', T0),
      img(NEW, 'main-b', T0),
      { move: true },
    ],
    [
      'an older commit stays, naming both commits',
      'commit',
      img('sha256:old', 'main-a', T0, 'a'.repeat(40)),
      img(NEW, 'main-b', T0 - HOUR, 'b'.repeat(40)),
      { move: false, why: 'r/a:latest stays on aaaaaaa (created 2026-12-01T10:00:00Z), newer than bbbbbbb (created 2026-12-01T09:00:00Z)' },
    ],
    [
      'an image with no labels at all is taken over, with a note',
      'commit',
      img('sha256:old'),
      img(NEW, 'main-b', T0),
      { move: true, why: 'r/a:latest moved: the image it named carries no version or created label to order by' },
    ],
    [
      'an image with a version but no created label is taken over, with a note',
      'commit',
      img('sha256:old', 'main-a'),
      img(NEW, 'main-b', T0),
      { move: true, why: `r/a:latest moved: the image it named has no ${CREATED_LABEL} label to order by` },
    ],
    ['a new image with no created label moves, with a note', 'commit', img('sha256:old', 'main-a', T0), img(NEW, 'main-b'), { move: true }],
  ])('%s', (_, kind, current, next, expected) => {
    const verdict = forwardVerdict('r/a:latest', kind, current, next);
    expect(verdict).toMatchObject({ tag: 'r/a:latest', ...expected });
    if (expected.move && !('why' in expected) && kind !== 'commit') expect(verdict.why).toBeUndefined();
  });

  it.each<[TagKind, CurrentImage, boolean]>([
    ['exact', img('sha256:old'), false],
    ['version', 'absent', false],
    ['version', { fault: 'x' }, false],
    ['version', img(NEW), false],
    ['commit', img('sha256:old'), false],
    ['commit', img('sha256:old', undefined, T0), true],
  ])('needsNewImage(%s, %j) = %s', (kind, current, needed) => expect(needsNewImage(kind, current, NEW)).toBe(needed));
});

/** An image in the store: an index over one platform manifest, whose config carries `labels`. */
function push(store: MemoryTagStore, repo: string, labels: Record<string, string>, tags: string[]): string {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: labels } }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  store.blobs.set(`${repo}@${configDigest}`, config);
  const manifest = manifestOf(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [],
    }),
    'application/vnd.oci.image.manifest.v1+json',
  );
  store.set(`${repo}@${manifest.digest}`, manifest);
  const index = manifestOf(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: manifest.mediaType,
          digest: manifest.digest,
          size: manifest.body.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    }),
  );
  store.set(`${repo}@${index.digest}`, index);
  for (const tag of tags) store.set(`${repo}:${tag}`, index);
  return index.digest;
}

const release = (version: string, created = T0): Record<string, string> => ({
  [VERSION_LABEL]: version,
  [CREATED_LABEL]: new Date(created).toISOString(),
});

describe('forwardTags: reads what each tag names, through an index to its config', () => {
  it('a backport keeps latest and 1, moves 1.1 and 1.1.5, and reads no tag it need not', async () => {
    const store = new MemoryTagStore();
    push(store, 'r/a', release('1.2.0'), ['latest', '1', '1.2', '1.2.0']);
    push(store, 'r/a', release('1.1.4'), ['1.1', '1.1.4']);
    const backport = push(store, 'r/a', release('1.1.5', T0 - HOUR), []);
    const plan = await forwardTags(['r/a:1.1.5', 'r/a:1.1', 'r/a:1', 'r/a:latest'], { digest: backport }, { store, refIsTag: true });
    expect(plan.move).toEqual(['r/a:1.1.5', 'r/a:1.1']);
    expect(plan.verdicts.filter((v) => !v.move).map((v) => v.why)).toEqual([
      'r/a:1 stays on 1.2.0, newer than 1.1.5',
      'r/a:latest stays on 1.2.0, newer than 1.1.5',
    ]);
    expect(store.calls).not.toContain('GET r/a:1.1.5');
    expect(plan.read).toBe(3);
  });

  it('a registry fault keeps the floating tags (with a fault) and still moves the exact ones', async () => {
    const store = new MemoryTagStore();
    push(store, 'r/a', release('1.0.0'), ['latest']);
    store.blobs.clear();
    const plan = await forwardTags(['r/a:1.0.1', 'r/a:latest', 'r/a:edge'], { digest: 'sha256:new' }, { store, refIsTag: false });
    expect(plan.move).toEqual(['r/a:1.0.1', 'r/a:edge']);
    expect(plan.verdicts[1]).toMatchObject({ move: false, fault: true });
    expect(plan.verdicts[1]!.why).toMatch(/^r\/a:latest stays where it was: could not read what it names now \(blob unknown: r\/a@sha256:/);
  });

  it('a manifest that is not JSON is a fault; one that names no config is an unlabelled image', async () => {
    const store = new MemoryTagStore().set('r/a:edge', manifestOf('not json')).set('r/a:main', manifestOf('{"old":1}'));
    const pushed = push(store, 'r/a', release('main-b'), []);
    const plan = await forwardTags(['r/a:edge', 'r/a:main'], { digest: pushed }, { store, refIsTag: false });
    expect(plan.verdicts[0]).toMatchObject({ move: false, fault: true });
    expect(plan.verdicts[0]!.why).toContain('not JSON');
    expect(plan.verdicts[1]).toMatchObject({
      move: true,
      why: 'r/a:main moved: the image it named carries no version or created label to order by',
    });
  });
});

describe('the move with the forward check: what stays is said, not failed, and left out of the tags output', () => {
  it('moves only the tags that go forward, says the others in the build and merge summaries', async () => {
    const store = new MemoryTagStore();
    push(store, 'r/a', release('1.2.0'), ['latest', '1']);
    const backport = push(store, 'r/a', release('1.1.5'), []);
    const moved: string[] = [];
    const docker = new FakeDocker({
      imagetoolsCreate: async (argv) => {
        moved.push(...argv.filter((_, i) => argv[i - 1] === '--tag'));
        return ok();
      },
    });
    const reporter = new RecordingReporter();
    const deps = taggingDeps(
      { docker, reporter, tagStore: store, ctx: { deadlineScale: 1, ref: 'refs/tags/v1.1.5' } },
      new RegistryGuards(),
      { output: () => undefined },
    );
    const tags = ['r/a:1.1.5', 'r/a:1.1', 'r/a:1', 'r/a:latest'];
    const outcome = await applyTags(tags, { digest: backport, mediaType: 'application/vnd.oci.image.index.v1+json' }, undefined, deps);
    expect(moved).toEqual(['r/a:1.1.5', 'r/a:1.1']);
    const { result, tagging } = taggingResult(outcome, backport);
    expect(result).toEqual({ outputs: { tags: 'r/a:1.1.5\nr/a:1.1' }, failures: [] });
    expect(tagging).toEqual({
      applied: true,
      kept: ['r/a:1', 'r/a:latest'],
      forward: ['r/a:1 stays on 1.2.0, newer than 1.1.5', 'r/a:latest stays on 1.2.0, newer than 1.1.5'],
    });
    expect(reporter.annotations).toEqual([
      { level: 'notice', message: 'r/a:1 stays on 1.2.0, newer than 1.1.5: it stays (tags never go backwards).', props: undefined },
      { level: 'notice', message: 'r/a:latest stays on 1.2.0, newer than 1.1.5: it stays (tags never go backwards).', props: undefined },
    ]);
    const merge = renderMergeSummary({ records: [], missing: [], tags, push: true, digest: backport, tagging });
    expect(merge).toContain(
      'Tags: `r/a:1.1.5`, `r/a:1.1` ✅ now name the index\n- r/a:1 stays on 1.2.0, newer than 1.1.5\n- r/a:latest stays on 1.2.0, newer than 1.1.5',
    );
    const plan = {
      tags,
      platforms: ['linux/amd64'],
      push: true,
      load: false,
      pushByDigest: { repositories: ['r/a'] },
    } as unknown as BuildPlan;
    const build = { ok: true, metadata: {} } as unknown as BuildResult;
    const md = renderBuildSummary({ plan, version: '1.1.5', build, seconds: 1, tagging });
    expect(md).toContain('<br>_r/a:latest stays on 1.2.0, newer than 1.1.5_');
    expect(md).toContain('| Output | pushed by digest, then tagged |');
  });
});

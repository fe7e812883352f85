/** Tags move all together or not at all: what to put back, the state lines, the move with its faults, a cancel while tagging. */
import { describe, expect, it } from 'vitest';
import { renderBuildSummary, type TagState } from '../../src/buildx/summary.js';
import type { BuildResult } from '../../src/buildx/docker.js';
import type { BuildPlan } from '../../src/buildx/plan.js';
import { tagIndexStage } from '../../src/merge/stage.js';
import { renderMergeSummary } from '../../src/merge/summary.js';
import { RegistryGuards } from '../../src/oci/registry-client.js';
import { applyTags, taggingResult, type TaggingDeps } from '../../src/release/apply.js';
import { rollbackHeadline, standingLine, tagsNaming, undoAction, type TagStanding, type UndoAction } from '../../src/release/rollback.js';
import type { TagContent } from '../../src/release/tag-store.js';
import { escapeMarkdown } from '../../src/util/markdown.js';
import { Cancellation, type CancelSignal, type Undo } from '../../src/util/cancel.js';
import { ChildRegistry } from '../../src/util/children.js';
import { failed, FakeDocker, ok } from '../support/fake-docker.js';
import { RecordingReporter } from '../support/recording-reporter.js';
import { manifestOf, MemoryTagStore } from '../support/tag-store.js';

const OLD = manifestOf('{"old":1}', 'application/vnd.oci.image.manifest.v1+json');
const NEW = manifestOf('{"new":1}', 'application/vnd.oci.image.manifest.v1+json');
const OTHER = manifestOf('{"other":1}', 'application/vnd.oci.image.manifest.v1+json');
const LONE = { digest: NEW.digest, mediaType: NEW.mediaType };

describe('undoAction: what puts one tag back', () => {
  it.each<[string, TagContent, TagContent | 'unknown', UndoAction]>([
    ['absent before, absent now: nothing', 'absent', 'absent', { kind: 'none' }],
    ['absent before, moved: delete the tag', 'absent', NEW, { kind: 'delete' }],
    ['absent before, unreadable now: delete the tag', 'absent', 'unknown', { kind: 'delete' }],
    ['at OLD before, at OLD now: nothing', OLD, OLD, { kind: 'none' }],
    ['at OLD before, moved: put OLD back', OLD, NEW, { kind: 'put', content: OLD }],
    ['at OLD before, removed since: put OLD back', OLD, 'absent', { kind: 'put', content: OLD }],
    ['at OLD before, unreadable now: put OLD back', OLD, 'unknown', { kind: 'put', content: OLD }],
    ['at NEW before (a re-run), at NEW now: nothing', NEW, NEW, { kind: 'none' }],
  ])('%s', (_, before, now, action) => expect(undoAction(before, now)).toEqual(action));
});

describe('standingLine: where one tag stands, in words', () => {
  it.each<[TagStanding, string]>([
    [{ tag: 'r/a:edge', state: 'moved', names: NEW.digest }, 'r/a:edge: moved to the new image'],
    [{ tag: 'r/a:edge', state: 'kept', names: OLD.digest }, `r/a:edge: not moved, still at ${OLD.digest}`],
    [{ tag: 'r/a:edge', state: 'kept' }, 'r/a:edge: not moved, still absent'],
    [{ tag: 'r/a:edge', state: 'kept', names: NEW.digest }, 'r/a:edge: named the new image already'],
    [{ tag: 'r/a:edge', state: 'restored', names: OLD.digest }, `r/a:edge: put back to its old digest ${OLD.digest}`],
    [{ tag: 'r/a:1', state: 'removed' }, 'r/a:1: removed (it did not exist before)'],
    [
      { tag: 'r/a:1', state: 'stuck', names: NEW.digest, why: 'HTTP 400' },
      'r/a:1: could not be put back (HTTP 400); it names the new image',
    ],
    [
      { tag: 'r/a:1', state: 'stuck', names: OTHER.digest, why: 'HTTP 500' },
      `r/a:1: could not be put back (HTTP 500); it names ${OTHER.digest}`,
    ],
    [{ tag: 'r/a:1', state: 'stuck', why: 'timeout', unknown: true }, 'r/a:1: could not be put back (timeout); what it names is unknown'],
    [{ tag: 'r/a:1', state: 'stuck', why: 'HTTP 500' }, 'r/a:1: could not be put back (HTTP 500); it does not exist'],
  ])('%j', (standing, line) => expect(standingLine(standing, NEW.digest)).toBe(line));

  it.each<[TagStanding[], string]>([
    [[], 'no tag moved: every tag is where it was'],
    [
      [
        { tag: 'a', state: 'restored' },
        { tag: 'b', state: 'removed' },
      ],
      'no tag moved: every tag is where it was',
    ],
    [[{ tag: 'a', state: 'stuck' }], 'a tag could not be put back: a'],
    [
      [
        { tag: 'a', state: 'stuck' },
        { tag: 'b', state: 'kept' },
        { tag: 'c', state: 'stuck' },
      ],
      '2 tags could not be put back: a, c',
    ],
  ])('rollbackHeadline(%j) = %s', (standings, headline) => expect(rollbackHeadline(standings)).toBe(headline));

  it('tagsNaming keeps only the tags that name the new image', () => {
    const standings: TagStanding[] = [
      { tag: 'a', state: 'restored', names: OLD.digest },
      { tag: 'b', state: 'stuck', names: NEW.digest },
      { tag: 'c', state: 'kept', names: NEW.digest },
      { tag: 'd', state: 'removed' },
    ];
    expect(tagsNaming(standings, NEW.digest)).toEqual(['b', 'c']);
  });
});

function deps(store: MemoryTagStore, over: Partial<TaggingDeps> = {}): TaggingDeps {
  return { docker: new FakeDocker(), guards: new RegistryGuards(), log: () => undefined, store, rollbackStore: store, ...over };
}

/** The registry before each move: edge names OLD, 1.0 and latest do not exist; the image is pushed by digest. */
function registry(): MemoryTagStore {
  return new MemoryTagStore().set('r/a:edge', OLD).set('r/a@pushed', NEW);
}

describe('applyTags with a lone manifest: all tags or none', () => {
  it('moves every tag when every PUT passes', async () => {
    const store = registry();
    const outcome = await applyTags(['r/a:1.0', 'r/a:edge'], LONE, undefined, deps(store));
    expect(outcome.failure).toBeUndefined();
    expect(outcome.applied).toEqual(['r/a:1.0', 'r/a:edge']);
    expect([store.digestOf('r/a:1.0'), store.digestOf('r/a:edge')]).toEqual([NEW.digest, NEW.digest]);
    expect(store.calls.slice(0, 2)).toEqual(['GET r/a:1.0', 'GET r/a:edge']);
  });

  it('a refused PUT of the last tag puts the moved ones back: edge to its old digest, 1.0 removed', async () => {
    const store = registry();
    store.refusePut.set('r/a:latest', 'r answered HTTP 500 for PUT r/a/manifests/latest');
    const outcome = await applyTags(['r/a:1.0', 'r/a:edge', 'r/a:latest'], LONE, undefined, deps(store));
    expect(store.digestOf('r/a:edge')).toBe(OLD.digest);
    expect(store.refs.has('r/a:1.0')).toBe(false);
    expect(store.refs.has('r/a:latest')).toBe(false);
    expect(outcome.applied).toEqual([]);
    expect(outcome.reason).toBe('tagging failed; no tag moved: every tag is where it was');
    expect(outcome.failure).toBe(
      `Could not tag r/a@${NEW.digest} as r/a:1.0, r/a:edge, r/a:latest: r answered HTTP 500 for PUT r/a/manifests/latest; ` +
        'no tag moved: every tag is where it was. Where each tag stands now: r/a:1.0: removed (it did not exist before); ' +
        `r/a:edge: put back to its old digest ${OLD.digest}; r/a:latest: not moved, still absent.`,
    );
  });

  it('a registry that cannot delete a tag: the tag is named as not put back, and stays in the tags output', async () => {
    const store = registry();
    store.refusePut.set('r/a:latest', 'HTTP 500');
    store.refuseDelete.set('r/a:1.0', 'r answered HTTP 400 for DELETE r/a/manifests/1.0');
    const outcome = await applyTags(['r/a:1.0', 'r/a:edge', 'r/a:latest'], LONE, undefined, deps(store));
    expect(outcome.applied).toEqual(['r/a:1.0']);
    expect(outcome.reason).toBe('tagging failed; a tag could not be put back: r/a:1.0');
    expect(outcome.failure).toContain(
      'r/a:1.0: could not be put back (the registry did not remove the tag: r answered HTTP 400 for DELETE r/a/manifests/1.0); it names the new image',
    );
    const { result, tagging } = taggingResult(outcome, NEW.digest);
    expect(result.outputs).toEqual({ tags: 'r/a:1.0' });
    expect(tagging).toEqual({
      applied: false,
      reason: 'tagging failed; a tag could not be put back: r/a:1.0',
      standings: [
        'r/a:1.0: could not be put back (the registry did not remove the tag: r answered HTTP 400 for DELETE r/a/manifests/1.0); it names the new image',
        `r/a:edge: put back to its old digest ${OLD.digest}`,
        'r/a:latest: not moved, still absent',
      ],
    });
  });

  it('a tag that cannot be read before the move: nothing moves', async () => {
    const store = registry();
    store.read = async () => Promise.reject(new Error('r answered HTTP 503 for r/a/manifests/edge'));
    const outcome = await applyTags(['r/a:1.0', 'r/a:edge'], LONE, undefined, deps(store));
    expect(store.calls.filter((c) => c.startsWith('PUT'))).toEqual([]);
    expect(outcome.failure).toBe(
      'Could not read what r/a:1.0, r/a:edge name now, so no tag moved: r answered HTTP 503 for r/a/manifests/edge',
    );
    expect(outcome.applied).toEqual([]);
  });
});

/** A cancellation's hooks, without signals: the test fires the registered undo itself. */
class Hooks {
  readonly undos = new Set<Undo>();
  onCancel(undo: Undo): () => void {
    this.undos.add(undo);
    return () => this.undos.delete(undo);
  }
  async fire(signal: CancelSignal): Promise<void> {
    for (const undo of this.undos) await undo(signal);
  }
}

describe('a cancel while tagging', () => {
  it('stops the held PUT, puts the moved tags back, says so per tag and sets the tags output', async () => {
    const store = registry();
    store.hold.add('r/a:latest');
    const hooks = new Hooks();
    const said: { message: string; applied: string[]; standings: string[] }[] = [];
    const moving = applyTags(
      ['r/a:1.0', 'r/a:edge', 'r/a:latest'],
      LONE,
      undefined,
      deps(store, {
        cancel: hooks,
        cancelled: (message, applied, standings) => void said.push({ message, applied, standings }),
      }),
    );
    await store.held;
    await hooks.fire('SIGTERM');
    expect(store.digestOf('r/a:edge')).toBe(OLD.digest);
    expect(store.refs.has('r/a:1.0')).toBe(false);
    expect(said).toHaveLength(1);
    expect(said[0]!.applied).toEqual([]);
    expect(said[0]!.standings).toEqual([
      'r/a:1.0: removed (it did not exist before)',
      `r/a:edge: put back to its old digest ${OLD.digest}`,
      'r/a:latest: not moved, still absent',
    ]);
    expect(said[0]!.message).toMatch(
      new RegExp(
        '^Cancelled \\(SIGTERM\\) during tagging; no tag moved: every tag is where it was \\(in \\d+ ms\\)\\. Where each tag stands now: ' +
          `r/a:1\\.0: removed \\(it did not exist before\\); r/a:edge: put back to its old digest ${OLD.digest}; r/a:latest: not moved, still absent\\.$`,
      ),
    );
    const outcome = await moving;
    expect(outcome.failure).toMatch(/: cancelled; no tag moved/);
    // Put back once: the move's own failure waits for the same rollback.
    expect(store.calls.filter((c) => c.startsWith('PUT r/a:edge'))).toEqual([`PUT r/a:edge ${NEW.digest}`, `PUT r/a:edge ${OLD.digest}`]);
    // Released once tagging ended: a later cancel undoes nothing.
    expect(hooks.undos.size).toBe(0);
  });

  it('the step runs the undo once its children are ended, before its cleanup, and exits 143', async () => {
    const order: string[] = [];
    const registry = new ChildRegistry();
    const cancellation = new Cancellation({ registry, log: (m) => order.push(m), exit: () => undefined, graceMs: 100, cleanupMs: 1000 });
    cancellation.setCleanup(async () => void order.push('cleanup'));
    cancellation.onCancel(async (signal) => void order.push(`undo ${signal}`));
    const released = cancellation.onCancel(async () => void order.push('released undo'));
    released();
    cancellation.receive('SIGTERM');
    expect(await cancellation.stop()).toBe(143);
    expect(order).toEqual(['Cancelled (SIGTERM): ending 0 running commands.', 'undo SIGTERM', 'cleanup']);
  });
});

describe("the merge job's tagging: the index's tags all together or not at all", () => {
  it('puts the moved tags back when imagetools refuses the second repository, and says so in the merge summary', async () => {
    const index = manifestOf('{"manifests":[]}');
    const store = new MemoryTagStore().set('r/a:1', OLD);
    const docker = new FakeDocker({
      imagetoolsCreate: async (argv) => {
        if (argv.includes('q/b:1')) return failed('ERROR: unexpected status: 500 Internal Server Error');
        for (const tag of argv.filter((_, i) => argv[i - 1] === '--tag')) store.set(tag, index);
        return ok();
      },
    });
    const reporter = new RecordingReporter();
    const outputs: string[] = [];
    const { result, tagging } = await tagIndexStage(
      ['r/a:1', 'r/a:latest', 'q/b:1'],
      index,
      { docker, guards: new RegistryGuards(), reporter, ctx: { deadlineScale: 1 }, tagStore: store },
      { output: (_, value) => outputs.push(value) },
    );
    expect(store.digestOf('r/a:1')).toBe(OLD.digest);
    expect(store.refs.has('r/a:latest')).toBe(false);
    expect(result.outputs).toEqual({ tags: '' });
    expect(result.failures).toEqual([
      `Could not tag q/b@${index.digest} as q/b:1: ERROR: unexpected status: 500 Internal Server Error; no tag moved: every tag is where it was. ` +
        `Where each tag stands now: r/a:1: put back to its old digest ${OLD.digest}; r/a:latest: removed (it did not exist before); q/b:1: not moved, still absent.`,
    ]);
    const md = renderMergeSummary({
      records: [],
      missing: [],
      tags: ['r/a:1', 'r/a:latest', 'q/b:1'],
      push: true,
      digest: index.digest,
      tagging,
    });
    expect(md).toContain(
      [
        'Tags: ❌ tagging failed; no tag moved: every tag is where it was',
        `- r/a:1: put back to its old digest ${OLD.digest}`,
        `- ${escapeMarkdown('r/a:latest: removed (it did not exist before)')}`,
        '- q/b:1: not moved, still absent',
      ].join('\n'),
    );
  });
});

describe("the build summary's Tags row after a failed move", () => {
  it('lists each tag with where it stands', () => {
    const plan = {
      platforms: ['linux/amd64'],
      tags: ['r/a:1.0', 'r/a:edge'],
      push: true,
      load: false,
      pushByDigest: {},
    } as unknown as BuildPlan;
    const build = { ok: true, metadata: { raw: {} } } as BuildResult;
    const tagging: TagState = {
      applied: false,
      reason: 'tagging failed; no tag moved: every tag is where it was',
      standings: ['r/a:1.0: removed (it did not exist before)', `r/a:edge: put back to its old digest ${OLD.digest}`],
    };
    const md = renderBuildSummary({ plan, version: '1', build, seconds: 1, tagging });
    expect(md).toContain(
      `<br>_tagging failed; no tag moved: every tag is where it was_<br>_${escapeMarkdown('r/a:1.0: removed (it did not exist before)')}_` +
        `<br>_r/a:edge: put back to its old digest ${OLD.digest}_ |`,
    );
    expect(md).toContain('| Output | pushed by digest only |');
  });
});

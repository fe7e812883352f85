/**
 * Tags move all together or not at all, against the stack's registry behind a proxy of our own
 * that fails the PUT of one tag: refused (HTTP 500), held while the step gets SIGTERM, or
 * stalled past the (scaled) registry deadline. Before the move `edge` names an older image and
 * `1.0` and `latest` do not exist; `latest` is the tag whose PUT fails, after `1.0` and `edge` moved.
 * The stack's registry (distribution 2.8) cannot delete a tag (DELETE by tag answers 400), so
 * `1.0` is named as not put back and is the one tag the `tags` output keeps.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryProxy, type TagFault } from '../support/registry-proxy.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { registryManifest, registryTags, removeTestImages, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

afterAll(() => removeTestImages());

const app = copyApp('test/fixtures/dockerfile/tiny');
afterAll(() => app.remove());

/** The registry's deadlines with GO_CONTAINER_ACTION_DEADLINE_SCALE=0.1: a call 1.5 s, a run 6 s. */
const SCALE = 0.1;
/** The runner's window from its first signal (SIGINT) to its kill: 7.5 s, then 2.5 s after SIGTERM. */
const RUNNER_WINDOW_MS = 10_000;

/** Puts a small image (an empty config, no layer) under `repo:tag` in the stack's registry; returns its digest. */
async function seedTag(repo: string, tag: string): Promise<string> {
  const base = `http://${stack.registry}/v2/${repo}`;
  const config = Buffer.from(`{"seed":"${repo}"}`);
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(started.headers.get('location')!, base);
  location.searchParams.set('digest', configDigest);
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: config });
  if (put.status !== 201) throw new Error(`seeding ${repo}: blob PUT answered ${put.status}`);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [],
  });
  const res = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`seeding ${repo}:${tag}: manifest PUT answered ${res.status}`);
  return res.headers.get('docker-content-digest')!;
}

interface Case {
  run: ActionRun;
  proxy: RegistryProxy;
  repo: string;
  image: string;
  oldEdge: string;
}

async function runWith(fault: TagFault['mode'], extra: { signal?: AbortSignal; env?: Record<string, string> } = {}): Promise<Case> {
  const repo = uniqueName(`e2e/tag-rollback-${fault}`);
  const oldEdge = await seedTag(repo, 'edge');
  const proxy = new RegistryProxy(stack.registry, { tag: 'latest', mode: fault });
  const host = await proxy.start();
  const image = `${host}/${repo}`;
  const aborter = new AbortController();
  if (fault === 'hold') void proxy.held.then(() => aborter.abort());
  try {
    const run = await runAction({
      workspace: app.dir,
      inputs: {
        // No attestation: a lone image manifest, whose tags are PUT one by one (the path these faults hit); an index goes through imagetools.
        ...{ platforms: 'linux/amd64', 'dockerfile-checks': 'off', push: 'true', provenance: 'false' },
        tags: `${image}:1.0\n${image}:edge\n${image}:latest`,
      },
      env: { GO_CONTAINER_ACTION_DEADLINE_SCALE: String(SCALE), ...extra.env },
      ...(fault === 'hold' ? { signal: aborter.signal, cancelSignal: 'SIGTERM' as const } : {}),
    });
    return { run, proxy, repo, image, oldEdge };
  } finally {
    await proxy.stop();
  }
}

const errors = (run: ActionRun): string[] =>
  annotations(run.main.stdout)
    .filter((a) => a.level === 'error')
    .map((a) => a.message);

/** The stack's registry after the step: edge back, latest never there, 1.0 still on the new image (this registry cannot delete a tag). */
async function expectPutBack(c: Case): Promise<void> {
  expect((await registryManifest(c.repo, 'edge')).digest).toBe(c.oldEdge);
  expect((await registryTags(c.repo)).tags).toEqual(['1.0', 'edge']);
  expect((await registryManifest(c.repo, '1.0')).digest).not.toBe(c.oldEdge);
}

/** The per-tag states the message and the summary carry. */
function stateLines(c: Case): RegExp[] {
  return [
    new RegExp(
      `${c.image}:1\\.0: could not be put back \\(the registry did not remove the tag: \\S+ answered HTTP 400 for DELETE [^)]*\\); it names the new image`,
    ),
    new RegExp(`${c.image}:edge: put back to its old digest ${c.oldEdge}`),
    new RegExp(`${c.image}:latest: not moved, still absent`),
  ];
}

describe.each<['refuse' | 'stall', RegExp]>([
  ['refuse', /answered HTTP 500 for PUT \S+\/manifests\/latest/],
  ['stall', /the registry 127\.0\.0\.1:\d+ \(PUT manifests\/latest\) did not answer in 1\.5 s/],
])('the PUT of the last tag fails (%s)', (fault, cause) => {
  let c: Case;
  beforeAll(async () => {
    c = await runWith(fault);
  }, 600_000);

  it('fails the step, naming the cause and where each tag stands now', () => {
    expect(c.run.main.exitCode, c.run.main.stdout).toBe(1);
    const failure = errors(c.run).find((m) => m.startsWith('Could not tag '));
    expect(failure, c.run.main.stdout).toBeDefined();
    expect(failure).toMatch(cause);
    expect(failure).toContain(`a tag could not be put back: ${c.image}:1.0`);
    for (const line of stateLines(c)) expect(failure).toMatch(line);
  });

  it('put every tag it could back: edge at its old digest, latest never there', async () => {
    await expectPutBack(c);
  });

  it('lists in the tags output only the tag that names the new image', () => {
    expect(c.run.main.outputs.tags).toBe(`${c.image}:1.0`);
  });

  it("says each tag's state in the summary", () => {
    expect(c.run.summary).toContain('| Output | pushed by digest only |');
    expect(c.run.summary).toMatch(/tagging failed; a tag could not be put back/);
    expect(c.run.summary).toContain('put back to its old digest');
  });
});

describe('SIGTERM while the PUT of the last tag is held', () => {
  let c: Case;
  beforeAll(async () => {
    c = await runWith('hold');
  }, 600_000);

  it('exits 143, saying it was cancelled during tagging and where each tag stands', () => {
    expect(c.run.main.cancelledAtMs, c.run.main.stdout).toBeDefined();
    expect(c.run.main.exitCode, c.run.main.stderr).toBe(143);
    const message = errors(c.run).find((m) => m.startsWith('Cancelled (SIGTERM) during tagging'));
    expect(message, c.run.main.stdout).toBeDefined();
    for (const line of stateLines(c)) expect(message).toMatch(line);
  });

  it("put the tags back within the cancel's window, and says how long it took", async () => {
    await expectPutBack(c);
    const afterSignal = c.run.main.durationMs - c.run.main.cancelledAtMs!;
    const took = Number(/\(in (\d+) ms\)/.exec(errors(c.run).join('\n'))?.[1]);
    console.log(`SIGTERM during tagging: tags put back in ${took} ms; the step exited ${afterSignal} ms after the signal`);
    expect(took).toBeLessThan(RUNNER_WINDOW_MS / 2);
    expect(afterSignal).toBeLessThan(RUNNER_WINDOW_MS / 2);
  });

  it('lists in the tags output only the tag that names the new image', () => {
    expect(c.run.main.outputs.tags).toBe(`${c.image}:1.0`);
  });

  it("writes the job summary before the step ends, with each tag's state", () => {
    expect(c.run.summary).toContain('| Output | pushed by digest only |');
    expect(c.run.summary).toContain('cancelled during tagging');
    expect(c.run.summary).toContain(`put back to its old digest ${c.oldEdge}`);
    expect(c.run.summary).toContain('not moved, still absent');
  });
});

/**
 * An empty `provenance` input gives docker/build-push-action's default, end to end on the real
 * stack: a push from a public repository carries a max-mode provenance naming the run as its
 * builder, one from a private repository a min-mode one; the size report leaves the attestation
 * manifest (platform unknown/unknown) out either way. The builder is a docker-container one, as
 * docker/setup-buildx-action makes: min mode's inline-only attaches to the image exporter's push.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { builders, registryBlob, registryManifest, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('examples/hello');
afterAll(() => app.remove());

const RUN_URL = 'https://github.com/octo-org/hello/actions/runs/4242/attempts/1';

interface Descriptor {
  digest: string;
  mediaType: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

interface Provenance {
  /** The index's manifests, by platform (`unknown/unknown` for an attestation). */
  platforms: string[];
  /** The SLSA provenance predicate of the attestation manifest, when there is one. */
  predicate?: { builder?: { id?: string }; buildConfig?: unknown };
}

/** The index a push made, and the provenance its attestation manifest holds. */
async function provenanceOf(repo: string, digest: string): Promise<Provenance> {
  const index = (await registryManifest(repo, digest)).body as { manifests: Descriptor[] };
  const platforms = index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`);
  const attestation = index.manifests.find((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
  if (!attestation) return { platforms };
  const manifest = (await registryManifest(repo, attestation.digest)).body as {
    layers: (Descriptor & { annotations?: Record<string, string> })[];
  };
  const layer = manifest.layers.find((l) => l.annotations?.['in-toto.io/predicate-type']?.startsWith('https://slsa.dev/provenance/'));
  if (!layer) return { platforms };
  const statement = JSON.parse((await registryBlob(repo, layer.digest)).toString()) as { predicate: Provenance['predicate'] };
  return { platforms, predicate: statement.predicate };
}

describe.each([
  { name: 'a public repository', event: { repository: { private: false, visibility: 'public' } }, mode: 'mode=max' },
  { name: 'a private repository', event: { repository: { private: true, visibility: 'private' } }, mode: 'mode=min,inline-only=true' },
])('a push with an empty provenance input from $name', ({ event, mode }) => {
  const repo = uniqueName('e2e/provenance');
  const image = `${stack.registry}/${repo}`;
  let run: ActionRun;
  let provenance: Provenance;

  beforeAll(async () => {
    run = await runAction({
      workspace: app.dir,
      event,
      // A docker-container builder, as docker/setup-buildx-action makes: BuildKit's image exporter pushes.
      inputs: {
        tags: `${image}:1`,
        push: 'true',
        builder: builders.container,
        'build-args': `GO_IMAGE=${builders.goImage}`,
        'go-cache': 'false',
      },
    });
    provenance = run.main.outputs.digest ? await provenanceOf(repo, run.main.outputs.digest) : { platforms: [] };
  });

  it('builds and pushes (main and post exit 0)', () => {
    expect(annotations(run.main.stdout).filter((a) => a.level === 'error')).toEqual([]);
    expect(run.main.exitCode).toBe(0);
    expect(run.post?.exitCode).toBe(0);
  });

  it(`asks buildx for build-push-action's default (${mode}, the run as builder-id)`, () => {
    expect(run.main.stdout).toContain(`--provenance ${mode},builder-id=${RUN_URL}`);
  });

  it('pushed an attestation manifest next to the image, naming the run as builder', () => {
    expect(provenance.platforms).toEqual(['linux/amd64', 'unknown/unknown']);
    expect(provenance.predicate?.builder?.id).toBe(RUN_URL);
    // Max mode records the build's definition; min mode does not.
    expect(provenance.predicate?.buildConfig !== undefined).toBe(mode === 'mode=max');
  });

  it('the size report leaves the attestation manifest out', () => {
    const report = JSON.parse(run.main.outputs['size-report']!) as { platforms: { platform: string }[] };
    expect(report.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
  });
});

import { describe, expect, it } from 'vitest';
import { buildxArgv, planBuild } from '../../src/buildx/plan.js';
import { NO_EXTRAS } from '../../src/buildx/extras.js';
import { buildkitTooOldToAttest, effectiveProvenance, type ProvenanceFacts } from '../../src/buildx/provenance.js';
import { contextFromEnv, isPrivateRepository } from '../../src/context.js';
import { testPlan } from '../support/samples.js';

const RUN = 'https://github.com/o/r/actions/runs/42/attempts/2';
const publicCtx = { serverUrl: 'https://github.com', repository: 'o/r', runId: '42', runAttempt: '2', privateRepository: false };
const privateCtx = { ...publicCtx, privateRepository: true };

describe('effectiveProvenance: build-push-action’s default when the input is empty', () => {
  it.each<[string, Partial<ProvenanceFacts>, string | undefined]>([
    ['a public repository: max, the run as builder', {}, `mode=max,builder-id=${RUN}`],
    ['a private repository: min, inline only', { ctx: privateCtx }, `mode=min,inline-only=true,builder-id=${RUN}`],
    ['a given value is kept as it is', { given: 'mode=min' }, 'mode=min'],
    ['false is kept (no attestation)', { given: 'false' }, 'false'],
    ['BUILDX_NO_DEFAULT_ATTESTATIONS: none', { ctx: { ...publicCtx, noDefaultAttestations: true } }, undefined],
    ['the docker exporter (load): none', { dockerExporter: true }, undefined],
    ['a BuildKit older than 0.11: none', { buildkit: 'v0.10.6' }, undefined],
    ['BuildKit 0.11: max', { buildkit: 'v0.11.0' }, `mode=max,builder-id=${RUN}`],
    ['an engine that does not say its BuildKit: max', { buildkit: 'v0.0.0+unknown' }, `mode=max,builder-id=${RUN}`],
    ['no run to name: the mode alone', { ctx: { serverUrl: 'https://github.com', repository: 'o/r' } }, 'mode=max'],
  ])('%s', (_, over, expected) => {
    expect(effectiveProvenance({ ctx: publicCtx, dockerExporter: false, ...over })).toBe(expected);
  });

  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['v0.0.0+unknown', false],
    ['v0.10.6', true],
    ['0.9.3', true],
    ['v0.11.0', false],
    ['v1.0.0', false],
  ])('BuildKit %s too old to attest: %s', (version, expected) => {
    expect(buildkitTooOldToAttest(version)).toBe(expected);
  });
});

describe('isPrivateRepository: from the event payload', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['no repository: public', {}, false],
    ['private: true', { repository: { private: true } }, true],
    ['private: false', { repository: { private: false, visibility: 'public' } }, false],
    ['visibility internal without private', { repository: { visibility: 'internal' } }, true],
    ['visibility public', { repository: { visibility: 'public' } }, false],
    ['private is not a boolean: visibility decides', { repository: { private: 'yes', visibility: 'public' } }, false],
  ])('%s', (_, payload, expected) => {
    expect(isPrivateRepository(payload)).toBe(expected);
  });

  it('reaches the run context, with BUILDX_NO_DEFAULT_ATTESTATIONS', () => {
    const ctx = contextFromEnv({ BUILDX_NO_DEFAULT_ATTESTATIONS: '1' }, { repository: { private: true } }, '/w', '/t');
    expect(ctx.privateRepository).toBe(true);
    expect(ctx.noDefaultAttestations).toBe(true);
    expect(contextFromEnv({}, {}, '/w', '/t')).toMatchObject({ privateRepository: false, noDefaultAttestations: false });
  });
});

describe('the build argv with an empty provenance input', () => {
  const settings = { ...testPlan(), reproducible: false, extras: NO_EXTRAS };
  const plan = (over: Partial<typeof settings>, ctx = publicCtx, driver = 'docker-container', containerdImageStore = false): string[] =>
    buildxArgv(
      planBuild(
        { ...settings, ...over },
        { sha: 'abc', ...ctx },
        { version: '1', tags: over.tags ?? [], created: new Date(0), workDir: '/w', driver, containerdImageStore },
      ),
    );
  const provenanceOf = (argv: string[]): string | undefined => {
    const i = argv.indexOf('--provenance');
    return i >= 0 ? argv[i + 1] : undefined;
  };

  it.each<[string, Partial<typeof settings>, typeof publicCtx, string, boolean, string | undefined]>([
    ['a public repository pushing', { push: true, tags: ['r/a:1'] }, publicCtx, 'docker-container', false, `mode=max,builder-id=${RUN}`],
    [
      'a private repository pushing',
      { push: true, tags: ['r/a:1'] },
      privateCtx,
      'docker-container',
      false,
      `mode=min,inline-only=true,builder-id=${RUN}`,
    ],
    ['not pushed (an OCI layout)', {}, publicCtx, 'docker-container', false, `mode=max,builder-id=${RUN}`],
    ['load: the docker exporter keeps none', { load: true }, publicCtx, 'docker-container', false, undefined],
    ['the docker driver on the classic image store', {}, publicCtx, 'docker', false, undefined],
    ['the docker driver on the containerd image store', {}, publicCtx, 'docker', true, `mode=max,builder-id=${RUN}`],
    ['a given provenance', { extras: { ...NO_EXTRAS, provenance: 'mode=min' } }, publicCtx, 'docker-container', false, 'mode=min'],
  ])('%s', (_, over, ctx, driver, containerd, expected) => {
    expect(provenanceOf(plan(over, ctx, driver, containerd))).toBe(expected);
  });
});

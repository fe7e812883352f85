import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  requirementsError,
  requirementsOf,
  runnerRefusal,
  unmetRequirements,
  type RequirementFacts,
  type ToolVersions,
} from '../../src/requirements.js';
import { buildkitVersionOf, parseBuildxVersion, parseComposeVersion } from '../../src/docker/versions.js';

const NOTHING: RequirementFacts = { annotations: false, attestations: false, rewriteTimestamps: false, smoke: false };
const CURRENT: ToolVersions = { buildx: '0.13.1', buildkit: [{ node: 'n0', version: '0.13.2' }], compose: '2.26.1' };

describe('runnerRefusal', () => {
  it.each<[string | undefined, string, RegExp | undefined]>([
    ['Linux', 'linux', undefined],
    ['linux', 'linux', undefined],
    ['macOS', 'darwin', /^This runner is macOS \(RUNNER_OS\); the action needs a Linux runner \(e\.g\. runs-on: ubuntu-latest\)/],
    ['Windows', 'win32', /^This runner is Windows \(RUNNER_OS\); the action needs a Linux runner/],
    // RUNNER_OS decides on a runner, even when the process runs elsewhere (a test, a container).
    ['macOS', 'linux', /^This runner is macOS \(RUNNER_OS\)/],
    [undefined, 'linux', undefined],
    [undefined, 'darwin', /^This runner is darwin \(the process's platform\); the action needs a Linux runner/],
    ['  ', 'win32', /^This runner is win32 \(the process's platform\)/],
  ])('RUNNER_OS %s on %s', (os, platform, expected) => {
    const verdict = runnerRefusal(os, platform);
    if (expected) expect(verdict).toMatch(expected);
    else expect(verdict).toBeUndefined();
  });
});

describe('requirementsOf', () => {
  it.each<[string, Partial<RequirementFacts>, string[]]>([
    ['a plain build: buildx 0.10', {}, ['buildx 0.10.0']],
    ['annotations: buildx 0.12 and BuildKit 0.11', { annotations: true }, ['buildx 0.10.0', 'buildx 0.12.0', 'BuildKit 0.11.0']],
    ['attestations: BuildKit 0.11', { attestations: true }, ['buildx 0.10.0', 'BuildKit 0.11.0']],
    ['a reproducible build: BuildKit 0.13', { rewriteTimestamps: true }, ['buildx 0.10.0', 'BuildKit 0.13.0']],
    ['a smoke test: compose 2', { smoke: true }, ['buildx 0.10.0', 'compose 2.0.0']],
  ])('%s', (_, over, expected) => {
    expect(requirementsOf({ ...NOTHING, ...over }).map((r) => `${r.tool} ${r.min}`)).toEqual(expected);
  });
});

describe('unmetRequirements: one line per tool, naming its version and the version needed', () => {
  const all: RequirementFacts = { annotations: true, attestations: true, rewriteTimestamps: true, smoke: true };
  it.each<[string, RequirementFacts, Partial<ToolVersions>, string[]]>([
    ['current tools meet everything', all, {}, []],
    [
      'buildx 0.9 for a plain build',
      NOTHING,
      { buildx: '0.9.1' },
      ['buildx is 0.9.1; the build (--provenance and --sbom flags) needs buildx 0.10.0 or later.'],
    ],
    [
      'buildx 0.11 with annotations: the newer minimum is named',
      { ...NOTHING, annotations: true },
      { buildx: '0.11.2' },
      ['buildx is 0.11.2; annotations (the --annotation flag) needs buildx 0.12.0 or later.'],
    ],
    [
      'buildx 0.9 with annotations: one line, the newest minimum',
      { ...NOTHING, annotations: true },
      { buildx: '0.9.0' },
      ['buildx is 0.9.0; annotations (the --annotation flag) needs buildx 0.12.0 or later.'],
    ],
    [
      'BuildKit 0.12 for a reproducible build',
      { ...NOTHING, rewriteTimestamps: true },
      { buildkit: [{ node: 'n0', version: '0.12.5' }] },
      [
        "BuildKit is 0.12.5; reproducible (the exporters' rewrite-timestamp; reproducible: false does without) needs BuildKit 0.13.0 or later.",
      ],
    ],
    ['BuildKit 0.12 without reproducible: fine', NOTHING, { buildkit: [{ node: 'n0', version: '0.12.5' }] }, []],
    [
      'a multi-node builder names the old node',
      { ...NOTHING, attestations: true },
      {
        buildkit: [
          { node: 'amd', version: '0.13.2' },
          { node: 'arm', version: '0.10.6' },
        ],
      },
      ['BuildKit of node arm is 0.10.6; provenance and sbom attestations needs BuildKit 0.11.0 or later.'],
    ],
    ['an unknown BuildKit is not refused', all, { buildkit: [{ node: 'default', version: '' }] }, []],
    ['an unknown buildx is not refused', all, { buildx: '' }, []],
    [
      'compose 1.29 for the smoke test',
      all,
      { compose: '1.29.2' },
      ['compose is 1.29.2; the smoke test (compose-file: the docker compose v2 plugin) needs compose 2.0.0 or later.'],
    ],
    ['compose not read without a smoke test', NOTHING, { compose: undefined }, []],
    [
      'several tools at once',
      all,
      { buildx: '0.10.4', compose: '1.29.2', buildkit: [{ node: 'n', version: '0.12.0' }] },
      [
        "BuildKit is 0.12.0; reproducible (the exporters' rewrite-timestamp; reproducible: false does without) needs BuildKit 0.13.0 or later.",
        'buildx is 0.10.4; annotations (the --annotation flag) needs buildx 0.12.0 or later.',
        'compose is 1.29.2; the smoke test (compose-file: the docker compose v2 plugin) needs compose 2.0.0 or later.',
      ],
    ],
  ])('%s', (_, facts, versions, expected) => {
    expect(unmetRequirements(requirementsOf(facts), { ...CURRENT, ...versions })).toEqual(expected);
  });

  it('the error is one message naming every unmet line', () => {
    const message = requirementsError(['buildx is 0.9.1; the build needs buildx 0.10.0 or later.']);
    expect(message).toMatch(
      /^This runner's tools are too old for what the inputs ask: buildx is 0\.9\.1; .* needs buildx 0\.10\.0 or later\. Update /,
    );
  });
});

describe('versions as the tools print them', () => {
  it.each<[string, string]>([
    ['github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3', '0.13.1'],
    ['github.com/docker/buildx v0.17.1 8c2d3f7c5b7b8c2a', '0.17.1'],
    ['github.com/docker/buildx v0.10.0-docker 876462897612d36679153c3414f7689626251501', '0.10.0'],
    ['nothing to read', ''],
  ])('buildx: %s', (text, expected) => expect(parseBuildxVersion(text)).toBe(expected));

  it.each<[string, string]>([
    ['2.26.1-4\n', '2.26.1'],
    ['v2.29.7', '2.29.7'],
    ['', ''],
  ])('compose: %s', (text, expected) => expect(parseComposeVersion(text)).toBe(expected));

  it.each<[string | undefined, string]>([
    ['v0.13.2', '0.13.2'],
    ['v0.0.0+unknown', ''],
    [undefined, ''],
  ])('BuildKit: %s', (text, expected) => expect(buildkitVersionOf(text)).toBe(expected));

  it.each<[string, string, number]>([
    ['0.13.1', '0.13.0', 1],
    ['0.9.1', '0.10.0', -1],
    ['2.0.0', '2.0.0', 0],
    ['1.29.2', '2.0.0', -1],
  ])('%s against %s', (a, b, expected) => expect(compareVersions(a, b)).toBe(expected));
});

import { describe, expect, it } from 'vitest';
import { renderBuildSummary, versionCell, type VersionUseRow } from '../../src/buildx/summary.js';
import type { BuildPlan } from '../../src/buildx/plan.js';
import type { BuildResult } from '../../src/buildx/docker.js';

describe('the Version row says where the version went', () => {
  it.each<[string, VersionUseRow | undefined, string]>([
    [
      'into a stage',
      { stage: 'build', line: 7, binary: true, file: 'Dockerfile' },
      '`1.2.3` (build-arg VERSION → stage `build`, Dockerfile:7)',
    ],
    [
      'into no stage',
      { binary: false, file: 'Dockerfile' },
      '`1.2.3` (labels and outputs only: no stage of the Dockerfile reads the VERSION build-arg)',
    ],
    [
      'into a stage, not the Go build',
      { stage: '1', line: 12, binary: false, file: 'app/Dockerfile' },
      '`1.2.3` (build-arg VERSION → stage `1`, app/Dockerfile:12; not the Go build: see GO011)',
    ],
    ['unknown (the checks could not read the Dockerfile)', undefined, '`1.2.3`'],
    [
      'names from the Dockerfile and the path escaped',
      { stage: 'b|x`y', line: 3, binary: true, file: 'my_app/<b>Dockerfile' },
      '`1.2.3` (build-arg VERSION → stage ``b\\|x`y``, my&#95;app/&#60;b&#62;Dockerfile:3)',
    ],
  ])('%s', (_, use, expected) => {
    expect(versionCell('1.2.3', use)).toBe(expected);
  });

  it('is the Version row of the build summary', () => {
    const plan = { platforms: ['linux/amd64'], tags: [], push: false, load: false } as unknown as BuildPlan;
    const build = { ok: true, metadata: { raw: {} } } as BuildResult;
    const md = renderBuildSummary({
      plan,
      version: '1.2.3',
      build,
      seconds: 1,
      versionUse: { stage: 'build', line: 7, binary: true, file: 'Dockerfile' },
    });
    expect(md).toContain('| Version | `1.2.3` (build-arg VERSION → stage `build`, Dockerfile:7) |');
  });
});

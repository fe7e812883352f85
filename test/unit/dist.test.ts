import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/runner.js';

describe('dist/', () => {
  it('is what npm run build makes from the sources', () => {
    let output = '';
    try {
      output = execFileSync('bash', [join(ROOT, 'scripts/check-dist.sh')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const e = error as { stderr?: string };
      throw new Error(e.stderr ?? String(error));
    }
    expect(output).toContain('dist/ is fresh');
  }, 180_000);
});

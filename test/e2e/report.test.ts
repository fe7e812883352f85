import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/report/render.js';
import { FakeGitHub } from '../support/fake-github.js';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const TOKEN = 'ghs_report_e2e_token_0123456789abcdef';
const PR = 31;

/** The smoke fixture with its final stage running as root: the USER line taken out. */
function rootApp(): { dir: string; remove: () => void; finalFromLine: number } {
  const app = copyApp('test/fixtures/smoke');
  const file = join(app.dir, 'Dockerfile');
  const lines = readFileSync(file, 'utf8').split('\n');
  const withoutUser = lines.filter((l) => !l.startsWith('USER '));
  expect(withoutUser).toHaveLength(lines.length - 1);
  writeFileSync(file, withoutUser.join('\n'));
  return { ...app, finalFromLine: withoutUser.findIndex((l) => l === 'FROM scratch') + 1 };
}

describe('a pull request whose image runs as root and whose smoke test fails', () => {
  const app = rootApp();
  const github = new FakeGitHub({ token: TOKEN });
  let run: ActionRun;

  beforeAll(async () => {
    await github.start();
    run = await runAction({
      workspace: app.dir,
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      event: {
        number: PR,
        pull_request: {
          number: PR,
          head: { ref: 'feature/root', sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: 'octo-org/hello' } },
          base: { ref: 'main', repo: { full_name: 'octo-org/hello' } },
        },
        repository: { full_name: 'octo-org/hello', default_branch: 'main' },
      },
      token: TOKEN,
      env: { GITHUB_API_URL: github.url },
      inputs: {
        'build-args': `GO_IMAGE=${stack.goImage}`,
        'compose-file': 'crash.compose.yaml',
        'smoke-timeout': '2m',
        'go-cache': 'false',
        baseline: 'none',
      },
    });
  }, 600_000);

  afterAll(async () => {
    await github.stop();
    app.remove();
  });

  it('fails on the smoke test, after annotating GO006 on the final FROM', () => {
    expect(run.main.exitCode, run.main.stdout).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    expect(run.main.outputs['budget-status']).toBe('pass');
    const go006 = annotations(run.main.stdout).find((a) => a.message.startsWith('GO006 '));
    expect(go006?.level).toBe('warning');
    expect(go006?.props).toContain(`file=Dockerfile,line=${app.finalFromLine}`);
  });

  it('writes one comment whose headline is ❌ for the smoke test, carrying the finding with file:line', () => {
    const ours = github.comments.filter((c) => c.issue === PR);
    expect(ours).toHaveLength(1);
    const body = ours[0]!.body;
    expect(run.main.outputs['comment-url']).toContain(`#issuecomment-${ours[0]!.id}`);
    expect(body.startsWith(`${commentMarker('Dockerfile')}\n### ❌ Image size: \`Dockerfile\`\n`)).toBe(true);
    // Why it is ❌ although the size passed, first under the headline.
    expect(body.split('\n')[3]).toMatch(
      /^\*\*Why:\*\* ❌ smoke test failed · ⚠️ \d+ Dockerfile warnings? \((GO\d{3}, )*GO006(, GO\d{3})*\)$/,
    );
    expect(body).toMatch(/smoke test ❌ failed: app: exited 3/);
    expect(body).toMatch(/<details><summary>🧭 Dockerfile checks: \d+ warnings?(, \d+ notices?)?<\/summary>/);
    expect(body).toContain(
      `\n| ⚠️ | **GO006** Final stage runs as root | \`Dockerfile:${app.finalFromLine}\` | The final stage runs as root `,
    );
  });

  it('puts the same report in the job summary', () => {
    expect(run.summary).toContain('### ❌ Image size: `Dockerfile`');
    expect(run.summary).toContain(`**GO006** Final stage runs as root | \`Dockerfile:${app.finalFromLine}\``);
  });
});

import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotations, ROOT, runAction, runCli, type ActionRun } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { tempDir } from '../support/temp.js';

/** A workspace with the bad app in `app/`, so annotation paths are workspace-relative. */
const ws = tempDir('checks-e2e');
cpSync(join(ROOT, 'test/fixtures/dockerfile/bad-app'), join(ws, 'app'), { recursive: true });

const inputs = { context: 'app', platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}` };
const goAnnotations = (run: ActionRun) =>
  annotations(run.main.stdout)
    .filter((a) => /^GO\d{3} /.test(a.message))
    .map((a) => `::${a.level} ${a.props}::${a.message.slice(0, 5)}`);

/** What the bad Dockerfile gives, in GitHub's workflow-command form (the level is filled in). */
const expected = (level: 'warning' | 'error') => [
  `::${level} file=app/Dockerfile,line=2::GO008`,
  '::notice file=app/Dockerfile,line=3::GO001',
  `::${level} file=app/Dockerfile,line=3::GO004`,
  `::${level} file=app/Dockerfile,line=3::GO006`,
  `::${level} file=app/Dockerfile,line=5::GO003`,
  `::${level} file=app/Dockerfile,line=6::GO002`,
  `::${level} file=app/Dockerfile,line=7::GO002`,
  '::notice file=app/Dockerfile,line=7::GO009',
  `::${level} file=app/Dockerfile,line=8::GO007`,
];

describe('dockerfile-checks: warn (the default) on a bad Dockerfile', () => {
  let run: ActionRun;
  beforeAll(async () => {
    run = await runAction({ workspace: ws, inputs });
  });

  it('annotates every finding on its Dockerfile line, and still builds', () => {
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(goAnnotations(run)).toEqual(expected('warning'));
    expect(run.main.outputs.digest).toMatch(/^sha256:/);
  });

  it('lists the findings in the job summary, Dockerfile text escaped', () => {
    expect(run.summary).toContain('### 🧭 Dockerfile checks');
    expect(run.summary).toContain('7 warnings, 2 notices in `app/Dockerfile`.');
    expect(run.summary).toContain('`CMD bad-app --greeting "a\\|b <b>@team</b>"`');
    expect(run.summary.split('<b>@team').length).toBe(2);
  });
});

describe('dockerfile-checks: error', () => {
  it('fails the step before the build, with the findings as errors', async () => {
    const run = await runAction({ workspace: ws, inputs: { ...inputs, 'dockerfile-checks': 'error' } });
    expect(run.main.exitCode).toBe(1);
    expect(goAnnotations(run)).toEqual(expected('error'));
    const failure = annotations(run.main.stdout).find((a) => a.level === 'error' && a.props === '');
    expect(failure?.message).toBe('Dockerfile checks failed (dockerfile-checks: error): 7 findings (GO008, GO004, GO006, GO003, GO002, GO007) in app/Dockerfile; not building. Fix them, or set dockerfile-checks: warn.');
    expect(run.main.stdout).not.toContain('Building linux/amd64');
    expect(run.main.outputs.digest).toBeUndefined();
    expect(run.main.outputs.version).toBeTruthy();
    expect(run.summary).toContain('the step fails');
    expect(run.post?.exitCode).toBe(0);
    expect(run.leftovers).toEqual([]);
  });
});

describe('dockerfile-checks: off', () => {
  it('prints no finding and builds', async () => {
    const run = await runAction({ workspace: ws, inputs: { ...inputs, 'dockerfile-checks': 'off' } });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(goAnnotations(run)).toEqual([]);
    expect(run.main.stdout).toContain('Dockerfile checks are off');
    expect(run.summary).not.toContain('Dockerfile checks');
  });
});

describe('the CLI', () => {
  it('prints the findings with file:line and fails with dockerfile-checks error', () => {
    const result = runCli(['--context', 'app', '--build-args', `GO_IMAGE=${stack.goImage}`, '--dockerfile-checks', 'error'], ws);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error app/Dockerfile:3: GO004 Final stage is the Go toolchain image:');
    expect(result.stderr).toContain('notice app/Dockerfile:7: GO009 -ldflags without -s -w:');
    expect(result.stdout).toContain('### 🧭 Dockerfile checks');
    expect(result.stdout).toContain('`CMD bad-app --greeting "a\\|b <b>@team</b>"`');
  });
});

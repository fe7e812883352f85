import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { replayCommands, type Replay } from '../support/workflow-commands.js';

// Outside text (a service's log, a health check's output, a failing build's output) holds
// workflow commands; the step's stdout, replayed as the runner reads it, must show none of them
// taking effect, while the action's own error still does.
const app = copyApp('test/fixtures/smoke');
afterAll(() => app.remove());

/** What took effect, besides the action's own stop-commands blocks. */
function effects(replay: Replay): { names: string[]; masks: string[] } {
  const ours = (name: string): boolean => name === 'stop-commands' || name.startsWith('gca-');
  return { names: replay.commands.map((c) => c.name).filter((n) => !ours(n)), masks: replay.masks };
}

/**
 * `injected`: the data of every command the outside text holds. An annotation of the action's
 * own may quote it inside its message (escaped, it stays data); one whose message is exactly
 * that data, or a mask holding it, came from outside.
 */
function expectNothingInjected(run: ActionRun, injected: readonly string[]): Replay {
  const replay = replayCommands(run.main.stdout);
  const stderr = replayCommands(run.main.stderr);
  expect(stderr.commands).toEqual([]);
  for (const word of injected) {
    expect(replay.annotations.filter((a) => a.message === word)).toEqual([]);
    expect(replay.masks.filter((m) => m.includes(word))).toEqual([]);
  }
  expect(replay.unmatchedEndGroups).toBe(0);
  expect(replay.refused).toEqual([]);
  expect(replay.stoppedAtEnd).toBeUndefined();
  // Every stop the action issued was resumed by its own token, and no other command came from outside.
  expect(
    effects(replay).names.filter((n) => !['group', 'endgroup', 'error', 'warning', 'notice', 'debug', 'add-mask'].includes(n)),
  ).toEqual([]);
  return replay;
}

describe('a one-shot service whose log issues workflow commands, then exits 3', () => {
  it('prints its log inert: no injected command takes effect, the action’s own error does', async () => {
    const run = await runAction({
      workspace: app.dir,
      inputs: { 'build-args': `GO_IMAGE=${stack.goImage}`, 'compose-file': 'hostile.compose.yaml', 'smoke-timeout': '2m' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    // The log is there, as the service wrote it.
    expect(run.main.stdout).toContain('\n::error::injected\n::add-mask::secretword\n::endgroup::\n');
    const replay = expectNothingInjected(run, ['injected', 'secretword', 'x', 'indented', 'old-form', 'after-stop', 'after-cr']);
    const errors = replay.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors.some((m) => /^Compose smoke test failed after \d+\.\d s: service hostile: exited with code 3/.test(m))).toBe(true);
    expect(replay.annotations.filter((a) => a.level === 'warning' && a.message === 'x')).toEqual([]);
    expect(replay.commands.filter((c) => c.name === 'stop-commands').length).toBeGreaterThan(0);
  });
});

describe('a health check whose output issues workflow commands', () => {
  it('prints the health-check log inert', async () => {
    const run = await runAction({
      workspace: app.dir,
      inputs: { 'build-args': `GO_IMAGE=${stack.goImage}`, 'compose-file': 'hostile-health.compose.yaml', 'smoke-timeout': '2m' },
    });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['smoke-status']).toBe('failed');
    expect(run.main.stdout).toContain('::add-mask::healthword');
    const replay = expectNothingInjected(run, ['health-injected', 'healthword']);
    expect(replay.annotations.some((a) => a.level === 'error' && /^Compose smoke test failed/.test(a.message))).toBe(true);
  });
});

describe('a failing build whose RUN prints workflow commands', () => {
  it('echoes the build output inert, and fails with its own error', async () => {
    const broken = copyApp('examples/hello');
    try {
      writeFileSync(
        `${broken.dir}/Dockerfile`,
        [
          'ARG GO_IMAGE=golang:1.24-alpine',
          'FROM ${GO_IMAGE}',
          `RUN printf '%s\\n' '::error::build-injected' '::add-mask::buildword' '::stop-commands::abc' 'x ##[warning]old-form-build'; ` +
            `printf 'plain\\r::error::build-after-cr\\n'; exit 3`,
          '',
        ].join('\n'),
      );
      const run = await runAction({ workspace: broken.dir, inputs: { 'build-args': `GO_IMAGE=${stack.goImage}`, version: '0.0.1' } });
      expect(run.main.exitCode).toBe(1);
      expect(run.main.stdout).toContain('build-injected');
      const replay = expectNothingInjected(run, ['build-injected', 'buildword', 'old-form-build', 'build-after-cr']);
      const errors = replay.annotations.filter((a) => a.level === 'error');
      expect(errors).toHaveLength(1);
      // The action's own error quotes buildx's last line, injected text and all, as data.
      expect(errors[0]!.message).toMatch(/^Build failed: ERROR: .*did not complete successfully/);
    } finally {
      broken.remove();
    }
  });
});

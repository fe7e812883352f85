import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('examples/hello');
afterAll(() => app.remove());

const cli = (args: string[]) => runCli(args, app.dir);

describe('the CLI runs the same pipeline on a laptop', () => {
  it('builds two platforms and prints a readable report', () => {
    const result = cli(['--platforms', 'linux/amd64,linux/arm64', '--build-args', `GO_IMAGE=${stack.goImage}`, '--version', '7.7.7']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('▶ Building linux/amd64, linux/arm64');
    expect(result.stdout).toContain('### 🐳 Go container build');
    expect(result.stdout).toMatch(/\| Version \| `7\.7\.7` \|/);
    expect(result.stdout).toMatch(/^ {2}digest: sha256:[0-9a-f]{64}$/m);
    expect(result.stdout).not.toContain('&#');
  });

  it('prints outputs as JSON with --json', () => {
    const result = cli(['--build-args', `GO_IMAGE=${stack.goImage}`, '--json']);
    expect(result.status, result.stderr).toBe(0);
    const outputs = JSON.parse(result.stdout) as Record<string, string>;
    expect(outputs.digest).toMatch(/^sha256:/);
    expect(outputs.version).toBeTruthy();
  });

  it('rejects bad input with the input named and exit code 1', () => {
    const result = cli(['--platforms', 'linux/amd65']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/error Input 'platforms': unknown platform 'linux\/amd65'/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects unknown flags with exit code 2 and shows help on --help', () => {
    expect(cli(['--nope', 'x']).status).toBe(2);
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--platforms VALUE (linux/amd64)');
    // Every boolean input is a bare flag, shown as such, with its default.
    expect(help.stdout).toContain('--go-cache [true|false] (true)');
    expect(help.stdout).toContain('--summary [true|false] (true)');
  });
});

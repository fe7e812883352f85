import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runner.js';
import { stack } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('examples/hello');
afterAll(() => app.remove());

/** Its stdout is a pipe here: no colour unless FORCE_COLOR says so (vitest may set it). */
const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, app.dir, { FORCE_COLOR: undefined, NO_COLOR: undefined, ...env });

/** The markup GitHub renders and a terminal must not show. */
const MARKUP = /<\/?(details|summary|sub|br)\b|\|-{2,}|&#\d+;|`/;

describe('the CLI runs the same pipeline on a laptop', () => {
  let twoPlatforms: ReturnType<typeof cli>;
  beforeAll(() => {
    twoPlatforms = cli(['--platforms', 'linux/amd64,linux/arm64', '--build-args', `GO_IMAGE=${stack.goImage}`, '--version', '7.7.7']);
  });

  it('builds two platforms and prints a readable report', () => {
    const result = twoPlatforms;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('▶ Building linux/amd64, linux/arm64');
    expect(result.stdout).toMatch(/^🐳 Go container build$/m);
    expect(result.stdout).toMatch(/^Version +7\.7\.7 \(build-arg VERSION → stage build, Dockerfile:\d+\)$/m);
    expect(result.stdout).toMatch(/^ {2}digest: sha256:[0-9a-f]{64}$/m);
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('prints the summary for a terminal: no markdown or HTML, the size table in aligned columns', () => {
    const out = twoPlatforms.stdout;
    expect(out).not.toMatch(MARKUP);
    expect(out).not.toMatch(/^#+ /m);
    const lines = out.split('\n');
    const header = lines.findIndex((l) => /^Platform +Before +After +Δ +Budget +Status$/.test(l));
    expect(header, out).toBeGreaterThanOrEqual(0);
    expect(lines[header + 1]).toMatch(/^─+( {2}─+){5}$/);
    const rows = lines.slice(header + 2, header + 4);
    expect(rows.map((r) => r.split(/ {2,}/)[0])).toEqual(['linux/amd64', 'linux/arm64']);
    // Right-aligned: every size ends where the header's "After" ends.
    const afterEnds = lines[header]!.indexOf('After') + 'After'.length;
    for (const row of rows) {
      const size = /(\d+\.\d+ [KM]B) +— +— +✅$/.exec(row);
      expect(size, row).not.toBeNull();
      expect(size!.index + size![1]!.length).toBe(afterEnds);
    }
    expect(out).toMatch(/^▸ (The 1 layer|All \d+ layers) of linux\/amd64 \([\d.]+ [KM]B unpacked\)$/m);
  });

  it('prints outputs as JSON with --json, and nothing else', () => {
    const result = cli(['--build-args', `GO_IMAGE=${stack.goImage}`, '--json'], { FORCE_COLOR: '1' });
    expect(result.status, result.stderr).toBe(0);
    const outputs = JSON.parse(result.stdout) as Record<string, string>;
    expect(outputs.digest).toMatch(/^sha256:/);
    expect(outputs.version).toBeTruthy();
    expect(outputs['size-report']).toContain('"platforms"');
    // Colour forced: the log on stderr is styled, stdout stays JSON.
    expect(result.stderr).toContain('\x1b[1m▶ ');
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

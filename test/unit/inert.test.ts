import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionReporter } from '../../src/action-reporter.js';
import { TerminalReporter } from '../../src/cli-reporter.js';
import { run } from '../../src/util/exec.js';
import { freshToken, inertLine, inertLines, isCommandFree, quoteBlock, runnerLines } from '../../src/util/inert.js';
import { replayCommands } from '../support/workflow-commands.js';

/** Lines a hostile log prints: each would issue a command if printed raw. */
const HOSTILE = [
  '::error::injected',
  '::add-mask::secretword',
  '::endgroup::',
  '::stop-commands::abc',
  '::warning file=a.go,line=3::x',
  '  \t::notice::indented',
  '\u0085::error::after-nel',
  '\u3000::error::after-ideographic-space',
  'text ##[error]old form inside a line',
  '##[add-mask]oldsecret',
  '::ERROR::upper case name',
  'cr then\r::error::after-cr',
  '::set-output name=x::y',
  '::group::hostile group',
  '::echo::on',
].join('\n');

describe('replayCommands: the runner’s reading of a step’s output', () => {
  it.each<[string, string, Partial<ReturnType<typeof replayCommands>>]>([
    ['a plain line', 'hello :: world', { commands: [] }],
    ['an error', '::error::boom', { annotations: [{ level: 'error', message: 'boom', properties: {} }] }],
    [
      'properties and escapes',
      '::warning file=a%2Cb.go,line=3::x%0Ay',
      { annotations: [{ level: 'warning', message: 'x\ny', properties: { file: 'a,b.go', line: '3' } }] },
    ],
    ['leading white space is trimmed', ' \t::error::x', { annotations: [{ level: 'error', message: 'x', properties: {} }] }],
    ['U+0085 is white space to .NET', '\u0085::error::x', { annotations: [{ level: 'error', message: 'x', properties: {} }] }],
    ['a non-space before :: is no command', 'a::error::x', { commands: [] }],
    ['the name ignores case', '::ERROR::x', { annotations: [{ level: 'error', message: 'x', properties: {} }] }],
    ['an unknown name is no command', '::nope::x', { commands: [] }],
    ['the old form anywhere in a line', 'abc ##[error]x', { annotations: [{ level: 'error', message: 'x', properties: {} }] }],
    ['a lone \\r ends a line', 'abc\r::add-mask::s', { masks: ['s'] }],
    ['a blank mask is none', '::add-mask:: ', { masks: [] }],
    ['an endgroup with no group', '::endgroup::', { unmatchedEndGroups: 1 }],
    ['a group and its end', '::group::g\n::endgroup::', { unmatchedEndGroups: 0 }],
    [
      'stopped commands are ignored until the token',
      '::stop-commands::tok\n::error::x\n::tok::\n::error::y',
      { annotations: [{ level: 'error', message: 'y', properties: {} }] },
    ],
    [
      'the token resumes in the old form too',
      '::stop-commands::tok\n##[TOK]\n::error::y',
      { annotations: [{ level: 'error', message: 'y', properties: {} }], stoppedAtEnd: undefined },
    ],
    ['stopped at the end', '::stop-commands::abc\n::error::x', { annotations: [], stoppedAtEnd: 'abc' }],
    [
      'a command name as token is refused',
      '::stop-commands::error\n::error::x',
      { annotations: [{ level: 'error', message: 'x', properties: {} }], refused: ['::stop-commands::error'] },
    ],
  ])('%s', (_name, output, expected) => {
    expect(replayCommands(output)).toMatchObject(expected);
  });

  it('every hostile line takes effect when printed raw (the fixture is hostile)', () => {
    const replay = replayCommands(HOSTILE);
    expect(replay.annotations.map((a) => a.message)).toEqual(['injected']);
    expect(replay.masks).toEqual(['secretword']);
    expect(replay.unmatchedEndGroups).toBe(1);
    expect(replay.stoppedAtEnd).toBe('abc');
    // Without the stop-commands line, the rest take effect too.
    const rest = replayCommands(HOSTILE.replace('::stop-commands::abc', ''));
    expect(rest.annotations.map((a) => a.message)).toEqual([
      'injected',
      'x',
      'indented',
      'after-nel',
      'after-ideographic-space',
      'old form inside a line',
      'upper case name',
      'after-cr',
    ]);
    expect(rest.masks).toEqual(['secretword', 'oldsecret']);
  });
});

/** Only the commands the action issued itself (the stop-commands blocks) take effect. */
function expectInert(printed: string): void {
  const replay = replayCommands(printed + '::error::own\n');
  expect(replay.commands.map((c) => c.name).filter((n) => n !== 'stop-commands' && !n.startsWith('gca-'))).toEqual(['error']);
  expect(replay.annotations).toEqual([{ level: 'error', message: 'own', properties: {} }]);
  expect(replay.masks).toEqual([]);
  expect(replay.stoppedAtEnd).toBeUndefined();
}

describe('quoteBlock', () => {
  it('keeps every hostile line as it is, inert', () => {
    const block = quoteBlock(HOSTILE);
    expectInert(block);
    expect(block).toContain('::add-mask::secretword\n');
    expect(block.endsWith('::\n')).toBe(true);
  });
  it('draws a fresh token each call, from randomness', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => /^::stop-commands::(.+)$/m.exec(quoteBlock('x'))![1]));
    expect(tokens.size).toBe(50);
    expect(freshToken()).toMatch(/^gca-[0-9a-f]{32}$/);
  });
  it('never uses a token the text holds, in any case', () => {
    const tokens = ['gca-aaaa', 'gca-bbbb'];
    const text = 'log\n::GCA-AAAA::\n::error::after-the-guessed-token';
    const block = quoteBlock(text, () => tokens.shift()!);
    expect(block.startsWith('::stop-commands::gca-bbbb\n')).toBe(true);
    expectInert(block);
    // The same text inside a block with the guessed token would have resumed commands inside it.
    expect(replayCommands(`::stop-commands::gca-aaaa\n${text}\n::gca-aaaa::\n`).annotations).toHaveLength(1);
    expect(() => quoteBlock(text, () => 'gca-aaaa')).toThrow(/could not draw/);
  });
  it('ends a text with no final line break, and an empty one', () => {
    expect(quoteBlock('a\r\nb', () => 't-1')).toBe('::stop-commands::t-1\na\nb\n::t-1::\n');
    expect(quoteBlock('a\n', () => 't-1')).toBe('::stop-commands::t-1\na\n::t-1::\n');
    expectInert(quoteBlock(''));
  });
});

describe('inertLine and inertLines', () => {
  it('leaves an ordinary line as it is', () => {
    expect(inertLine('#8 0.512 go: downloading example.com/x v1.0.0')).toBe('#8 0.512 go: downloading example.com/x v1.0.0');
  });
  it('makes each hostile line inert', () => {
    const printed = inertLines(HOSTILE);
    expectInert(printed + '\n');
    expect(isCommandFree(printed)).toBe(true);
    expect(printed).toContain('» ::error::injected');
    expect(printed).toContain('» ##[\\add-mask]oldsecret');
    expect(runnerLines(printed)).toHaveLength(runnerLines(HOSTILE).length);
  });
});

describe('the reporters', () => {
  afterEach(() => vi.restoreAllMocks());
  const captureStdout = (): string[] => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    return writes;
  };

  it('ActionReporter.quote writes the title and the text in one write, inert', () => {
    const writes = captureStdout();
    new ActionReporter().quote('Last 100 log lines:', HOSTILE);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain('Last 100 log lines:\n::error::injected\n');
    expectInert(writes.join(''));
  });
  it('ActionReporter.info prints its own lines as they are, and quotes one that embeds a command', () => {
    const writes = captureStdout();
    const reporter = new ActionReporter();
    reporter.info('Smoke test: app will run the image');
    reporter.info(`app: exited with code 3:\n${HOSTILE}`);
    expect(writes[0]).toBe('Smoke test: app will run the image\n');
    expect(writes).toHaveLength(2);
    expectInert(writes.join(''));
  });
  it('TerminalReporter quotes and informs inert (the CLI may run in a workflow step)', () => {
    const out = new PassThrough();
    const reporter = new TerminalReporter(out, false);
    reporter.quote('Last 100 log lines:', HOSTILE);
    reporter.info(HOSTILE);
    const printed = String(out.read());
    expect(printed).toContain('  │ ::error::injected');
    expectInert(printed);
  });
});

describe('the echo of a command’s output', () => {
  it('echoes whole lines, each inert, also when a line is split across chunks', async () => {
    const echo = new PassThrough();
    const script = `process.stdout.write('#1 ok\\n::err'); setImmediate(() => { process.stdout.write('or::injected\\r\\n##[add-mask]x\\rtail'); process.stderr.write('::add-mask::e\\n'); })`;
    const result = await run(process.execPath, ['-e', script], { echo });
    expect(result.exitCode).toBe(0);
    const printed = String(echo.read());
    expect(printed).toContain('#1 ok\n');
    expect(printed).toContain('» ::error::injected\n');
    expect(printed).toContain('tail\n');
    expectInert(printed);
  });
});

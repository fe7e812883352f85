/** The typed answers of the docker client: failures, builds, a builder's state, a credential helper's answer. */
import { describe, expect, it } from 'vitest';
import { isSettled, parseBuilder } from '../../src/docker/builder.js';
import { buildOutput, done, failure } from '../../src/docker/cli.js';
import { composeError } from '../../src/docker/compose.js';
import { parseHelperAnswer } from '../../src/docker/credentials.js';

const result = (exitCode: number, stderr = '', stdout = '') => ({ exitCode, stdout, stderr });

describe('a failed command', () => {
  it.each([
    ['docker missing', result(127, 'spawn docker ENOENT'), { exitCode: 127, notInstalled: true, error: 'spawn docker ENOENT' }],
    [
      'no compose plugin',
      result(1, "docker: 'compose' is not a docker command.\nSee 'docker --help'"),
      { exitCode: 1, notInstalled: true, error: "See 'docker --help'" },
    ],
    [
      'buildx ends with its ERROR line',
      result(1, '#5 building\nERROR: failed to solve: denied\n'),
      { exitCode: 1, notInstalled: false, error: 'ERROR: failed to solve: denied' },
    ],
    ['nothing said', result(2), { exitCode: 2, notInstalled: false, error: '' }],
  ])('%s', (_name, r, expected) => {
    expect(failure(r)).toEqual({ ok: false, ...expected });
    expect(done(r)).toEqual({ ok: false, ...expected });
  });

  it("compose's words pick its error lines, not its progress", () => {
    const stderr = ' Network x Created\nservice "app" refers to undefined volume data: invalid compose project\n';
    expect(failure(result(15, stderr), composeError).error).toBe('service "app" refers to undefined volume data: invalid compose project');
  });

  it('a command that passed', () => expect(done(result(0, 'noise'))).toEqual({ ok: true }));
});

describe('a build', () => {
  it.each([
    ['passed', result(0, '#1 done\n', 'out'), { ok: true, exitCode: 0, error: '', log: '#1 done\nout' }],
    [
      'failed',
      result(1, '#9 ERROR: x\nERROR: failed to solve: y\n', ''),
      { ok: false, exitCode: 1, error: 'ERROR: failed to solve: y', log: '#9 ERROR: x\nERROR: failed to solve: y\n' },
    ],
  ])('%s', (_name, r, expected) => expect(buildOutput(r)).toEqual(expected));
});

describe('whether inspect said all it will', () => {
  const node = (status: string): string => `Name: n-${status}\nEndpoint: unix:///var/run/docker.sock\nStatus: ${status}\n`;
  it.each([
    ['every node running', [node('running'), node('running')], true],
    ['a node not booted yet', [node('running'), node('inactive')], false],
    ['a stopped node', [node('stopped')], false],
    ['no nodes listed', [], true],
  ])('%s', (_name, nodes, settled) => {
    const builder = parseBuilder(`Name: b\nDriver: docker-container\n\nNodes:\n${nodes.join('\n')}`);
    expect(builder).toBeDefined();
    expect(isSettled(builder!)).toBe(settled);
  });
});

describe("a credential helper's answer", () => {
  it.each([
    ['a username and password', '{"ServerURL":"r","Username":"u","Secret":"p"}', { username: 'u', password: 'p' }],
    ['an identity token', '{"Username":"<token>","Secret":"t"}', { identityToken: 't' }],
    ['no secret', '{"Username":"u"}', undefined],
    ['not JSON', 'credentials not found in native keychain', undefined],
  ])('%s', (_name, json, expected) => expect(parseHelperAnswer(json)).toEqual(expected));
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_DEFAULTS, parseInputs } from '../../src/inputs.js';
import { parseDuration, parseSmokeInputs, type SmokeInputName } from '../../src/smoke/inputs.js';
import { tempDir } from '../support/temp.js';
import { inputErrorOf, inputReader } from '../support/inputs.js';

const ws = tempDir('smoke-inputs');
writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\n');
writeFileSync(join(ws, 'compose.yaml'), 'services: {}\n');
mkdirSync(join(ws, 'deploy'));
writeFileSync(join(ws, 'deploy', 'compose.ci.yaml'), 'services: {}\n');

function smoke(values: Partial<Record<SmokeInputName, string>>) {
  return parseSmokeInputs((name) => values[name] ?? INPUT_DEFAULTS[name], ws);
}

const inputError = (values: Partial<Record<SmokeInputName, string>>) => inputErrorOf(() => smoke(values));

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    [' 45s ', 45_000],
    ['0', 0],
  ])('%s is %i ms', (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms);
  });

  it.each(['soon', '', '2h', '1.5m', '-5', '5m30', 'm', 's', '10 s', '1m30x'])('rejects %j', (raw) => {
    expect(parseDuration(raw)).toBeUndefined();
  });
});

describe('smoke inputs', () => {
  it('is off without compose-file', () => {
    expect(smoke({})).toBeUndefined();
  });

  it('reads files relative to the workspace, in order, with the defaults', () => {
    expect(smoke({ 'compose-file': 'compose.yaml\ndeploy/compose.ci.yaml\n' })).toEqual({
      files: [join(ws, 'compose.yaml'), join(ws, 'deploy', 'compose.ci.yaml')],
      fileNames: ['compose.yaml', 'deploy/compose.ci.yaml'],
      services: [],
      timeoutMs: 120_000,
      probes: [],
    });
  });

  it('reads services, timeout and probes', () => {
    const parsed = smoke({
      'compose-file': 'compose.yaml',
      'compose-service': 'api, worker\napi',
      'smoke-timeout': '2m',
      'smoke-probes': 'http://localhost:8080/health\nhttps://127.0.0.1:8443/ready?x=1,2',
    });
    expect(parsed).toMatchObject({
      services: ['api', 'worker'],
      timeoutMs: 120_000,
      probes: ['http://localhost:8080/health', 'https://127.0.0.1:8443/ready?x=1,2'],
    });
  });

  it.each([
    [
      { 'compose-file': 'compose.yaml', 'smoke-timeout': 'soon' },
      'smoke-timeout',
      /'soon' is not a duration\. Expected seconds or minutes, e\.g\. 90, 90s, 2m/,
    ],
    [{ 'compose-file': 'compose.yaml', 'smoke-timeout': '0' }, 'smoke-timeout', /out of range/],
    [{ 'compose-file': 'compose.yaml', 'smoke-timeout': '2h' }, 'smoke-timeout', /not a duration/],
    [
      { 'compose-file': 'compose.yaml', 'smoke-probes': 'ftp://localhost/x' },
      'smoke-probes',
      /'ftp:\/\/localhost\/x' is not an http\(s\) URL/,
    ],
    [
      { 'compose-file': 'compose.yaml', 'smoke-probes': 'localhost:8080/health' },
      'smoke-probes',
      /not an http\(s\) URL\. Expected one URL per line/,
    ],
    [{ 'compose-file': 'compose.yaml', 'smoke-probes': '/health' }, 'smoke-probes', /not an http\(s\) URL/],
    [
      { 'compose-file': 'missing.yaml' },
      'compose-file',
      /'missing\.yaml' does not exist\. Expected compose files relative to the workspace/,
    ],
    [{ 'compose-file': 'deploy' }, 'compose-file', /'deploy' does not exist/],
    [{ 'compose-file': 'compose.yaml', 'compose-service': 'api;rm -rf' }, 'compose-service', /not a compose service name/],
    [{ 'compose-service': 'api' }, 'compose-service', /compose-file is empty/],
    [{ 'smoke-probes': 'http://localhost:8080/' }, 'smoke-probes', /compose-file is empty/],
  ] as const)('rejects %j naming %s', (values, input, message) => {
    const error = inputError(values);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(new RegExp(`^Input '${input}': `));
    expect(error.message).toMatch(message);
  });
});

describe('parseInputs carries the smoke inputs', () => {
  const reader = inputReader;

  it('has no smoke test by default', () => {
    expect(parseInputs(reader({}), ws).smoke).toBeUndefined();
  });

  it('fails on smoke-timeout: soon, naming the input', () => {
    expect(() => parseInputs(reader({ 'compose-file': 'compose.yaml', 'smoke-timeout': 'soon' }), ws)).toThrow(
      /^Input 'smoke-timeout': 'soon' is not a duration/,
    );
  });

  it('defaults smoke-timeout to 120s', () => {
    expect(INPUT_DEFAULTS['smoke-timeout']).toBe('120s');
    expect(parseInputs(reader({ 'compose-file': 'compose.yaml' }), ws).smoke?.timeoutMs).toBe(120_000);
  });
});

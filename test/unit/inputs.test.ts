import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBoolean, parseInputs, parseKeyValues, parsePlatforms, type InputName } from '../../src/inputs.js';
import { parseList } from '../../src/util/list.js';
import { tempDir } from '../support/temp.js';
import { inputErrorOf, inputReader } from '../support/inputs.js';

const ws = tempDir('inputs');
mkdirSync(join(ws, 'app'));
writeFileSync(join(ws, 'app', 'Dockerfile'), 'FROM scratch\n');
writeFileSync(join(ws, 'Other.Dockerfile'), 'FROM scratch\n');

const reader = inputReader;
const inputError = (values: Partial<Record<InputName, string>>) => inputErrorOf(() => parseInputs(reader(values), ws));

describe('parseInputs', () => {
  it('resolves paths against the workspace and applies defaults', () => {
    const inputs = parseInputs(reader({ context: 'app' }), ws);
    expect(inputs.context).toBe(join(ws, 'app'));
    expect(inputs.file).toBe(join(ws, 'app', 'Dockerfile'));
    expect(inputs.platforms).toEqual(['linux/amd64']);
    expect(inputs.push).toBe(false);
    expect(inputs.load).toBe(false);
    expect(inputs.tags).toEqual([]);
  });

  it('takes a Dockerfile relative to the workspace, not the context', () => {
    expect(parseInputs(reader({ context: 'app', file: 'Other.Dockerfile' }), ws).file).toBe(join(ws, 'Other.Dockerfile'));
  });

  it('parses lists, pairs and booleans', () => {
    const inputs = parseInputs(
      reader({
        context: 'app',
        platforms: 'linux/amd64, linux/arm64\nlinux/arm64/v8',
        tags: 'ghcr.io/o/a:1,ghcr.io/o/a:latest',
        push: 'True',
        'build-args': 'A=1\nB=x=y\n\nC=',
        'cache-from': 'type=gha,scope=a\ntype=registry,ref=r/c',
        labels: 'team=go',
      }),
      ws,
    );
    expect(inputs.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(inputs.tags).toEqual(['ghcr.io/o/a:1', 'ghcr.io/o/a:latest']);
    expect(inputs.push).toBe(true);
    expect(inputs.buildArgs).toEqual([
      { key: 'A', value: '1' },
      { key: 'B', value: 'x=y' },
      { key: 'C', value: '' },
    ]);
    expect(inputs.cacheFrom).toEqual(['type=gha,scope=a', 'type=registry,ref=r/c']);
    expect(inputs.labels).toEqual([{ key: 'team', value: 'go' }]);
  });

  it.each<[string, Partial<Record<InputName, string>>, string, RegExp]>([
    [
      'an unknown platform',
      { context: 'app', platforms: 'linux/amd65' },
      'platforms',
      /unknown platform 'linux\/amd65'.*Expected os\/arch/,
    ],
    ['an empty platform list', { context: 'app', platforms: ' , ' }, 'platforms', /is empty/],
    ['a missing context', { context: 'nope' }, 'context', /directory 'nope' does not exist/],
    ['a missing Dockerfile', { context: '.' }, 'file', /Dockerfile 'Dockerfile' does not exist/],
    ['a missing explicit Dockerfile', { context: 'app', file: 'x/Dockerfile' }, 'file', /'x\/Dockerfile' does not exist/],
    ['a build-arg without =', { context: 'app', 'build-args': 'A=1\nVERSION' }, 'build-args', /'VERSION' is not KEY=VALUE/],
    ['a build-arg with a bad key', { context: 'app', 'build-args': '1A=1' }, 'build-args', /'1A' is not a valid key/],
    ['a label without =', { context: 'app', labels: 'team' }, 'labels', /not KEY=VALUE/],
    ['push without tags', { context: 'app', push: 'true' }, 'push', /no tags are given/],
    ['a non-boolean push', { context: 'app', push: 'yes' }, 'push', /'yes' is not a boolean. Expected true or false/],
    ['a non-boolean load', { context: 'app', load: '1' }, 'load', /not a boolean/],
    ['an invalid tag', { context: 'app', tags: 'Ghcr.io/Org/App:1' }, 'tags', /invalid repository/],
    ['a tag with a bad tag part', { context: 'app', tags: 'org/app:-x' }, 'tags', /invalid tag '-x'/],
    ['a version with a line break', { context: 'app', version: '1\n2' }, 'version', /line break/],
  ])('rejects %s, naming the input', (_, values, input, message) => {
    const error = inputError(values);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(new RegExp(`^Input '${input}': `));
    expect(error.message).toMatch(message);
  });
});

describe('small parsers', () => {
  it.each([
    ['a,b\nc', true, ['a', 'b', 'c']],
    ['a,b\nc', false, ['a,b', 'c']],
    ['  a  \n\n# comment\n b', false, ['a', 'b']],
    ['', true, []],
  ])('parseList(%j, commas=%s)', (raw, commas, expected) => {
    expect(parseList(raw, { commas })).toEqual(expected);
  });

  it.each([
    ['', true, true],
    ['false', true, false],
    ['FALSE', true, false],
    ['True', false, true],
  ])('parseBoolean(%j, fallback %s) = %s', (raw, fallback, expected) => {
    expect(parseBoolean('x', raw, fallback)).toBe(expected);
  });

  it('keeps later duplicate keys in order for the merge to resolve', () => {
    expect(parseKeyValues('build-args', 'A=1\nA=2')).toEqual([
      { key: 'A', value: '1' },
      { key: 'A', value: '2' },
    ]);
  });

  it.each([
    ['linux/amd64', ['linux/amd64']],
    ['linux/arm64,linux/amd64', ['linux/arm64', 'linux/amd64']],
    ['LINUX/ARM/v7', ['linux/arm/v7']],
    ['linux/arm', ['linux/arm/v7']],
    ['linux/amd64,linux/amd64', ['linux/amd64']],
  ])('parsePlatforms(%j)', (raw, expected) => {
    expect(parsePlatforms(raw)).toEqual(expected);
  });
});

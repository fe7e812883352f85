import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputs, type InputName } from '../../src/inputs.js';
import { tempDir } from '../support/temp.js';
import { inputErrorOf, inputReader } from '../support/inputs.js';

const ws = tempDir('release-inputs');
writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\n');
const parse = (values: Partial<Record<InputName, string>>) => parseInputs(inputReader(values), ws);
const inputError = (values: Partial<Record<InputName, string>>) => inputErrorOf(() => parse(values));

describe('images', () => {
  it.each([
    ['', []],
    ['ghcr.io/org/app', ['ghcr.io/org/app']],
    ['ghcr.io/org/app, docker.io/org/app\n127.0.0.1:5000/a/b/c', ['ghcr.io/org/app', 'docker.io/org/app', '127.0.0.1:5000/a/b/c']],
    ['org/app\norg/app', ['org/app']],
  ])('%j -> %j', (raw, expected) => {
    expect(parse({ images: raw }).images).toEqual(expected);
  });

  it.each([
    ['ghcr.io/org/App', /Input 'images': 'ghcr.io\/org\/App' has an invalid repository/],
    [
      'ghcr.io/org/app:1.2.3',
      /Input 'images': 'ghcr.io\/org\/app:1.2.3' has a tag\. Expected repositories without tag or digest, e.g\. ghcr.io\/org\/app/,
    ],
    [`org/app@sha256:${'a'.repeat(64)}`, /has a digest/],
    ['org/app/', /Input 'images': .* Expected repositories without tag/],
  ])('rejects %j before any build', (raw, message) => {
    const error = inputError({ images: raw });
    expect(error.input).toBe('images');
    expect(error.message).toMatch(message);
  });

  it('lets push go with images and no tags (tags come from the ref)', () => {
    expect(parse({ images: 'org/app', push: 'true' }).push).toBe(true);
  });
  it('still wants tags or images when push is true', () => {
    expect(inputError({ push: 'true' }).message).toMatch(/Input 'push': is true but no tags are given.*`images`/);
  });
});

describe('dockerfile-checks', () => {
  it.each([
    ['', 'warn'],
    ['warn', 'warn'],
    ['error', 'error'],
    ['off', 'off'],
    [' ERROR ', 'error'],
  ])('%j -> %s', (raw, expected) => {
    expect(parse({ 'dockerfile-checks': raw }).dockerfileChecks).toBe(expected);
  });
  it.each(['loud', 'true', 'warning'])('rejects %j naming the accepted values', (raw) => {
    const error = inputError({ 'dockerfile-checks': raw });
    expect(error.message).toBe(`Input 'dockerfile-checks': '${raw}' is not a mode. Expected one of: warn, error, off.`);
  });
});

/** The fan-out inputs, push-by-digest and merge: parsed with the rest, refused where they cannot work. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputs, type InputName } from '../../src/inputs.js';
import { inputErrorOf, inputReader } from '../support/inputs.js';
import { tempDir } from '../support/temp.js';

const ws = tempDir('merge-inputs');
mkdirSync(join(ws, 'app'));
writeFileSync(join(ws, 'app', 'Dockerfile'), 'FROM scratch\n');
writeFileSync(join(ws, 'compose.yaml'), 'services: {}\n');

const parse = (values: Partial<Record<InputName, string>>) => parseInputs(inputReader({ context: 'app', ...values }), ws);
const BOTH = 'linux/amd64,linux/arm64';

describe('fan-out inputs', () => {
  it.each<[string, Partial<Record<InputName, string>>, string]>([
    ['neither (the default)', {}, 'none'],
    ['push-by-digest with images', { 'push-by-digest': 'true', push: 'true', images: 'ghcr.io/org/app' }, 'push-by-digest'],
    ['push-by-digest with tags', { 'push-by-digest': 'true', push: 'true', tags: 'ghcr.io/org/app:1' }, 'push-by-digest'],
    ['push-by-digest on a pull request (no push, no tags)', { 'push-by-digest': 'true' }, 'push-by-digest'],
    ['push-by-digest of two platforms on one runner', { 'push-by-digest': 'true', platforms: BOTH }, 'push-by-digest'],
    ['merge of two platforms with images', { merge: 'true', platforms: BOTH, push: 'true', images: 'ghcr.io/org/app' }, 'merge'],
    ['merge without push (the reports only)', { merge: 'true', platforms: BOTH }, 'merge'],
    ['False spelled as the table allows', { merge: 'False', 'push-by-digest': 'FALSE' }, 'none'],
  ])('%s', (_, values, fanOut) => {
    expect(parse(values).fanOut).toBe(fanOut);
  });

  it.each<[string, Partial<Record<InputName, string>>, RegExp]>([
    [
      'both at once',
      { merge: 'true', 'push-by-digest': 'true' },
      /^Input 'merge': is true, and so is push-by-digest\. Expected one of them per job: push-by-digest: true in each per-platform job, merge: true in the one job that merges them\.$/,
    ],
    [
      'push-by-digest with push but nowhere to push',
      { 'push-by-digest': 'true', push: 'true' },
      /^Input 'push-by-digest': is true with push, but neither tags nor images name a repository to push to\. Expected repositories in images/,
    ],
    [
      'merge of one platform (the default platforms)',
      { merge: 'true' },
      /^Input 'platforms': names only linux\/amd64, but merge puts together the platforms of the per-platform jobs\. Expected every platform they build, e\.g\. linux\/amd64,linux\/arm64\.$/,
    ],
    [
      'merge with push but nowhere to tag',
      { merge: 'true', platforms: BOTH, push: 'true' },
      /^Input 'merge': is true with push, but neither tags nor images name the repositories to tag/,
    ],
    ['merge with load', { merge: 'true', platforms: BOTH, load: 'true' }, /^Input 'load': is true, but a merge job builds nothing to load/],
    [
      'merge with a smoke test',
      { merge: 'true', platforms: BOTH, 'compose-file': 'compose.yaml' },
      /^Input 'compose-file': is set, but a merge job builds nothing to test/,
    ],
    ['merge that is no boolean', { merge: 'yes' }, /^Input 'merge': 'yes' is not a boolean\. Expected true or false\.$/],
    [
      'push-by-digest that is no boolean',
      { 'push-by-digest': 'on' },
      /^Input 'push-by-digest': 'on' is not a boolean\. Expected true or false\.$/,
    ],
  ])('refuses %s, naming the input', (_, values, message) => {
    expect(inputErrorOf(() => parse(values)).message).toMatch(message);
  });
});

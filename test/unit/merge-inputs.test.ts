/** The fan-out inputs, push-by-digest and merge: parsed with the rest, refused where they cannot work. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputs, type InputName } from '../../src/inputs.js';
import { BUILD_ONLY_INPUTS, mergeIgnoredInputs, mergeIgnoredWarning } from '../../src/merge/inputs.js';
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
      'push-by-digest with load',
      { 'push-by-digest': 'true', load: 'true' },
      /^Input 'load': is true, and so is push-by-digest\. Expected load: false in a per-platform job: it hands its image to the merge job by digest, and its smoke test loads the image it runs by itself\. Load in a job without push-by-digest\.$/,
    ],
    [
      'push-by-digest with load and push',
      { 'push-by-digest': 'true', load: 'true', push: 'true', images: 'ghcr.io/org/app' },
      /^Input 'load': is true, and so is push-by-digest\./,
    ],
    [
      'push-by-digest with load on two platforms',
      { 'push-by-digest': 'true', load: 'true', platforms: BOTH },
      /^Input 'load': is true, and so is push-by-digest\./,
    ],
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

describe('a merge job and the inputs only a build reads', () => {
  const merge = { merge: 'true', platforms: BOTH };
  it.each<[string, Partial<Record<InputName, string>>, string[]]>([
    ['none set', {}, []],
    ['defaults spelled out', { 'no-cache': 'false', pull: 'FALSE', secrets: '' }, []],
    ['secrets and no-cache', { secrets: 'npm=x', 'no-cache': 'true' }, ['secrets', 'no-cache']],
    [
      'network, build-contexts and cache-to',
      { network: 'none', 'build-contexts': 'x=docker-image://alpine', 'cache-to': 'type=inline' },
      ['build-contexts', 'network', 'cache-to'],
    ],
    ['go-private with its token', { 'go-private': 'github.com/acme/*', 'go-private-token': 'ghp_x' }, ['go-private', 'go-private-token']],
    ['labels and annotations', { labels: 'a=b', annotations: 'index:org.opencontainers.image.title=x' }, ['annotations', 'labels']],
  ])('%s: %j', (_, values, ignored) => {
    expect(parse({ ...merge, ...values }).mergeIgnored).toEqual(ignored);
  });

  it('are not looked at outside a merge job', () => {
    expect(parse({ secrets: 'npm=x' }).mergeIgnored).toBeUndefined();
    expect(parse({ 'push-by-digest': 'true', secrets: 'npm=x' }).mergeIgnored).toBeUndefined();
  });

  it('every one of them is a build input of the table', () => {
    expect(mergeIgnoredInputs((n) => (n === 'pull' ? 'true' : ''))).toEqual(['pull']);
    expect(BUILD_ONLY_INPUTS).not.toContain('load');
    expect(BUILD_ONLY_INPUTS).not.toContain('compose-file');
  });

  it.each<[string[], string | undefined]>([
    [[], undefined],
    [
      ['no-cache'],
      'merge is true, and a merge job builds nothing: no-cache does nothing in this job. Expected them in the per-platform jobs (push-by-digest: true), which build.',
    ],
    [
      ['secrets', 'ssh'],
      'merge is true, and a merge job builds nothing: secrets, ssh do nothing in this job. Expected them in the per-platform jobs (push-by-digest: true), which build.',
    ],
  ])('warns once about %j', (names, warning) => {
    expect(mergeIgnoredWarning(names)).toBe(warning);
  });
});

/** metadata-action's rule and flavor grammar: defaults per type, the order by priority, and the refusals (InputError naming the input). */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseTagsInput } from '../../src/inputs.js';
import { isRuleLine, orderRules, parseFlavor, parseRule } from '../../src/release/metadata/rules.js';
import { resolveTags } from '../../src/release/tags.js';

describe('parseRule: defaults of each type', () => {
  it.each<[string, string, Record<string, string>]>([
    ['schedule', 'type=schedule', { pattern: 'nightly', enable: 'true', priority: '1000' }],
    ['semver', 'type=semver,pattern={{version}}', { pattern: '{{version}}', value: '', match: '', enable: 'true', priority: '900' }],
    ['match', 'type=match,pattern=v(.*),group=1', { pattern: 'v(.*)', group: '1', value: '', enable: 'true', priority: '800' }],
    ['edge', 'type=edge', { branch: '', enable: 'true', priority: '700' }],
    ['ref branch', 'type=ref,event=branch', { event: 'branch', enable: 'true', priority: '600' }],
    ['ref pr gets the pr- prefix', 'type=ref,event=pr', { event: 'pr', prefix: 'pr-', enable: 'true', priority: '600' }],
    ['raw', 'type=raw,value=foo', { value: 'foo', enable: 'true', priority: '200' }],
    ['raw with a bare value', 'type=raw,foo', { value: 'foo', enable: 'true', priority: '200' }],
    ['sha', 'type=sha', { prefix: 'sha-', format: 'short', enable: 'true', priority: '100' }],
    [
      'sha with an empty prefix keeps it empty',
      'type=sha,prefix=,format=long',
      { prefix: '', format: 'long', enable: 'true', priority: '100' },
    ],
    [
      'a quoted field may hold commas',
      'type=match,"pattern=^v(\\d{1,3}),(.*)$",group=1',
      { pattern: '^v(\\d{1,3}),(.*)$', group: '1', value: '', enable: 'true', priority: '800' },
    ],
    ['keys in any case, values as written', 'type=raw,VALUE=Foo,Priority=5', { value: 'Foo', priority: '5', enable: 'true' }],
    ['a value holding = keeps it', 'type=raw,value=a=b', { value: 'a=b', enable: 'true', priority: '200' }],
    [
      'enable as an expression',
      'type=raw,value=latest,enable={{is_default_branch}}',
      { value: 'latest', enable: '{{is_default_branch}}', priority: '200' },
    ],
  ])('%s', (_name, line, attrs) => {
    expect(parseRule(line).attrs).toEqual(attrs);
  });

  it.each<[string, string]>([
    ['type=foo', "Input 'tags': Unknown tag type attribute: foo. Expected one of schedule, semver, match, edge, ref, raw, sha."],
    [
      'type=pep440,pattern={{version}}',
      "Input 'tags': Unknown tag type attribute: pep440. Expected one of schedule, semver, match, edge, ref, raw, sha.",
    ],
    ['type=semver', "Input 'tags': Missing pattern attribute for type=semver. Expected e.g. type=semver,pattern={{version}}."],
    ['type=match', "Input 'tags': Missing pattern attribute for type=match. Expected e.g. type=match,pattern=\\d.\\d.\\d."],
    [
      'type=match,pattern=v(.*),group=foo',
      "Input 'tags': Invalid match group for type=match,pattern=v(.*),group=foo. Expected a number, e.g. group=1.",
    ],
    ['type=ref', "Input 'tags': Missing event attribute for type=ref. Expected e.g. type=ref,event=branch."],
    ['type=ref,event=foo', "Input 'tags': Invalid event for type=ref,event=foo. Expected event=branch, event=tag, event=pr."],
    ['type=raw', "Input 'tags': Missing value attribute for type=raw. Expected e.g. type=raw,value=latest."],
    ['type=sha,format=medium', "Input 'tags': Invalid format for type=sha,format=medium. Expected format=short or format=long."],
    [
      'type=raw,value=x,priority=high',
      "Input 'tags': Invalid priority for type=raw,value=x,priority=high: 'high'. Expected a number, e.g. priority=950.",
    ],
    [
      'type=raw,"value=x',
      "Input 'tags': 'type=raw,\"value=x': item 1 opens a quote that is never closed. Expected key=value fields separated by commas.",
    ],
  ])('%s is refused', (line, message) => {
    expect(() => parseRule(line)).toThrow(new InputError('tags', message.replace("Input 'tags': ", '')));
  });

  it('orders by priority, highest first; equal priorities as written', () => {
    const rules = ['type=sha', 'type=raw,value=a', 'type=semver,pattern={{version}}', 'type=raw,value=b', 'type=edge,priority=950'].map(
      parseRule,
    );
    expect(orderRules(rules).map((r) => r.source)).toEqual([
      'type=edge,priority=950',
      'type=semver,pattern={{version}}',
      'type=raw,value=a',
      'type=raw,value=b',
      'type=sha',
    ]);
  });
});

describe('the tags input: rules beside plain references', () => {
  it.each<[string, string, string[], string[]]>([
    ['references only, by line or comma, as before', 'r.io/a:1, r.io/a:2\nr.io/b:1', ['r.io/a:1', 'r.io/a:2', 'r.io/b:1'], []],
    [
      'rules only',
      'type=ref,event=branch\ntype=semver,pattern={{major}}.{{minor}}',
      [],
      ['type=ref,event=branch', 'type=semver,pattern={{major}}.{{minor}}'],
    ],
    [
      'both, comments skipped',
      '# rules\ntype=sha\nr.io/a:pinned\n  type=raw,value=x,enable={{is_default_branch}}',
      ['r.io/a:pinned'],
      ['type=sha', 'type=raw,value=x,enable={{is_default_branch}}'],
    ],
  ])('%s', (_name, raw, tags, rules) => {
    const parsed = parseTagsInput(raw);
    expect(parsed.tags).toEqual(tags);
    expect(parsed.tagRules.map((r) => r.source)).toEqual(rules);
  });

  it('a line is a rule only when it starts with type=', () => {
    expect(['type=sha', ' TYPE = raw,value=x', 'foo', 'r.io/a:type=x'].map(isRuleLine)).toEqual([true, true, false, false]);
  });
});

describe('parseFlavor', () => {
  const base = { latest: 'auto', prefix: '', prefixLatest: false, suffix: '', suffixLatest: false };
  it.each<[string[], Partial<typeof base>]>([
    [[], {}],
    [['latest=true'], { latest: 'true' }],
    [['latest=false'], { latest: 'false' }],
    [['prefix=foo-'], { prefix: 'foo-' }],
    [['suffix=-bar'], { suffix: '-bar' }],
    [['prefix=foo-,onlatest=true'], { prefix: 'foo-', prefixLatest: true }],
    [['suffix=-bar,onlatest=true'], { suffix: '-bar', suffixLatest: true }],
    [['prefix=foo-', 'suffix=-bar,onlatest=true'], { prefix: 'foo-', suffix: '-bar', suffixLatest: true }],
    [['latest=false', 'prefix=foo-,onlatest=false', 'suffix=-bar'], { latest: 'false', prefix: 'foo-', suffix: '-bar' }],
  ])('%j', (lines, expected) => {
    expect(parseFlavor(lines)).toEqual({ ...base, ...expected });
  });

  it.each<[string[], string]>([
    [['randomstr', 'latest=auto'], 'Invalid flavor entry: randomstr. Expected key=value, e.g. latest=false.'],
    [['unknwown=foo'], 'Unknown flavor entry: unknwown=foo. Expected latest=, prefix=, suffix= and onlatest=.'],
    [['latest'], 'Invalid flavor entry: latest. Expected key=value, e.g. latest=false.'],
    [['latest=maybe'], 'Invalid latest flavor entry: latest=maybe. Expected latest=auto, latest=true or latest=false.'],
    [['prefix=a,onlatest=yes'], 'Invalid value for onlatest attribute: yes. Expected onlatest=true or onlatest=false.'],
  ])('%j is refused', (lines, message) => {
    expect(() => parseFlavor(lines)).toThrow(new InputError('flavor', message));
  });
});

describe('resolveTags with rules', () => {
  const ctx = { eventName: 'push', ref: 'refs/tags/v1.2.3', sha: '0123456789abcdef0123456789abcdef01234567', defaultBranch: 'main' };
  it('the plain references first, then every image with every rule tag, each once; the fixed rules are not used', () => {
    const resolved = resolveTags({ tags: ['r.io/a:pinned', 'r.io/a:1.2.3'], images: ['r.io/a', 'r.io/b'] }, ctx, ['1.2.3', 'latest']);
    expect(resolved).toEqual({
      tags: ['r.io/a:pinned', 'r.io/a:1.2.3', 'r.io/a:latest', 'r.io/b:1.2.3', 'r.io/b:latest'],
      source: 'rules',
      reason: 'the type= rules of tags',
    });
  });

  it('rules that give nothing for this ref give no tag (not the fixed ones)', () => {
    expect(resolveTags({ tags: [], images: ['r.io/a'] }, ctx, []).tags).toEqual([]);
  });
});

/**
 * docker/metadata-action's tag rules (`type=semver,pattern={{version}}`) and its `flavor`, read
 * with the same defaults and refusals, so a workflow moved from metadata-action keeps its meaning.
 * Pure: each rule line is one CSV record of `key=value` fields (a quoted field may hold commas).
 */
import { InputError } from '../../errors.js';
import { ListSyntaxError, parseList } from '../../util/list.js';

export const RULE_TYPES = ['schedule', 'semver', 'match', 'edge', 'ref', 'raw', 'sha'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export const REF_EVENTS = ['branch', 'tag', 'pr'] as const;
export const SHA_FORMATS = ['short', 'long'] as const;

/** Where a rule stands in the list when it gives no `priority`: the higher, the earlier. */
export const DEFAULT_PRIORITIES: Record<RuleType, number> = {
  schedule: 1000,
  semver: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100,
};

export interface TagRule {
  type: RuleType;
  /** The attributes as given (keys in lower case), with the type's defaults filled in. */
  attrs: Record<string, string>;
  /** The line as written, for messages. */
  source: string;
}

/** Pure: whether a line of `tags` is a rule (else it is an image reference). */
export function isRuleLine(line: string): boolean {
  return /^type\s*=/i.test(line.trim());
}

function fieldsOf(input: 'tags' | 'flavor', line: string): string[] {
  try {
    return parseList(line, { csv: true, commas: true });
  } catch (error) {
    if (error instanceof ListSyntaxError)
      throw new InputError(input, `'${line}': ${error.message}. Expected key=value fields separated by commas.`);
    throw error;
  }
}

const has = (attrs: Record<string, string>, key: string): boolean => Object.hasOwn(attrs, key);

/** Pure: one rule line, with the defaults of its type; InputError naming `tags` when it is not a rule. */
export function parseRule(line: string): TagRule {
  const attrs: Record<string, string> = {};
  let type: RuleType | undefined;
  for (const field of fieldsOf('tags', line)) {
    const eq = field.indexOf('=');
    if (eq <= 0) {
      // A bare field is the rule's value (`type=raw,foo`).
      attrs.value = field.trim();
      continue;
    }
    const key = field.slice(0, eq).trim().toLowerCase();
    const value = field.slice(eq + 1).trim();
    if (key !== 'type') {
      attrs[key] = value;
      continue;
    }
    if (!(RULE_TYPES as readonly string[]).includes(value)) {
      throw new InputError('tags', `Unknown tag type attribute: ${value}. Expected one of ${RULE_TYPES.join(', ')}.`);
    }
    type = value as RuleType;
  }
  const rule: TagRule = { type: type ?? 'raw', attrs, source: line.trim() };
  fillDefaults(rule);
  if (!has(attrs, 'enable')) attrs.enable = 'true';
  if (!has(attrs, 'priority')) attrs.priority = String(DEFAULT_PRIORITIES[rule.type]);
  const priority = attrs.priority!;
  if (priority.trim() === '' || Number.isNaN(Number(priority))) {
    throw new InputError('tags', `Invalid priority for ${rule.source}: '${priority}'. Expected a number, e.g. priority=950.`);
  }
  return rule;
}

function fillDefaults(rule: TagRule): void {
  const { attrs, source } = rule;
  const missing = (what: string, example: string): InputError =>
    new InputError('tags', `Missing ${what} attribute for ${source}. Expected e.g. ${example}.`);
  const defaults = (values: Record<string, string>): void => {
    for (const [k, v] of Object.entries(values)) if (!has(attrs, k)) attrs[k] = v;
  };
  switch (rule.type) {
    case 'schedule':
      return defaults({ pattern: 'nightly' });
    case 'semver':
      if (!has(attrs, 'pattern')) throw missing('pattern', 'type=semver,pattern={{version}}');
      return defaults({ value: '', match: '' });
    case 'match':
      if (!has(attrs, 'pattern')) throw missing('pattern', 'type=match,pattern=\\d.\\d.\\d');
      defaults({ group: '0', value: '' });
      if (attrs.group!.trim() === '' || Number.isNaN(Number(attrs.group))) {
        throw new InputError('tags', `Invalid match group for ${source}. Expected a number, e.g. group=1.`);
      }
      return;
    case 'edge':
      return defaults({ branch: '' });
    case 'ref':
      if (!has(attrs, 'event')) throw missing('event', 'type=ref,event=branch');
      if (!(REF_EVENTS as readonly string[]).includes(attrs.event!)) {
        throw new InputError('tags', `Invalid event for ${source}. Expected event=${REF_EVENTS.join(', event=')}.`);
      }
      if (attrs.event === 'pr') defaults({ prefix: 'pr-' });
      return;
    case 'raw':
      if (!has(attrs, 'value')) throw missing('value', 'type=raw,value=latest');
      return;
    case 'sha':
      defaults({ prefix: 'sha-', format: 'short' });
      if (!(SHA_FORMATS as readonly string[]).includes(attrs.format!)) {
        throw new InputError('tags', `Invalid format for ${source}. Expected format=short or format=long.`);
      }
  }
}

/** Pure: the rules in the order their tags are listed: by priority, highest first; equal ones as written. */
export function orderRules(rules: TagRule[]): TagRule[] {
  return [...rules].sort((a, b) => Number(b.attrs.priority) - Number(a.attrs.priority));
}

export interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  /** Whether `latest` gets the prefix too. */
  prefixLatest: boolean;
  suffix: string;
  /** Whether `latest` gets the suffix too. */
  suffixLatest: boolean;
}

/** Pure: the `flavor` input's lines; `onlatest` applies to the prefix or suffix just before it on its line. */
export function parseFlavor(lines: string[]): Flavor {
  const flavor: Flavor = { latest: 'auto', prefix: '', prefixLatest: false, suffix: '', suffixLatest: false };
  for (const line of lines) {
    let onLatestFor: 'prefix' | 'suffix' | undefined;
    for (const field of fieldsOf('flavor', line)) {
      const parts = field.split('=').map((p) => p.trim());
      if (parts.length === 1) throw new InputError('flavor', `Invalid flavor entry: ${line}. Expected key=value, e.g. latest=false.`);
      const key = parts[0]!.toLowerCase();
      const value = parts[1]!;
      if (key === 'latest') {
        if (value !== 'auto' && value !== 'true' && value !== 'false') {
          throw new InputError('flavor', `Invalid latest flavor entry: ${line}. Expected latest=auto, latest=true or latest=false.`);
        }
        flavor.latest = value;
      } else if (key === 'prefix' || key === 'suffix') {
        flavor[key] = value;
        onLatestFor = key;
      } else if (key === 'onlatest') {
        if (value !== 'true' && value !== 'false') {
          throw new InputError('flavor', `Invalid value for onlatest attribute: ${value}. Expected onlatest=true or onlatest=false.`);
        }
        if (onLatestFor === 'prefix') flavor.prefixLatest = value === 'true';
        if (onLatestFor === 'suffix') flavor.suffixLatest = value === 'true';
      } else {
        throw new InputError('flavor', `Unknown flavor entry: ${line}. Expected latest=, prefix=, suffix= and onlatest=.`);
      }
    }
  }
  return flavor;
}

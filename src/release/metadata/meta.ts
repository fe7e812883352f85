/**
 * The tags metadata-action gives for a set of rules and an event, worked out the way it does:
 * the rules in priority order each give at most one value (prefix and suffix applied, then
 * sanitised); the first value is the version, the others follow it; the first rule that gave a
 * value decides `latest` (under `flavor: latest=auto`). Pure: the clock, the commit date and the
 * repository's default branch are given.
 */
import semver from 'semver';
import { InputError } from '../../errors.js';
import { DEFAULT_DATE_FORMAT, formatDate } from './date-format.js';
import { orderRules, type Flavor, type TagRule } from './rules.js';
import { isRawStatement, renderTemplate, TemplateError, type Helper, type TemplateScope } from './template.js';

export interface MetaContext {
  eventName: string;
  /** The ref as metadata-action sees it (a pull_request_target run: refs/pull/<n>/merge). */
  ref: string;
  sha: string;
  payload: Record<string, unknown>;
  /** The repository's default branch (the API's, else the payload's): where `type=edge` applies. */
  defaultBranch: string;
  now: Date;
  commitDate: Date;
  /** Characters of the short sha (7, or DOCKER_METADATA_SHORT_SHA_LENGTH). */
  shortShaLength: number;
}

export interface MetaVersion {
  /** The first tag: the version (undefined when no rule gave one). */
  main?: string;
  /** The other tags, in order, without repeats. */
  partial: string[];
  latest: boolean;
  /** What a person should know: a rule that did not apply and why (metadata-action's warnings). */
  warnings: string[];
}

/** metadata-action's sanitising: every run of characters a tag cannot hold becomes one '-'. */
export function sanitizeMetaTag(tag: string): string {
  return tag.replace(/[^a-zA-Z0-9._-]+/g, '-');
}

export function shortSha(sha: string, length: number): string {
  return length >= sha.length ? sha : sha.slice(0, length);
}

const get = (obj: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((cur, key) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined), obj);

function dateHelper(date: Date): Helper {
  return (args, hash) => {
    let tz = 'UTC';
    for (const [key, value] of Object.entries(hash)) {
      if (key !== 'tz') throw new TemplateError(`Unknown ${key} attribute`);
      tz = String(value ?? 'UTC');
    }
    const format = args[0];
    return format === undefined ? formatDate(date, DEFAULT_DATE_FORMAT, tz) : formatDate(date, String(format), tz);
  };
}

/** What `{{…}}` names in values, prefixes, suffixes, `enable` and labels. */
export function globalScope(ctx: MetaContext): TemplateScope {
  const branchOf = (ref: string): string => ref.replace(/^refs\/heads\//, '');
  const isDefault = (): string => {
    const branch = branchOf(ctx.ref);
    if (branch === '') return 'false';
    if (get(ctx.payload, 'repository', 'default_branch') === branch) return 'true';
    // These events always run on the last commit of the default branch.
    return /create|discussion|issues|schedule/.test(ctx.eventName) ? 'true' : 'false';
  };
  const baseRef = (): string => {
    const fromPush = get(ctx.payload, 'base_ref');
    if (ctx.ref.startsWith('refs/tags/') && typeof fromPush === 'string') return branchOf(fromPush);
    const fromPull = get(ctx.payload, 'pull_request', 'base', 'ref');
    if (ctx.ref.startsWith('refs/pull/') && typeof fromPull === 'string') return fromPull;
    return '';
  };
  return {
    branch: () => (ctx.ref.startsWith('refs/heads/') ? branchOf(ctx.ref) : ''),
    tag: () => (ctx.ref.startsWith('refs/tags/') ? ctx.ref.slice('refs/tags/'.length) : ''),
    sha: () => shortSha(ctx.sha, ctx.shortShaLength),
    base_ref: baseRef,
    is_default_branch: isDefault,
    is_not_default_branch: () => (isDefault() === 'false' ? 'true' : 'false'),
    date: dateHelper(ctx.now),
    commit_date: dateHelper(ctx.commitDate),
  };
}

/** Renders a rule's text; a bad expression is an InputError naming `tags` and the rule. */
function render(template: string, scope: TemplateScope, rule: TagRule | undefined): string {
  try {
    return renderTemplate(template, scope);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const where = rule ? ` in ${rule.source}` : '';
    throw new InputError(
      rule ? 'tags' : 'labels',
      `${error.message}${where}. Expected {{branch}}, {{tag}}, {{sha}}, {{base_ref}}, {{is_default_branch}}, {{date 'YYYYMMDD'}} or {{commit_date 'YYYYMMDD' tz='UTC'}}.`,
    );
  }
}

/** Pure: the version and tags metadata-action gives for these rules, flavor and event. */
export function computeVersion(rules: TagRule[], flavor: Flavor, ctx: MetaContext): MetaVersion {
  const scope = globalScope(ctx);
  const out: MetaVersion = { partial: [], latest: false, warnings: [] };
  let latestDecided = false;
  const exp = (text: string, rule: TagRule): string => render(text, scope, rule);
  const withAffixes = (value: string, rule: TagRule): string => {
    const prefix = Object.hasOwn(rule.attrs, 'prefix') ? exp(rule.attrs.prefix!, rule) : exp(flavor.prefix, rule);
    const suffix = Object.hasOwn(rule.attrs, 'suffix') ? exp(rule.attrs.suffix!, rule) : exp(flavor.suffix, rule);
    return `${prefix}${value}${suffix}`;
  };
  const latestFor = (auto: boolean): boolean => (flavor.latest === 'auto' ? auto : flavor.latest === 'true');
  for (const rule of orderRules(rules)) {
    const enabled = exp(rule.attrs.enable!, rule);
    if (enabled !== 'true' && enabled !== 'false') {
      throw new InputError(
        'tags',
        `Invalid value for enable attribute: ${enabled} (in ${rule.source}). Expected true, false or {{is_default_branch}}.`,
      );
    }
    if (enabled === 'false') continue;
    const given = ruleValue(rule, ctx, scope, out.warnings);
    if (!given) continue;
    // As metadata-action: an empty value still counts once a prefix or suffix made it non-empty.
    const affixed = withAffixes(given.value, rule);
    if (affixed.length === 0) continue;
    const value = sanitizeMetaTag(affixed);
    if (out.main === undefined) out.main = value;
    else if (value !== out.main && !out.partial.includes(value)) out.partial.push(value);
    if (!latestDecided) {
      out.latest = latestFor(given.autoLatest);
      latestDecided = true;
    }
  }
  return out;
}

/** One rule's value before the prefix and suffix, and whether it makes `latest` under auto. */
type RuleValue = { value: string; autoLatest: boolean } | undefined;

function ruleValue(rule: TagRule, ctx: MetaContext, scope: TemplateScope, warnings: string[]): RuleValue {
  const { attrs } = rule;
  const ref = ctx.ref;
  switch (rule.type) {
    case 'schedule':
      if (!/schedule/.test(ctx.eventName)) return undefined;
      return { value: render(attrs.pattern!, { date: scope.date, commit_date: scope.commit_date }, rule), autoLatest: false };
    case 'semver':
      return semverValue(rule, ctx, scope, warnings);
    case 'match':
      return matchValue(rule, ctx, scope, warnings);
    case 'edge': {
      if (!ref.startsWith('refs/heads/')) return undefined;
      const branch = attrs.branch || ctx.defaultBranch;
      return branch === ref.slice('refs/heads/'.length) ? { value: 'edge', autoLatest: false } : undefined;
    }
    case 'ref':
      if (attrs.event === 'branch' && ref.startsWith('refs/heads/')) return { value: ref.slice('refs/heads/'.length), autoLatest: false };
      if (attrs.event === 'tag' && ref.startsWith('refs/tags/')) return { value: ref.slice('refs/tags/'.length), autoLatest: true };
      if (attrs.event === 'pr' && ref.startsWith('refs/pull/')) {
        return { value: ref.slice('refs/pull/'.length).replace(/\/merge$/, ''), autoLatest: false };
      }
      return undefined;
    case 'raw':
      return { value: render(attrs.value!, scope, rule), autoLatest: false };
    case 'sha':
      if (!ctx.sha) return undefined;
      return { value: attrs.format === 'short' ? shortSha(ctx.sha, ctx.shortShaLength) : ctx.sha, autoLatest: false };
  }
}

/** The text a semver or match rule reads: its `value`, else the tag of a tag ref; undefined elsewhere. */
function versionText(rule: TagRule, ctx: MetaContext, scope: TemplateScope): string | undefined {
  if (rule.attrs.value!.length > 0) return render(rule.attrs.value!, scope, rule);
  return ctx.ref.startsWith('refs/tags/') ? ctx.ref.slice('refs/tags/'.length) : undefined;
}

function semverValue(rule: TagRule, ctx: MetaContext, scope: TemplateScope, warnings: string[]): RuleValue {
  let text = versionText(rule, ctx, scope);
  if (text === undefined) return undefined;
  const match = rule.attrs.match!;
  if (match.length > 0) {
    const found = text.match(new RegExp(match));
    if (!found) warnings.push(`${match} does not match ${text}.`);
    else if (found[1] === undefined) warnings.push(`${match} has no group 1 for ${text}: the whole text is used.`);
    else text = found[1];
  }
  text = text.replace(/\//g, '-');
  if (!semver.valid(text)) {
    warnings.push(`${text} is not a valid semver (${rule.source}). More info: https://semver.org/`);
    return undefined;
  }
  const parsed = semver.parse(text, { loose: true })!;
  const fields: TemplateScope = {
    raw: parsed.raw,
    version: parsed.version,
    major: parsed.major,
    minor: parsed.minor,
    patch: parsed.patch,
    prerelease: parsed.prerelease,
    build: parsed.build,
  };
  // A prerelease is never a floating tag: only its full version (or the raw text) is written.
  const prerelease = semver.prerelease(text) !== null;
  const pattern = prerelease ? (isRawStatement(rule.attrs.pattern!) ? rule.attrs.pattern! : '{{version}}') : rule.attrs.pattern!;
  return { value: render(pattern, fields, rule), autoLatest: !prerelease };
}

function matchValue(rule: TagRule, ctx: MetaContext, scope: TemplateScope, warnings: string[]): RuleValue {
  const text = versionText(rule, ctx, scope);
  if (text === undefined) return undefined;
  const { pattern, group } = rule.attrs as { pattern: string; group: string };
  let re: RegExp;
  try {
    const literal = /^\/(.+)\/(.*)$/.exec(pattern);
    re = literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(pattern);
  } catch (error) {
    throw new InputError('tags', `Invalid pattern in ${rule.source}: ${(error as Error).message}. Expected a regular expression.`);
  }
  const found = text.match(re);
  if (!found) {
    warnings.push(`${pattern} does not match ${text}.`);
    return undefined;
  }
  const value = found[Number(group)];
  if (value === undefined) {
    warnings.push(`Group ${group} does not exist for ${pattern} pattern.`);
    return undefined;
  }
  return { value, autoLatest: true };
}

/** Pure: the tags (without repository) of a version: the version, the others, then `latest` with the flavor's affixes when asked. */
export function tagNames(version: MetaVersion, flavor: Flavor): string[] {
  if (version.main === undefined) return [];
  const tags = [version.main, ...version.partial];
  if (version.latest) {
    const latest = sanitizeMetaTag(`${flavor.prefixLatest ? flavor.prefix : ''}latest${flavor.suffixLatest ? flavor.suffix : ''}`);
    if (!tags.includes(latest)) tags.push(latest);
  }
  return tags;
}

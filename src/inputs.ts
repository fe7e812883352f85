import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './errors.js';
import { normalizePlatform } from './util/platforms.js';
import { versionProblem } from './release/version.js';
import { parseDockerfile } from './dockerfile/model.js';
import { stageNames } from './dockerfile/stages.js';
import { checkRealPathInside, workspacePath } from './util/workspace-path.js';
import { isImageReferenceError, parseImageReference } from './util/reference.js';
import { parseImages } from './release/images.js';
import { isRuleLine, parseFlavor, parseRule, type TagRule } from './release/metadata/rules.js';
import { parseCheckMode, type CheckMode } from './checks/mode.js';
import { parseSmokeInputs, type SmokeInputs } from './smoke/inputs.js';
import { parseSizeInputs, type SizeInputs } from './size/inputs.js';
import { parseVulnDb } from './vuln/db.js';
import { parseVulnCheck } from './vuln/policy.js';
import type { VulnInputs } from './vuln/stage.js';
import { parseBuildExtras } from './buildx/extra-inputs.js';
import { parseGoPrivate } from './buildx/go-private.js';
import { secretValues } from './buildx/extras.js';
import { parseGoCacheMaxSize, parseGoCacheSave, type GoCacheSaveMode } from './go-cache/quota.js';
import { mergeIgnoredInputs, parseFanOut, type FanOutSettings } from './merge/inputs.js';

export { INPUT_DEFAULTS, parseBoolean, type InputName, type InputReader } from './input-table.js';
export type { KeyValue } from './util/key-value.js';
import type { BuildSettings } from './buildx/plan.js';
import type { ReleaseSettings } from './release/stage.js';
import type { KeyValue } from './util/key-value.js';
import {
  booleanInput,
  INPUT_DEFAULTS,
  INPUT_NAMES,
  INPUTS,
  listInput,
  listItems,
  type InputOfKind,
  type InputReader,
} from './input-table.js';

/**
 * The action's settings, parsed and validated once. Each capability reads its own slice
 * (BuildSettings, ReleaseSettings, …), declared where it is used.
 */
export interface Inputs extends BuildSettings, ReleaseSettings, FanOutSettings {
  /** The `version` input; empty means: derive it from the ref. */
  version?: string;
  githubToken: string;
  /** What Dockerfile check findings do: warn, error (fail before the build) or off. */
  dockerfileChecks: CheckMode;
  /** The smoke test's settings; undefined when compose-file is empty (skipped). */
  smoke?: SmokeInputs;
  /** Baseline, budgets and comment mode of the size report. */
  size: SizeInputs;
  /** The known-vulnerability scan of the Go binaries: its policy and database. */
  vuln: VulnInputs;
  /** Restore and save the Dockerfile's cache mounts through the Actions cache (default true). */
  goCache: boolean;
  /** auto: one entry per cache and ref; always: every run's entry kept; never: restore only. */
  goCacheSave: GoCacheSaveMode;
  /** The most a Go build cache's archive may hold, in bytes (go-cache-max-size). */
  goCacheMaxBytes: number;
}

const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Newline-separated KEY=VALUE pairs; a later key overrides an earlier one. */
export function parseKeyValues(name: string, raw: string): KeyValue[] {
  const pairs: KeyValue[] = [];
  for (const line of raw.split(/\r?\n/)) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    const eq = text.indexOf('=');
    if (eq <= 0) {
      throw new InputError(name, `'${text}' is not KEY=VALUE. Expected one KEY=VALUE per line, e.g. VERSION=1.2.3.`);
    }
    const key = text.slice(0, eq).trim();
    if (!ENV_KEY_RE.test(key)) {
      throw new InputError(name, `'${key}' is not a valid key. Expected letters, digits and _ . - (not starting with a digit).`);
    }
    pairs.push({ key, value: text.slice(eq + 1) });
  }
  return pairs;
}

export function parsePlatforms(raw: string): string[] {
  const list = listItems('platforms', raw);
  if (list.length === 0) throw new InputError('platforms', 'is empty. Expected os/arch[/variant], e.g. linux/amd64,linux/arm64.');
  const out: string[] = [];
  for (const p of list) {
    const normalized = normalizePlatform(p);
    if (!normalized) {
      throw new InputError(
        'platforms',
        `unknown platform '${p}'. Expected os/arch[/variant], e.g. linux/amd64, linux/arm64, linux/arm/v7.`,
      );
    }
    if (!out.includes(normalized)) out.push(normalized);
  }
  return out;
}

/**
 * The `tags` input: image references (one per line, or several separated by commas), and
 * metadata-action rules (lines starting with `type=`), which may hold commas.
 */
export function parseTagsInput(raw: string): { tags: string[]; tagRules: TagRule[] } {
  const lines = listItems('tags', raw);
  const tagRules = lines.filter(isRuleLine).map(parseRule);
  const tags = lines
    .filter((l) => !isRuleLine(l))
    .flatMap((l) =>
      l
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    );
  return { tags: parseTags(tags), tagRules };
}

export function parseTags(tags: string[]): string[] {
  for (const tag of tags) {
    const parsed = parseImageReference(tag);
    if (isImageReferenceError(parsed)) {
      throw new InputError('tags', `'${tag}' ${parsed.error}. Expected image references such as ghcr.io/org/app:1.2.3.`);
    }
  }
  return tags;
}

function optional(raw: string): string | undefined {
  const v = raw.trim();
  return v === '' ? undefined : v;
}

const CONTEXT_FORM = 'the path of the build context, relative to the workspace';
const FILE_FORM = 'the path of a Dockerfile, relative to the workspace (default: <context>/Dockerfile)';

/**
 * The build context and the Dockerfile: they must exist inside the workspace, symbolic links
 * followed. Nothing is read from a path before it is known to be inside.
 */
export function parseBuildPaths(read: InputReader, workspace: string): { context: string; file: string; fileName: string } {
  const contextRaw = read('context').trim() || INPUT_DEFAULTS.context;
  const context = workspacePath('context', contextRaw, workspace, CONTEXT_FORM);
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    throw new InputError('context', `directory '${contextRaw}' does not exist. Expected ${CONTEXT_FORM}.`);
  }
  checkRealPathInside('context', contextRaw, context, workspace, CONTEXT_FORM);
  const fileRaw = read('file').trim();
  const fileName = fileRaw || join(contextRaw, 'Dockerfile');
  const file = fileRaw ? workspacePath('file', fileRaw, workspace, FILE_FORM) : join(context, 'Dockerfile');
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new InputError('file', `Dockerfile '${fileName}' does not exist. Expected ${FILE_FORM}.`);
  }
  checkRealPathInside('file', fileName, file, workspace, FILE_FORM);
  return { context, file, fileName };
}

/** `target` must name a stage of the Dockerfile (read only once it is known to be inside the workspace). */
export function parseTarget(raw: string, file: string, fileName: string): string | undefined {
  const target = optional(raw);
  if (target === undefined) return undefined;
  const names = stageNames(parseDockerfile(readFileSync(file, 'utf8')));
  if (names.includes(target.toLowerCase())) return target;
  const expected = names.length > 0 ? `one of its stages: ${names.join(', ')}` : 'a stage named with FROM … AS <name>; it names none';
  throw new InputError('target', `'${target}' is not a stage of ${fileName}. Expected ${expected}.`);
}

/**
 * The `version` input, and a VERSION build-arg (the version when `version` is empty; the
 * build-arg the build gets in any case): each must be a Docker tag body.
 */
export function parseVersion(raw: string, buildArgs: KeyValue[]): string | undefined {
  const version = optional(raw);
  if (version !== undefined && /[\r\n]/.test(version)) {
    throw new InputError('version', 'contains a line break. Expected one line, e.g. 1.2.3.');
  }
  const versionIssue = version === undefined ? undefined : versionProblem(version);
  if (versionIssue) throw new InputError('version', versionIssue);
  const fromArgs = buildArgs.findLast((a) => a.key === 'VERSION')?.value;
  const argIssue = fromArgs === undefined ? undefined : versionProblem(fromArgs);
  if (argIssue) throw new InputError('build-args', `VERSION ${argIssue}`);
  return version;
}

/**
 * Parses and validates every input. `cwd` is where relative paths start (the workspace).
 * Throws InputError naming the input and the form it expects.
 */
export function parseInputs(read: InputReader, cwd: string, env: NodeJS.ProcessEnv = process.env): Inputs {
  // Every switch of the table is checked here, also those read elsewhere (summary).
  for (const name of INPUT_NAMES) if (INPUTS[name].kind === 'boolean') booleanInput(read, name as InputOfKind<'boolean'>);
  const { context, file, fileName } = parseBuildPaths(read, cwd);
  const platforms = parsePlatforms(read('platforms') || INPUT_DEFAULTS.platforms);
  const { tags, tagRules } = parseTagsInput(read('tags'));
  const flavor = parseFlavor(listInput(read, 'flavor'));
  const push = booleanInput(read, 'push');
  const load = booleanInput(read, 'load');
  const images = parseImages(listInput(read, 'images'));
  if (tagRules.length > 0 && images.length === 0) {
    throw new InputError(
      'tags',
      `has type= rules (${tagRules[0]!.source}) but \`images\` is empty. Expected the repositories the rules tag in \`images\`, e.g. ghcr.io/org/app.`,
    );
  }
  const dockerfileChecks = parseCheckMode(read('dockerfile-checks'));
  const fanOut = parseFanOut(read, { push, load, tags, images, platforms, composeFile: read('compose-file') });
  if (push && tags.length === 0 && images.length === 0) {
    throw new InputError(
      'push',
      'is true but no tags are given. Expected at least one image reference in `tags`, e.g. ghcr.io/org/app:latest, or repositories in `images` to tag from the ref.',
    );
  }
  const buildArgs = parseKeyValues('build-args', read('build-args'));
  const version = parseVersion(read('version'), buildArgs);
  const goPrivate = parseGoPrivate(read('go-private'), read('go-private-token'));
  const extras = parseBuildExtras(read, cwd, env, goPrivate);
  return {
    context,
    file,
    platforms,
    tags,
    tagRules,
    flavor,
    push,
    load,
    buildArgs,
    target: parseTarget(read('target'), file, fileName),
    builder: optional(read('builder')),
    cacheFrom: listInput(read, 'cache-from'),
    cacheTo: listInput(read, 'cache-to'),
    labels: parseKeyValues('labels', read('labels')),
    reproducible: booleanInput(read, 'reproducible'),
    extras,
    goPrivate,
    version,
    githubToken: read('github-token').trim(),
    images,
    dockerfileChecks,
    smoke: parseSmokeInputs(read, cwd),
    size: parseSizeInputs(read, platforms),
    vuln: { check: parseVulnCheck(read('vuln-check')), db: parseVulnDb(read('vuln-db'), cwd) },
    goCache: booleanInput(read, 'go-cache'),
    goCacheSave: parseGoCacheSave(read('go-cache-save')),
    goCacheMaxBytes: parseGoCacheMaxSize(read('go-cache-max-size') || INPUT_DEFAULTS['go-cache-max-size']),
    fanOut,
    ...(fanOut === 'merge' ? { mergeIgnored: mergeIgnoredInputs(read) } : {}),
  };
}

/** Every secret the inputs hold, to mask (setSecret) before anything is logged. */
export function inputSecrets(inputs: Pick<Inputs, 'githubToken' | 'goPrivate' | 'extras'>, env: NodeJS.ProcessEnv = process.env): string[] {
  const readFile = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined; // Gone since it was checked: buildx says so.
    }
  };
  return [inputs.githubToken, inputs.goPrivate?.token ?? '', ...secretValues(inputs.extras, env, readFile)].filter(Boolean);
}

import { InputError } from './errors.js';
import { ListSyntaxError, parseList, type ListForm } from './util/list.js';

/**
 * Every input of the action, declared once: its default, its kind (how the CLI reads a flag
 * and how the value is parsed) and the capability that owns it. The defaults, the CLI's flags
 * and --help, and each capability's typed reader come from here; a test holds action.yml
 * (names, defaults) and the README's table to it.
 */

/** How an input's text is read. */
export type InputKind =
  /** One line of text. */
  | 'string'
  /** true or false; a bare CLI flag means true. */
  | 'boolean'
  | ListKind
  /** KEY=VALUE, one per line. */
  | 'key-value'
  /** A path inside the workspace. */
  | 'path'
  /** One of a few words. */
  | 'enum'
  /** Never printed. */
  | 'secret';

/** How a list input's text splits into items (src/util/list.ts); `listInput` reads by it. */
export type ListKind =
  /** Items separated by commas or new lines; `#` lines are comments. */
  | 'list'
  /** One item per line (items may hold commas); `#` lines are comments. */
  | 'lines'
  /** build-push-action's CSV form: separated by commas or new lines; a quoted item may hold both. */
  | 'csv-list'
  /** build-push-action's CSV form, one item per line (commas stay in the item); a quoted item may span lines. */
  | 'csv-lines'
  /** As csv-lines, never printed, and each value keeps its spaces. */
  | 'secret-lines';

const LIST_FORMS: Record<ListKind, ListForm> = {
  list: { commas: true },
  lines: { commas: false },
  'csv-list': { csv: true, commas: true },
  'csv-lines': { csv: true, commas: false },
  'secret-lines': { csv: true, commas: false, trim: false },
};

/** The part of the action an input belongs to; each part parses only its own inputs. */
export type Capability = 'build' | 'release' | 'checks' | 'smoke' | 'size' | 'cache' | 'report';

export interface InputSpec {
  default: string;
  kind: InputKind;
  owner: Capability;
}

export const INPUTS = {
  context: { default: '.', kind: 'path', owner: 'build' },
  file: { default: '', kind: 'path', owner: 'build' },
  platforms: { default: 'linux/amd64', kind: 'list', owner: 'build' },
  tags: { default: '', kind: 'lines', owner: 'build' },
  push: { default: 'false', kind: 'boolean', owner: 'build' },
  load: { default: 'false', kind: 'boolean', owner: 'build' },
  'build-args': { default: '', kind: 'key-value', owner: 'build' },
  target: { default: '', kind: 'string', owner: 'build' },
  builder: { default: '', kind: 'string', owner: 'build' },
  'cache-from': { default: '', kind: 'lines', owner: 'build' },
  'cache-to': { default: '', kind: 'lines', owner: 'build' },
  labels: { default: '', kind: 'key-value', owner: 'build' },
  secrets: { default: '', kind: 'secret-lines', owner: 'build' },
  'secret-files': { default: '', kind: 'csv-lines', owner: 'build' },
  'secret-envs': { default: '', kind: 'csv-list', owner: 'build' },
  ssh: { default: '', kind: 'csv-list', owner: 'build' },
  'build-contexts': { default: '', kind: 'csv-lines', owner: 'build' },
  annotations: { default: '', kind: 'csv-lines', owner: 'build' },
  provenance: { default: '', kind: 'string', owner: 'build' },
  sbom: { default: '', kind: 'string', owner: 'build' },
  'no-cache': { default: 'false', kind: 'boolean', owner: 'build' },
  pull: { default: 'false', kind: 'boolean', owner: 'build' },
  network: { default: '', kind: 'string', owner: 'build' },
  'add-hosts': { default: '', kind: 'csv-list', owner: 'build' },
  'shm-size': { default: '', kind: 'string', owner: 'build' },
  ulimit: { default: '', kind: 'csv-lines', owner: 'build' },
  'go-private': { default: '', kind: 'list', owner: 'build' },
  'go-private-token': { default: '', kind: 'secret', owner: 'build' },
  version: { default: '', kind: 'string', owner: 'build' },
  reproducible: { default: 'true', kind: 'boolean', owner: 'build' },
  'github-token': { default: '${{ github.token }}', kind: 'secret', owner: 'report' },
  images: { default: '', kind: 'list', owner: 'release' },
  flavor: { default: '', kind: 'lines', owner: 'release' },
  'dockerfile-checks': { default: 'warn', kind: 'enum', owner: 'checks' },
  'compose-file': { default: '', kind: 'lines', owner: 'smoke' },
  'compose-service': { default: '', kind: 'list', owner: 'smoke' },
  'smoke-timeout': { default: '120s', kind: 'string', owner: 'smoke' },
  'smoke-probes': { default: '', kind: 'lines', owner: 'smoke' },
  baseline: { default: 'auto', kind: 'string', owner: 'size' },
  'size-budget': { default: '', kind: 'list', owner: 'size' },
  'size-budget-increase': { default: '', kind: 'list', owner: 'size' },
  'size-budget-mode': { default: 'fail', kind: 'enum', owner: 'size' },
  comment: { default: 'auto', kind: 'enum', owner: 'size' },
  'comment-from': { default: '', kind: 'path', owner: 'report' },
  'vuln-check': { default: 'warn', kind: 'enum', owner: 'size' },
  'vuln-db': { default: 'https://vuln.go.dev', kind: 'string', owner: 'size' },
  'go-cache': { default: 'true', kind: 'boolean', owner: 'cache' },
  'go-cache-save': { default: 'auto', kind: 'enum', owner: 'cache' },
  'go-cache-max-size': { default: '1GB', kind: 'string', owner: 'cache' },
  'push-by-digest': { default: 'false', kind: 'boolean', owner: 'build' },
  merge: { default: 'false', kind: 'boolean', owner: 'build' },
  summary: { default: 'true', kind: 'boolean', owner: 'report' },
} as const satisfies Record<string, InputSpec>;

export type InputName = keyof typeof INPUTS;

/** The names of the inputs a capability owns. */
export type InputOf<C extends Capability> = { [N in InputName]: (typeof INPUTS)[N]['owner'] extends C ? N : never }[InputName];

/** Reads an input's raw text; '' when unset. */
export type InputReader<N extends string = InputName> = (name: N) => string;

export const INPUT_NAMES = Object.keys(INPUTS) as InputName[];

export function isInputName(name: string): name is InputName {
  return Object.hasOwn(INPUTS, name);
}

/** Every input's default, by name. */
export const INPUT_DEFAULTS = Object.fromEntries(INPUT_NAMES.map((n) => [n, INPUTS[n].default])) as {
  [N in InputName]: (typeof INPUTS)[N]['default'];
};

/** The names of the inputs of one kind. */
export type InputOfKind<K extends InputKind> = { [N in InputName]: (typeof INPUTS)[N]['kind'] extends K ? N : never }[InputName];

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

export function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  const v = raw.trim();
  if (v === '') return fallback;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new InputError(name, `'${v}' is not a boolean. Expected true or false.`);
}

/** A boolean input, read with its table default; anything but true or false is an InputError naming it. */
export function booleanInput(read: InputReader, name: InputOfKind<'boolean'>): boolean {
  return parseBoolean(name, read(name), INPUTS[name].default === 'true');
}

/** The names of the list inputs. */
export type ListInputName = InputOfKind<ListKind>;

/**
 * Pure: a list input's items, split as its kind in the table says. A quote never closed (the
 * CSV kinds) is an InputError naming the input and `expected`, its form.
 */
export function listItems(name: ListInputName, raw: string, expected = 'each quoted item closed'): string[] {
  try {
    return parseList(raw, LIST_FORMS[INPUTS[name].kind]);
  } catch (error) {
    if (error instanceof ListSyntaxError) throw new InputError(name, `${error.message}. Expected ${expected}.`);
    throw error;
  }
}

/** A list input's items, read and split as its kind in the table says. */
export function listInput<N extends ListInputName>(read: InputReader<N>, name: N, expected?: string): string[] {
  return listItems(name, read(name), expected);
}

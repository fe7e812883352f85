/** RUN `--mount` options: parsed as written, and resolved in a stage's scope. */
import { expandVariables } from './expand.js';
import { stageScope, type ScopeOptions } from './scope.js';
import type { DockerfileModel, InstructionModel, MountSpec, Stage } from './types.js';

/** Splits a mount value like BuildKit (CSV: quoted fields may hold commas). */
export function splitCsv(value: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted) {
      if (c === '"' && value[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"' && current === '') quoted = true;
    else if (c === ',') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  fields.push(current);
  return fields.map((f) => f.trim()).filter((f) => f !== '');
}

function parseBoolOption(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  return !/^(false|0|no)$/i.test(value);
}

/** Options kept as written, by every name BuildKit accepts for them. */
const TEXT_OPTIONS: Record<string, 'target' | 'source' | 'id' | 'uid' | 'gid' | 'mode' | 'from' | 'size'> = {
  target: 'target',
  dst: 'target',
  destination: 'target',
  source: 'source',
  src: 'source',
  id: 'id',
  uid: 'uid',
  gid: 'gid',
  mode: 'mode',
  from: 'from',
  size: 'size',
};

/** Pure: one `--mount` value into its options (no variable expansion). */
export function parseMount(raw: string): MountSpec {
  const options: Record<string, string> = {};
  const spec: MountSpec = { type: 'bind', options, raw };
  for (const field of splitCsv(raw)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : field.slice(eq + 1);
    // A bare `ro` is true; `ro=false` is not.
    const flag = parseBoolOption(eq < 0 ? undefined : value);
    options[key] = value;
    const text = Object.hasOwn(TEXT_OPTIONS, key) ? TEXT_OPTIONS[key] : undefined;
    if (text) spec[text] = value;
    else if (key === 'type') spec.type = value.toLowerCase();
    else if (key === 'sharing') spec.sharing = value.toLowerCase();
    else if (key === 'ro' || key === 'readonly') spec.readonly = flag;
    else if (key === 'rw' || key === 'readwrite') spec.readonly = !flag;
    else if (key === 'required') spec.required = flag;
  }
  return spec;
}

/** A mount with its options expanded, and the defaults BuildKit applies filled in. */
export interface ResolvedMount extends MountSpec {
  /** For cache mounts: the id BuildKit keys the cache by (the target when no id is given). */
  cacheId?: string;
  /** Variables that had no value while expanding. */
  unresolved: string[];
}

const EXPANDED_KEYS = ['target', 'id', 'sharing', 'uid', 'gid', 'mode', 'from', 'source', 'size'] as const;

/** Pure: expands a RUN's mount in the stage's scope at that RUN's line. */
export function resolveMount(
  model: DockerfileModel,
  stage: Stage,
  run: InstructionModel,
  mount: MountSpec,
  opts: ScopeOptions = {},
): ResolvedMount {
  const vars = stageScope(model, stage, run.line, opts);
  const unresolved: string[] = [];
  const resolved: ResolvedMount = { ...mount, options: { ...mount.options }, unresolved };
  for (const key of EXPANDED_KEYS) {
    const value = mount[key];
    if (value === undefined) continue;
    const e = expandVariables(value, vars, model.escapeChar);
    unresolved.push(...e.unresolved);
    resolved[key] = e.value;
  }
  if (resolved.type === 'cache') {
    resolved.sharing = resolved.sharing || 'shared';
    resolved.cacheId = resolved.id || resolved.target;
  }
  resolved.unresolved = [...new Set(unresolved)];
  return resolved;
}

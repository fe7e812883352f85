import { existsSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { INPUT_DEFAULTS, listInput, listItems, type InputOf } from '../input-table.js';
import { checkRealPathInside, workspacePath } from '../util/workspace-path.js';

/** The inputs of the compose smoke test, by name. */
export type SmokeInputName = InputOf<'smoke'>;

/** The smoke test's settings; absent when `compose-file` is empty (the smoke test is skipped). */
export interface SmokeInputs {
  /** Absolute paths of the compose files, in the order given. */
  files: string[];
  /** The files as the user wrote them (for messages). */
  fileNames: string[];
  /** Services that must run the image just built; empty: those with a `build:` section. */
  services: string[];
  /** One deadline for the whole wait, in milliseconds. */
  timeoutMs: number;
  /** URLs that must answer 2xx once every service is ready. */
  probes: string[];
}

const DURATION_RE = /^(?:(\d+)m)?(?:(\d+)s?)?$/;
const MAX_TIMEOUT_S = 3600;

/** Pure: a duration such as `90`, `90s`, `2m` or `1m30s`, in milliseconds; undefined when malformed. */
export function parseDuration(raw: string): number | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  const m = DURATION_RE.exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  // `5m30` is ambiguous: seconds after minutes need their unit.
  if (m[1] !== undefined && m[2] !== undefined && !text.endsWith('s')) return undefined;
  return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000;
}

export function parseSmokeTimeout(raw: string): number {
  const ms = parseDuration(raw === '' ? INPUT_DEFAULTS['smoke-timeout'] : raw);
  if (ms === undefined) {
    throw new InputError('smoke-timeout', `'${raw.trim()}' is not a duration. Expected seconds or minutes, e.g. 90, 90s, 2m or 1m30s.`);
  }
  if (ms < 1000 || ms > MAX_TIMEOUT_S * 1000) {
    throw new InputError('smoke-timeout', `'${raw.trim()}' is out of range. Expected between 1s and ${MAX_TIMEOUT_S / 60}m.`);
  }
  return ms;
}

export function parseProbes(raw: string): string[] {
  // A URL may hold a comma: one probe per line.
  const probes = listItems('smoke-probes', raw);
  for (const probe of probes) {
    let url: URL | undefined;
    try {
      url = new URL(probe);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      throw new InputError(
        'smoke-probes',
        `'${probe}' is not an http(s) URL. Expected one URL per line, e.g. http://localhost:8080/health.`,
      );
    }
  }
  return probes;
}

const SERVICE_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

export function parseServices(raw: string): string[] {
  const services: string[] = [];
  for (const name of listItems('compose-service', raw)) {
    if (!SERVICE_RE.test(name)) {
      throw new InputError(
        'compose-service',
        `'${name}' is not a compose service name. Expected names such as api or worker, comma- or newline-separated.`,
      );
    }
    if (!services.includes(name)) services.push(name);
  }
  return services;
}

/**
 * Parses the smoke test's inputs. Files must exist here; whether compose can parse them
 * and whether the services exist is checked with `docker compose config` before the build.
 */
export function parseSmokeInputs(read: (name: SmokeInputName) => string, cwd: string): SmokeInputs | undefined {
  // A path may hold a comma: one file per line.
  const fileNames = listInput(read, 'compose-file');
  const services = parseServices(read('compose-service'));
  const probes = parseProbes(read('smoke-probes'));
  const timeoutMs = parseSmokeTimeout(read('smoke-timeout'));
  if (fileNames.length === 0) {
    if (services.length > 0)
      throw new InputError(
        'compose-service',
        'is set but compose-file is empty. Expected compose-file too: the smoke test runs only with a compose file.',
      );
    if (probes.length > 0)
      throw new InputError(
        'smoke-probes',
        'are set but compose-file is empty. Expected compose-file too: the smoke test runs only with a compose file.',
      );
    return undefined;
  }
  const expected = 'compose files relative to the workspace, one per line, e.g. compose.yaml';
  const files: string[] = [];
  for (const name of fileNames) {
    // Refused before anything reads it: compose would print a file from outside.
    const path = workspacePath('compose-file', name, cwd, expected);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new InputError('compose-file', `'${name}' does not exist. Expected ${expected}.`);
    }
    checkRealPathInside('compose-file', name, path, cwd, expected);
    if (!files.includes(path)) files.push(path);
  }
  return { files, fileNames, services, timeoutMs, probes };
}

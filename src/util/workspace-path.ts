import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';

/** Pure: whether `path` is `root` or below it (both absolute). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}

function outside(input: string, raw: string, how: string, expected: string): InputError {
  return new InputError(input, `'${raw}' ${how} the workspace (GITHUB_WORKSPACE). Expected ${expected}.`);
}

/**
 * The absolute path of a path input, relative to the workspace; refused, before anything is
 * read there, when it points outside the workspace as written (`../x`, `/etc/passwd`).
 */
export function workspacePath(input: string, raw: string, workspace: string, expected: string): string {
  const path = resolve(workspace, raw);
  if (!isWithin(resolve(workspace), path)) throw outside(input, raw, 'is outside', expected);
  return path;
}

/**
 * Refuses an existing path whose real location (symbolic links followed, also in its parent
 * directories) is outside the workspace's real location. Call it before reading the path.
 */
export function checkRealPathInside(input: string, raw: string, path: string, workspace: string, expected: string): void {
  let real: string;
  let root: string;
  try {
    real = realpathSync(path);
    root = realpathSync(workspace);
  } catch {
    return; // Gone or unreadable: the existence checks say so.
  }
  if (!isWithin(root, real)) throw outside(input, raw, 'leads (through a symbolic link) outside', expected);
}

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './runner.ts';

/** A throwaway copy of an example or fixture app, so a test may change its files. */
export function copyApp(relativePath: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gca-app-'));
  cpSync(join(ROOT, relativePath), dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

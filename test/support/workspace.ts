import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './runner.ts';
import { tempDir } from './temp.ts';

/** A throwaway copy of an example or fixture app, so a test may change its files. */
export function copyApp(relativePath: string): { dir: string; remove: () => void } {
  const dir = tempDir('app');
  cpSync(join(ROOT, relativePath), dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

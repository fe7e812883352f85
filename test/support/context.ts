/** A build context held in memory, for the checks' table tests: paths to file texts (directories implied). */
import type { ContextFiles } from '../../src/checks/context.js';
import { cleanContextPath } from '../../src/checks/context.js';

export function memoryContext(files: Record<string, string>): ContextFiles {
  const clean = new Map(Object.entries(files).map(([path, text]) => [cleanContextPath(path)!, text]));
  const isDir = (path: string): boolean => path === '' || [...clean.keys()].some((p) => p.startsWith(`${path}/`));
  return {
    kind(path) {
      const p = cleanContextPath(path);
      if (p === undefined) return undefined;
      return clean.has(p) ? 'file' : isDir(p) ? 'dir' : undefined;
    },
    read(path) {
      const p = cleanContextPath(path);
      return p === undefined ? undefined : clean.get(p);
    },
  };
}

/** Pure argv builders of the compose commands. */

/** The compose project of one smoke test: its own name, the user's files, then the override. */
export interface ComposeProject {
  name: string;
  files: string[];
  /** Where compose runs (the workspace). */
  cwd: string;
}

/** Pure: `docker compose -p <name> -f <file>...` for a project. */
export function composeArgv(project: Pick<ComposeProject, 'name' | 'files'>, ...command: string[]): string[] {
  return ['compose', '-p', project.name, ...project.files.flatMap((f) => ['-f', f]), ...command];
}

/** Pure: the argv of `up` (detached; the smoke test does its own waiting). */
export function upArgv(project: Pick<ComposeProject, 'name' | 'files'>): string[] {
  return composeArgv(project, 'up', '--detach', '--quiet-pull', '--no-color');
}

/** Pure: the argv of `down`, removing volumes and orphans; no grace period: it is a throwaway test stack. */
export function downArgv(project: Pick<ComposeProject, 'name' | 'files'>): string[] {
  return composeArgv(project, 'down', '--volumes', '--remove-orphans', '--timeout', '0');
}

/** Pure: the argv of the compose commands, and what compose prints back. */
import { record } from '../util/json.js';

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

/** What the smoke test needs to know about one service of the resolved compose model. */
export interface ComposeService {
  name: string;
  hasBuild: boolean;
  image?: string;
  pullPolicy?: string;
  hasHealthcheck: boolean;
  /** 0 when scaled to zero: compose starts no container for it. */
  replicas: number;
}

/** Pure: the services of `docker compose config --format json` (profiles already applied). */
export function parseComposeConfig(json: string): ComposeService[] {
  const model = record(JSON.parse(json) as unknown);
  return Object.entries(record(model.services)).map(([name, raw]) => {
    const s = record(raw);
    const deploy = record(s.deploy);
    const replicas = typeof deploy.replicas === 'number' ? deploy.replicas : typeof s.scale === 'number' ? s.scale : 1;
    const healthcheck = record(s.healthcheck);
    const test = healthcheck.test;
    const disabled = healthcheck.disable === true || (Array.isArray(test) && test[0] === 'NONE');
    return {
      name,
      hasBuild: s.build !== undefined && s.build !== null,
      image: typeof s.image === 'string' ? s.image : undefined,
      pullPolicy: typeof s.pull_policy === 'string' ? s.pull_policy : undefined,
      // A health check may also come from the image's HEALTHCHECK; compose config only shows the file's.
      hasHealthcheck: s.healthcheck !== undefined && !disabled,
      replicas,
    };
  });
}

/** Pure: compose's own words, without its usage noise, for an error message. */
export function composeError(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  // Progress lines (`Network … Created`) come before the error; keep from the first line that reads like one.
  const tail = lines.slice(-5);
  const first = tail.findIndex((l) => /error|fail|denied|invalid|not found|must |unable|cannot|didn't complete|no such/i.test(l));
  return (first >= 0 ? tail.slice(first, first + 3) : tail.slice(-1)).join(' ') || 'no output';
}

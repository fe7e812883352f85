import type { DockerClient, ProjectObjectKind } from '../docker/client.js';
import { removeArgv } from '../docker/cli.js';
import type { ComposeProject } from '../docker/compose.js';
import { lastErrorLine } from '../util/exec.js';
import { mergeSamples, parseInspect, parsePs, type ContainerSample } from './readiness.js';
import { stripAnsi } from '../util/text.js';

export type { ComposeProject } from '../docker/compose.js';

/** One poll: every container of the project, with what `docker inspect` knows about it. */
export async function sampleProject(docker: DockerClient, project: ComposeProject): Promise<ContainerSample[]> {
  const ps = await docker.composePs(project);
  if (ps.exitCode !== 0) throw new Error(`docker compose ps failed: ${lastErrorLine(ps.stderr)}`);
  const entries = parsePs(ps.stdout);
  if (entries.length === 0) return [];
  const inspect = await docker.inspectContainers(entries.map((e) => e.id));
  // A container can vanish between the two calls; inspect then fails and compose ps alone speaks.
  return mergeSamples(entries, inspect.exitCode === 0 ? parseInspect(inspect.stdout) : []);
}

/** The last lines a service logged. */
export async function serviceLogs(docker: DockerClient, project: ComposeProject, service: string, lines = 100): Promise<string> {
  const logs = await docker.composeLogs(project, service, lines);
  return stripAnsi(logs.stdout + (logs.exitCode === 0 ? '' : logs.stderr)).trimEnd();
}

/** What cleanup removed or could not remove. */
export interface CleanupReport {
  problems: string[];
}

/**
 * Removes everything of the project: `down -v --remove-orphans`, then a sweep by the
 * project's label for anything compose did not know about (a container `up` created while
 * it was being stopped, a volume of a file that no longer parses). Never throws.
 */
export async function removeProject(docker: DockerClient, project: ComposeProject): Promise<CleanupReport> {
  const problems: string[] = [];
  const down = await docker.composeDown(project);
  if (down.exitCode !== 0) problems.push(`docker compose down: ${lastErrorLine(down.stderr)}`);
  const sweep = async (kind: ProjectObjectKind): Promise<void> => {
    const ids = await docker.listProjectObjects(kind, project.name);
    if (ids.length === 0) return;
    const removed = await docker.removeObjects(kind, ids);
    if (removed.exitCode !== 0) problems.push(`docker ${removeArgv(kind).join(' ')}: ${lastErrorLine(removed.stderr)}`);
  };
  await sweep('container');
  await sweep('network');
  await sweep('volume');
  return { problems };
}

import type { ContainerSample, DockerClient, ProjectObjectKind } from '../docker/client.js';
import { removeArgv } from '../docker/cli.js';
import type { ComposeProject } from '../docker/compose.js';

export type { ComposeProject } from '../docker/compose.js';

/** One poll: every container of the project, with what `docker inspect` knows about it. */
export async function sampleProject(docker: DockerClient, project: ComposeProject): Promise<ContainerSample[]> {
  const sampled = await docker.composeContainers(project);
  if (!sampled.ok) throw new Error(`docker compose ps failed: ${sampled.error}`);
  return sampled.value;
}

/** The last lines a service logged. */
export function serviceLogs(docker: DockerClient, project: ComposeProject, service: string, lines = 100): Promise<string> {
  return docker.composeLogs(project, service, lines);
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
  if (!down.ok) problems.push(`docker compose down: ${down.error}`);
  const sweep = async (kind: ProjectObjectKind): Promise<void> => {
    const ids = await docker.listProjectObjects(kind, project.name);
    if (ids.length === 0) return;
    const removed = await docker.removeObjects(kind, ids);
    if (!removed.ok) problems.push(`docker ${removeArgv(kind).join(' ')}: ${removed.error}`);
  };
  await sweep('container');
  await sweep('network');
  await sweep('volume');
  return { problems };
}

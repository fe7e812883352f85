/**
 * Inject strategy 3, the fallback: the archives go to BuildKit as the helper's build context
 * (always works, costs a copy of every archive).
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { helperPaths, runHelperBuild } from './helpers.js';
import { injectDockerfile, injectScript } from './scripts.js';
import { ARCHIVE, datedTo, helperMounts, type GoCacheTools, type InjectJob, type Injected } from './session.js';

/** Context injects share one context directory (and its inject.sh): one at a time, across nodes. */
export function contextInject(job: InjectJob, tools: GoCacheTools): Promise<Injected> {
  return job.session.contextInjects.run(() => injectAsContext(job, tools));
}

async function injectAsContext(job: InjectJob, tools: GoCacheTools): Promise<Injected> {
  const { opts } = job.session;
  // The context is the directory holding the slot directories: only our archives are sent.
  const root = join(job.session.slots[0]!.dir, '..');
  const mounts = helperMounts(job.slots);
  const archives = Object.fromEntries(
    job.slots.filter((s) => s.restoredKey).map((s) => [s.mountName, { file: `${s.dir.slice(root.length + 1)}/${ARCHIVE}` }]),
  );
  const script = join(root, 'inject.sh');
  await writeFile(script, injectScript(mounts, archives, datedTo(job.session)));
  try {
    const dockerfilePath = helperPaths(opts.workDir, job.name).dockerfile;
    const result = await runHelperBuild(tools.docker, {
      builder: opts.builder,
      platform: job.target.platform,
      context: root,
      dockerfileText: injectDockerfile(job.image, mounts),
      dockerfilePath,
    });
    return { result, how: 'as build context' };
  } finally {
    await rm(script, { force: true }).catch(() => undefined);
  }
}

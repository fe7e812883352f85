/**
 * Inject strategy 1: the helper build streams each archive over the docker bridge straight into
 * its mount, and ends when they are unpacked.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveArchives, type ArchiveServer } from './archive-server.js';
import { helperPaths, startHelperBuild, type HelperResult } from './helpers.js';
import { injectDockerfile, injectScript, type ArchiveSource } from './scripts.js';
import { ARCHIVE, datedTo, helperMounts, validateRestored, type GoCacheTools, type InjectJob, type Injected } from './session.js';

/** A streaming helper under way: the archive server it reads and its build. */
export interface Streaming {
  archives: ArchiveServer;
  build: Promise<HelperResult>;
  started: number;
}

/** The helper a strategy runs: its script (named in the Dockerfile) and Dockerfile. */
export interface StreamingHelper {
  script: string;
  text: (archives: Record<string, ArchiveSource>) => string;
  dockerfile: string;
  tarOutput?: string;
}

/**
 * Serves the candidates' archives, starts the helper build, and validates the archives while it
 * starts (it asks for them only after a second or so): a corrupt one is refused, so the stream
 * fails and the build-context fallback runs with the valid ones only. Undefined (nothing
 * validated) when the server cannot listen on the gateway.
 */
export async function startStreaming(
  job: InjectJob,
  gateway: string,
  helper: StreamingHelper,
  tools: GoCacheTools,
): Promise<Streaming | undefined> {
  const { opts } = job.session;
  const refused = new Set<string>();
  const served = Object.fromEntries(
    job.candidates.map((s) => [s.mountName, { path: join(s.dir, ARCHIVE), split: () => s.restoredIndex?.split }]),
  );
  const archives = await serveArchives(served, gateway, refused);
  if (!archives) return undefined;
  try {
    const context = join(opts.workDir, job.name);
    await mkdir(context, { recursive: true });
    await writeFile(
      join(context, helper.script),
      helper.text(Object.fromEntries(Object.entries(archives.urls).map(([mount, urls]) => [mount, { urls }]))),
    );
    const started = Date.now();
    const paths = helperPaths(opts.workDir, job.name);
    const build = startHelperBuild(tools.docker, {
      builder: opts.builder,
      platform: job.target.platform,
      context,
      dockerfileText: helper.dockerfile,
      dockerfilePath: paths.dockerfile,
      tarOutput: helper.tarOutput,
    });
    // Docker is spawned first: the read-through below is synchronous and holds the event loop.
    await build.spawned;
    for (const s of job.candidates) await validateRestored(s, tools.reporter, refused);
    return { archives, build: build.result, started };
  } catch (error) {
    await archives.close();
    throw error;
  }
}

/** Streams the archives in and waits for the helper; undefined when they could not be served. */
export async function streamInject(job: InjectJob, gateway: string, tools: GoCacheTools): Promise<Injected | undefined> {
  const mounts = helperMounts(job.slots);
  const helper = {
    script: 'inject.sh',
    text: (a: Record<string, ArchiveSource>) => injectScript(mounts, a, datedTo(job.session)),
    dockerfile: injectDockerfile(job.image, mounts),
  };
  const streaming = await startStreaming(job, gateway, helper, tools);
  if (!streaming) return undefined;
  try {
    return { result: await streaming.build, how: 'streamed over the docker bridge' };
  } finally {
    await streaming.archives.close();
  }
}

/**
 * Pushing by digest where BuildKit cannot: the docker driver refuses `push-by-digest`, so the
 * build writes an OCI layout and this uploads it to each repository over the distribution
 * API (blobs first, then the manifests and the index, each under its digest, never a tag).
 * Tags are moved by release/apply.ts (a lone manifest through release/tag-store.ts, byte for byte).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ActionError, errorText } from '../errors.js';
import type { Descriptor, ImageIndex, ImageManifest } from './descriptor.js';
import { layoutFault, OciLayout } from './layout.js';
import { isIndex, MANIFEST_TYPES } from './media-types.js';
import { RegistryClient, RegistryGuards } from './registry-client.js';
import type { Reporter } from '../reporter.js';
import type { StageResult } from '../stage.js';
import { formatBytes } from '../util/bytes.js';
import { isImageReferenceError, parseImageReference } from '../util/reference.js';

/** What an image is made of, in the order it is pushed: blobs, then documents children first. */
export interface ImageContent {
  /** The image: the index (or the lone manifest) the tags will name. */
  root: Descriptor;
  blobs: Descriptor[];
  /** Manifests and indexes, each after everything it lists. */
  documents: Descriptor[];
}

/** Indexes inside indexes followed below the first. */
const MAX_DEPTH = 4;
/** Blobs uploaded at the same time. */
const PARALLEL_UPLOADS = 4;

/** Reads what `root` is made of from a layout: every document and blob it reaches. */
export async function layoutContent(layout: OciLayout, root: Descriptor): Promise<ImageContent> {
  const blobs = new Map<string, Descriptor>();
  const documents: Descriptor[] = [];
  const visit = async (d: Descriptor, depth: number): Promise<void> => {
    if (documents.some((x) => x.digest === d.digest)) return;
    const body = await layout.json(d.digest);
    if (isIndex(d.mediaType, body)) {
      if (depth >= MAX_DEPTH) throw new ActionError(`the OCI layout nests indexes deeper than ${MAX_DEPTH}`);
      for (const child of (body as ImageIndex).manifests) await visit(child, depth + 1);
    } else {
      const m = body as ImageManifest;
      for (const b of [m.config, ...m.layers]) blobs.set(b.digest, b);
    }
    documents.push(d);
  };
  await visit(root, 0);
  return { root, blobs: [...blobs.values()], documents };
}

/** The image a layout holds: the first entry of its index.json. */
export async function layoutRoot(layout: OciLayout): Promise<Descriptor> {
  const first = (await layout.index()).manifests[0];
  if (!first) throw new ActionError(`the OCI layout ${layout.dir} holds no image`);
  const { annotations: _names, ...root } = first;
  return root;
}

export interface PushStats {
  uploaded: number;
  uploadedBytes: number;
  /** Already in the repository (an unchanged base layer). */
  present: number;
  /** Mounted from another repository of the same registry pushed just before. */
  mounted: number;
}

async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
}

/** One repository's client, named by a repository reference (`host/path`). */
export function repositoryClient(repository: string, guards: RegistryGuards): RegistryClient {
  const parsed = parseImageReference(repository);
  if (isImageReferenceError(parsed)) throw new ActionError(`'${repository}' ${parsed.error}`);
  return new RegistryClient(parsed, guards);
}

/** Streams a blob of the layout to an upload session the registry opened. */
async function putBlob(client: RegistryClient, location: string, blob: Descriptor, layout: OciLayout): Promise<void> {
  const url = client.url(location);
  url.searchParams.set('digest', blob.digest);
  let sent = 0;
  const short = `${blob.digest.slice(0, 19)}…`;
  const res = await client.guard.call(
    `PUT blob ${short}`,
    async (signal) => {
      const file = createReadStream(layout.blobPath(blob.digest));
      file.on('data', (chunk) => (sent += chunk.length));
      const init = {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size), ...client.authHeader },
        body: Readable.toWeb(file),
        duplex: 'half',
        signal,
      };
      return fetch(url, init as RequestInit);
    },
    () => sent,
  );
  await res.body?.cancel();
  if (res.status !== 201 && res.status !== 204)
    throw new ActionError(`${client.host} answered HTTP ${res.status} to the upload of ${short} to ${client.repository}`);
}

/** One blob into one repository: left alone when there, mounted when a sibling repository has it, uploaded otherwise. */
async function pushBlob(
  client: RegistryClient,
  blob: Descriptor,
  layout: OciLayout,
  mountFrom: string | undefined,
  stats: PushStats,
): Promise<void> {
  const head = await client.request(`blobs/${blob.digest}`, { method: 'HEAD', accept: [404] });
  if (head.status === 200) {
    stats.present++;
    return;
  }
  const query = mountFrom ? `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(mountFrom)}` : '';
  const started = await client.request(`blobs/uploads/${query}`, { method: 'POST', headers: { 'content-length': '0' }, accept: [202] });
  if (started.status === 201) {
    stats.mounted++;
    return;
  }
  const location = started.headers.get('location');
  if (!location) throw new ActionError(`${client.host} opened an upload without a Location for ${client.repository}`);
  await putBlob(client, location, blob, layout);
  stats.uploaded++;
  stats.uploadedBytes += blob.size;
}

/** Puts a manifest or an index under a reference (its digest, or a tag), byte for byte. */
export async function putManifest(client: RegistryClient, reference: string, mediaType: string, body: Buffer): Promise<void> {
  await client.request(`manifests/${reference}`, { method: 'PUT', headers: { 'content-type': mediaType }, body });
}

/**
 * Uploads the image of a layout to each repository by digest: no tag is written. Repositories
 * of one registry after the first mount its blobs instead of uploading them again.
 */
export async function uploadLayout(
  layoutDir: string,
  repositories: readonly string[],
  guards: RegistryGuards,
): Promise<{ digest: string; mediaType: string; stats: Record<string, PushStats> }> {
  const layout = new OciLayout(layoutDir);
  const content = await layoutContent(layout, await layoutRoot(layout));
  const stats: Record<string, PushStats> = {};
  const doneOn = new Map<string, string>();
  for (const repository of repositories) {
    const client = repositoryClient(repository, guards);
    const s: PushStats = (stats[repository] = { uploaded: 0, uploadedBytes: 0, present: 0, mounted: 0 });
    const mountFrom = doneOn.get(client.host);
    await inParallel(content.blobs, PARALLEL_UPLOADS, (blob) => pushBlob(client, blob, layout, mountFrom, s));
    for (const d of content.documents) {
      const body = await readFile(layout.blobPath(d.digest)).catch((error: unknown) => {
        throw layoutFault(error, `blob ${d.digest}`);
      });
      await putManifest(client, d.digest, d.mediaType || MANIFEST_TYPES[0]!, body);
    }
    if (!doneOn.has(client.host)) doneOn.set(client.host, client.repository);
  }
  return { digest: content.root.digest, mediaType: content.root.mediaType, stats };
}

/**
 * The push of the docker driver's build: its OCI layout uploaded by digest to every
 * repository. A failure fails the step (and leaves the tags alone); the image then stays local.
 */
export async function pushLayoutStage(
  build: { ociLayoutDir?: string },
  repositories: readonly string[],
  reporter: Reporter,
  guards = new RegistryGuards(),
): Promise<{ result: StageResult; image?: { digest: string; mediaType: string } }> {
  const started = Date.now();
  try {
    const layoutDir = build.ociLayoutDir;
    if (!layoutDir) throw new ActionError('the build wrote no OCI layout to push');
    const pushed = await reporter.group(`Pushing by digest to ${repositories.join(', ')}`, () =>
      uploadLayout(layoutDir, repositories, guards),
    );
    for (const [repository, s] of Object.entries(pushed.stats)) {
      reporter.info(
        `${repository}@${pushed.digest}: ${s.uploaded} blobs uploaded (${formatBytes(s.uploadedBytes)}), ${s.mounted} mounted, ${s.present} already there`,
      );
    }
    reporter.info(`Pushed by digest in ${((Date.now() - started) / 1000).toFixed(1)} s; no tag moved yet`);
    return { result: { outputs: { digest: pushed.digest }, failures: [] }, image: { digest: pushed.digest, mediaType: pushed.mediaType } };
  } catch (error) {
    return { result: { outputs: {}, failures: [`Could not push the image by digest to ${repositories.join(', ')}: ${errorText(error)}`] } };
  }
}

/**
 * What tagging asks of a registry, tag by tag: what a tag names now (its manifest's bytes, or
 * that it does not exist), put a manifest under a tag byte for byte, remove a tag. Over the
 * distribution HTTP API with docker's credentials (oci/registry-client.ts); tests hand a fake.
 */
import { createHash } from 'node:crypto';
import { ActionError } from '../errors.js';
import { MANIFEST_TYPES } from '../oci/media-types.js';
import { RegistryClient, RegistryGuards } from '../oci/registry-client.js';
import { isImageReferenceError, parseImageReference } from '../util/reference.js';

/** A manifest or an index as a registry holds it. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

/** What a tag names: a manifest, or nothing (the registry answered 404). */
export type TagContent = StoredManifest | 'absent';

export interface TagStore {
  /** What `reference` (`repo:tag` or `repo@digest`) names now. */
  read(reference: string, signal?: AbortSignal): Promise<TagContent>;
  /** Puts `manifest` under the tag of `reference`, byte for byte. */
  put(reference: string, manifest: StoredManifest, signal?: AbortSignal): Promise<void>;
  /** Removes the tag of `reference` (never by digest: that would remove the image itself). */
  remove(reference: string, signal?: AbortSignal): Promise<void>;
  /** The bytes of the blob `repo@digest` (an image config: small, read whole). */
  blob(reference: string, signal?: AbortSignal): Promise<Buffer>;
}

/** An image config is a few kilobytes; more is not a config (a hostile or broken registry). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * The deadlines of putting tags back: a registry that failed the move is asked again with a
 * budget of its own, short enough that a cancel's grace (children ended within 3 s) and the
 * rollback fit in the 10 s a runner gives between its SIGINT and its kill.
 */
export const ROLLBACK_CALL_MS = 3_000;
export const ROLLBACK_TOTAL_MS = 6_000;

/** Pure: the repository and the tag (or digest) of a reference; throws when it has neither. */
export function splitReference(reference: string): { client: { registry?: string; path: string }; ref: string; isTag: boolean } {
  const parsed = parseImageReference(reference);
  if (isImageReferenceError(parsed)) throw new ActionError(`'${reference}' ${parsed.error}`);
  const ref = parsed.digest ?? parsed.tag;
  if (!ref) throw new ActionError(`'${reference}' names no tag`);
  return { client: { registry: parsed.registry, path: parsed.path }, ref, isTag: !parsed.digest };
}

/** The store of a run's registries, under `guards` (one client per repository, so a login is answered once). */
export function registryTagStore(guards: RegistryGuards): TagStore {
  const clients = new Map<string, RegistryClient>();
  const target = (reference: string): { client: RegistryClient; ref: string; isTag: boolean } => {
    const { client, ref, isTag } = splitReference(reference);
    const key = `${client.registry ?? ''}/${client.path}`;
    let c = clients.get(key);
    if (!c) clients.set(key, (c = new RegistryClient(client, guards)));
    return { client: c, ref, isTag };
  };
  return {
    async read(reference, signal) {
      const { client, ref } = target(reference);
      const res = await client.request(`manifests/${ref}`, { headers: { accept: MANIFEST_TYPES.join(', ') }, accept: [404], signal });
      if (res.status === 404) {
        await res.body?.cancel();
        return 'absent';
      }
      const body = Buffer.from(await res.arrayBuffer());
      const digest = res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
      return { digest, mediaType: res.headers.get('content-type') ?? MANIFEST_TYPES[2]!, body };
    },
    async put(reference, manifest, signal) {
      const { client, ref, isTag } = target(reference);
      if (!isTag) throw new ActionError(`'${reference}' is not a tagged reference`);
      const res = await client.request(`manifests/${ref}`, {
        method: 'PUT',
        headers: { 'content-type': manifest.mediaType },
        body: manifest.body,
        signal,
      });
      await res.body?.cancel();
    },
    async remove(reference, signal) {
      const { client, ref, isTag } = target(reference);
      if (!isTag) throw new ActionError(`'${reference}' is not a tagged reference`);
      const res = await client.request(`manifests/${ref}`, { method: 'DELETE', accept: [404], signal });
      await res.body?.cancel();
    },
    async blob(reference, signal) {
      const { client, ref, isTag } = target(reference);
      if (isTag) throw new ActionError(`'${reference}' names no blob digest`);
      const res = await client.request(`blobs/${ref}`, { signal });
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > MAX_CONFIG_BYTES) {
        await res.body?.cancel();
        throw new ActionError(`${client.host} answered ${length} bytes for the config ${ref.slice(0, 19)}…, more than a config holds`);
      }
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > MAX_CONFIG_BYTES)
        throw new ActionError(`${client.host} answered more bytes for the config ${ref.slice(0, 19)}… than a config holds`);
      return body;
    },
  };
}

/** The store tagging puts tags back with: fresh deadlines (the move's may be spent), scaled like every other. */
export function rollbackTagStore(scale: number): TagStore {
  return registryTagStore(new RegistryGuards({ callMs: ROLLBACK_CALL_MS, totalMs: ROLLBACK_TOTAL_MS }, scale));
}

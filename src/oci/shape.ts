/**
 * Checks of what a registry answered before the measurement reads it, so a broken or hostile
 * registry gives a message that says so instead of a TypeError deep in the measurement.
 */
import { isRecord } from '../util/json.js';
import { ActionError } from '../errors.js';

/** Pure: a content descriptor has a digest, a size and a media type. */
export function isDescriptor(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.digest === 'string' &&
    typeof value.mediaType === 'string' &&
    Number.isSafeInteger(value.size) &&
    (value.size as number) >= 0
  );
}

const descriptors = (value: unknown): boolean => Array.isArray(value) && value.every(isDescriptor);

/** Pure: an image index (manifests) or an image manifest (config and layers), as JSON. */
export function isManifestShape(json: unknown): boolean {
  if (!isRecord(json)) return false;
  if ('manifests' in json) return descriptors(json.manifests);
  return isDescriptor(json.config) && descriptors(json.layers);
}

/** Pure: an image config: an object whose history and config, when there, have the right kind. */
export function isConfigShape(json: unknown): boolean {
  if (!isRecord(json)) return false;
  if (json.history !== undefined && !(Array.isArray(json.history) && json.history.every(isRecord))) return false;
  return json.config === undefined || json.config === null || isRecord(json.config);
}

export function checkManifest<T = { mediaType?: string }>(json: unknown, host: string): T {
  if (!isManifestShape(json)) throw new ActionError(`the registry ${host} answered with something that is not an image manifest`);
  return json as T;
}

export function checkConfig(json: unknown, host: string): unknown {
  if (!isConfigShape(json)) throw new ActionError(`the registry ${host} answered with something that is not an image config`);
  return json;
}

/**
 * The OCI labels and annotations metadata-action writes (title, description, url, source,
 * version, created, revision, licenses) from the repository, the user's own labels over them,
 * sorted by key; and its `json` output. Pure.
 */
import type { KeyValue } from '../../util/key-value.js';
import { isRecord } from '../../util/json.js';

/** What the labels say about the repository. */
export interface RepoInfo {
  name: string;
  description: string;
  htmlUrl: string;
  /** SPDX identifier of the licence ('' when none is known). */
  license: string;
  defaultBranch: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Pure: a repository from the API's answer or the payload's `repository`; undefined when it is not one. */
export function repoInfoOf(raw: unknown): RepoInfo | undefined {
  if (!isRecord(raw) || typeof raw.name !== 'string') return undefined;
  const license = isRecord(raw.license) ? text(raw.license.spdx_id) : '';
  return {
    name: raw.name,
    description: text(raw.description),
    htmlUrl: text(raw.html_url),
    license,
    defaultBranch: text(raw.default_branch),
  };
}

/** Pure: the repository when neither the API nor the payload describes it: its name and URL from the run. */
export function repoInfoFromRun(repository: string, serverUrl: string, defaultBranch = ''): RepoInfo {
  const name = repository.split('/')[1] ?? '';
  return { name, description: '', htmlUrl: repository ? `${serverUrl}/${repository}` : '', license: '', defaultBranch };
}

export const OCI = 'org.opencontainers.image';

/** Pure: the OCI labels of an image of this repository, version, time and commit. */
export function ociMetadata(repo: RepoInfo, version: string, created: Date, sha: string): KeyValue[] {
  return [
    { key: `${OCI}.title`, value: repo.name },
    { key: `${OCI}.description`, value: repo.description },
    { key: `${OCI}.url`, value: repo.htmlUrl },
    { key: `${OCI}.source`, value: repo.htmlUrl },
    { key: `${OCI}.version`, value: version },
    { key: `${OCI}.created`, value: created.toISOString() },
    { key: `${OCI}.revision`, value: sha },
    { key: `${OCI}.licenses`, value: repo.license },
  ];
}

/** Pure: `base` with `own` over it (the last of a key wins), sorted by key as metadata-action lists them. */
export function mergeSorted(base: KeyValue[], own: KeyValue[]): KeyValue[] {
  const byKey = new Map<string, string>();
  for (const { key, value } of [...base, ...own]) byKey.set(key, value);
  return [...byKey].sort((a, b) => a[0].localeCompare(b[0])).map(([key, value]) => ({ key, value }));
}

export const lines = (pairs: KeyValue[]): string[] => pairs.map(({ key, value }) => `${key}=${value}`);

/** The levels annotations are written for when DOCKER_METADATA_ANNOTATIONS_LEVELS says none. */
export const DEFAULT_ANNOTATION_LEVELS = 'manifest';

/** Pure: the annotations at each level (`manifest:key=value`), level by level. */
export function annotationLines(pairs: KeyValue[], levels: string): string[] {
  return levels.split(',').flatMap((level) => lines(pairs).map((line) => `${level}:${line}`));
}

export interface MetadataJson {
  tags: string[];
  'tag-names': string[];
  labels: Record<string, string>;
  annotations: string[];
}

/** Pure: the `json` output: the tags, the labels as an object and the annotations with their levels. */
export function metadataJson(tags: string[], tagNames: string[], labels: KeyValue[], annotations: string[]): MetadataJson {
  return { tags, 'tag-names': tagNames, labels: Object.fromEntries(labels.map(({ key, value }) => [key, value])), annotations };
}

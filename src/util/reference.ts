/**
 * Docker image references, after the distribution project's reference grammar:
 * [registry[:port]/]path[:tag][@digest], with a lowercase path.
 */
const componentRe = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const domainRe =
  /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

export interface ImageReference {
  /** Registry host (with port), when the reference names one. */
  registry?: string;
  /** Repository path below the registry. */
  path: string;
  tag?: string;
  digest?: string;
}

/** Parses a reference, or returns a reason it is not one. */
export function parseImageReference(input: string): ImageReference | { error: string } {
  const ref = input.trim();
  if (!ref) return { error: 'is empty' };
  if (/\s/.test(ref)) return { error: 'contains white space' };
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestRe.test(digest)) return { error: `has an invalid digest '${digest}'` };
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagRe.test(tag)) return { error: `has an invalid tag '${tag}' (letters, digits, '_', '.', '-'; at most 128)` };
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))) {
    if (!domainRe.test(first)) return { error: `has an invalid registry '${first}'` };
    registry = first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => !componentRe.test(p))) {
    return { error: `has an invalid repository '${parts.join('/')}' (lowercase letters, digits and separators . _ __ -)` };
  }
  const path = parts.join('/');
  if ((registry ? registry.length + 1 : 0) + path.length > 255) return { error: 'is longer than 255 characters' };
  return { registry, path, tag, digest };
}

export function isImageReferenceError(r: ImageReference | { error: string }): r is { error: string } {
  return 'error' in r;
}

/** The reference without its tag and digest: registry/path. */
export function repositoryOf(ref: ImageReference): string {
  return ref.registry ? `${ref.registry}/${ref.path}` : ref.path;
}

/** One repository's tags (full references). */
export interface TagGroup {
  repository: string;
  tags: string[];
}

/** Pure: the references grouped by repository, in the order they were given; unparsable ones are left out. */
export function tagGroups(tags: readonly string[]): TagGroup[] {
  const groups: TagGroup[] = [];
  for (const tag of tags) {
    const parsed = parseImageReference(tag);
    if (isImageReferenceError(parsed)) continue;
    const repository = repositoryOf(parsed);
    const group = groups.find((g) => g.repository === repository);
    if (group) group.tags.push(tag);
    else groups.push({ repository, tags: [tag] });
  }
  return groups;
}

/** Pure: the repositories of references, each once, in order. */
export function repositoriesOf(tags: readonly string[]): string[] {
  return tagGroups(tags).map((g) => g.repository);
}

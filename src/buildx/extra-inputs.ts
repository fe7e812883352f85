/**
 * The other build inputs of docker/build-push-action, with its names and forms: build-contexts,
 * annotations, provenance, sbom, no-cache, pull, network, add-hosts, shm-size and ulimit; and
 * all of them (the secrets too, and go-private's) read into one BuildExtras.
 */
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { InputError } from '../errors.js';
import { booleanInput, listInput, listItems, type InputReader } from '../input-table.js';
import { checkRealPathInside, workspacePath } from '../util/workspace-path.js';
import type { BuildExtras } from './extras.js';
import { goPrivateSecrets, NETRC_SECRET_ID, type GoPrivate } from './go-private.js';
import { checkSecretIds, parseSecretEnvs, parseSecretFiles, parseSecretValues, parseSsh } from './secret-inputs.js';

const CONTEXTS_FORM =
  'name=source items, one per line; the source a directory inside the workspace, docker-image://image, oci-layout://path, or a git or https URL';
const CONTEXT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
const REMOTE_RE = /^(https?:\/\/|git:\/\/|git@|github\.com\/)/;

/** `build-contexts`: name=source; a local directory must be inside the workspace, and is made absolute. */
export function parseBuildContexts(raw: string, workspace: string): BuildExtras['buildContexts'] {
  return listItems('build-contexts', raw, CONTEXTS_FORM).map((item) => {
    const eq = item.indexOf('=');
    const name = eq < 0 ? '' : item.slice(0, eq).trim();
    const source = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (!CONTEXT_NAME_RE.test(name) || source === '')
      throw new InputError('build-contexts', `'${item}' is not name=source. Expected ${CONTEXTS_FORM}.`);
    if (source.startsWith('docker-image://')) {
      if (source.length === 'docker-image://'.length || /\s/.test(source))
        throw new InputError('build-contexts', `'${name}': '${source}' names no image. Expected ${CONTEXTS_FORM}.`);
      return { name, value: source };
    }
    if (REMOTE_RE.test(source)) return { name, value: source };
    const layout = source.startsWith('oci-layout://');
    const pathText = layout ? source.slice('oci-layout://'.length).replace(/[@:][^/]*$/, '') : source;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathText))
      throw new InputError('build-contexts', `'${name}': '${source}' is no source buildx knows. Expected ${CONTEXTS_FORM}.`);
    const path = workspacePath('build-contexts', pathText, workspace, CONTEXTS_FORM);
    if (!existsSync(path) || !statSync(path).isDirectory())
      throw new InputError('build-contexts', `'${name}': directory '${pathText}' does not exist. Expected ${CONTEXTS_FORM}.`);
    checkRealPathInside('build-contexts', pathText, path, workspace, CONTEXTS_FORM);
    return { name, value: layout ? `oci-layout://${path}${source.slice('oci-layout://'.length + pathText.length)}` : path };
  });
}

const ANNOTATIONS_FORM =
  'key=value items, one per line, optionally prefixed by where they go (manifest:, index:, manifest-descriptor:, index-descriptor:, several comma-separated, ' +
  'a platform in brackets), as docker/metadata-action prints them';
const ANNOTATION_TYPES = new Set(['manifest', 'index', 'manifest-descriptor', 'index-descriptor']);
const ANNOTATION_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;

/** Pure: one annotation checked: `[type[,type][platform]:]key=value`. */
export function checkAnnotation(item: string): string {
  const eq = item.indexOf('=');
  if (eq <= 0) throw new InputError('annotations', `'${item}' is not key=value. Expected ${ANNOTATIONS_FORM}.`);
  const head = item.slice(0, eq);
  const colon = head.indexOf(':');
  const key = colon < 0 ? head : head.slice(colon + 1);
  if (colon >= 0) {
    const prefix = /^([a-z,-]+)(\[[^\]]+\])?$/.exec(head.slice(0, colon));
    const types = prefix?.[1]!.split(',') ?? [];
    if (!prefix || types.some((t) => !ANNOTATION_TYPES.has(t)))
      throw new InputError(
        'annotations',
        `'${head.slice(0, colon)}' in '${item}' is not where an annotation goes. Expected ${ANNOTATIONS_FORM}.`,
      );
  }
  if (!ANNOTATION_KEY_RE.test(key))
    throw new InputError('annotations', `'${key}' in '${item}' is not an annotation key. Expected ${ANNOTATIONS_FORM}.`);
  return item;
}

/** Pure: `provenance`/`sbom`: empty (buildx's default), true, false, or attributes such as mode=max. */
export function parseAttestation(name: 'provenance' | 'sbom', raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase();
  const form =
    name === 'provenance'
      ? 'true, false, or attributes such as mode=max or mode=min,inline-only=true'
      : 'true, false, or attributes such as generator=image';
  const attrs = value.split(',').map((a) => a.trim());
  for (const attr of attrs) {
    const m = /^([a-z][a-z0-9-]*)=(\S+)$/i.exec(attr);
    if (!m) throw new InputError(name, `'${value}' is not a boolean or key=value attributes. Expected ${form}.`);
    if (name === 'provenance' && m[1] === 'mode' && !/^(min|max)$/.test(m[2]!))
      throw new InputError(name, `mode '${m[2]}' is not min or max. Expected ${form}.`);
  }
  return attrs.join(',');
}

/** Pure: `network`: the networking of the RUN steps, as BuildKit knows it. */
export function parseNetwork(raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (!['default', 'none', 'host'].includes(value))
    throw new InputError(
      'network',
      `'${value}' is no network BuildKit gives RUN steps. Expected default, none or host (host needs the builder's network.host entitlement).`,
    );
  return value;
}

const HOSTS_FORM = 'host:ip items, comma- or newline-separated, e.g. db.internal:10.0.0.5';

/** Pure: `add-hosts`: host:ip (or host=ip), made host:ip for buildx. */
export function parseAddHosts(raw: string): string[] {
  return listItems('add-hosts', raw, HOSTS_FORM).map((item) => {
    const m = /^([^:=\s]+)[:=](\S+)$/.exec(item);
    const host = m?.[1] ?? '';
    const ip = m?.[2] ?? '';
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))
      throw new InputError('add-hosts', `'${item}' has no host name. Expected ${HOSTS_FORM}.`);
    if (isIP(ip) === 0 && ip !== 'host-gateway')
      throw new InputError('add-hosts', `'${item}': '${ip}' is not an IP address. Expected ${HOSTS_FORM}.`);
    return `${host}:${ip}`;
  });
}

/** Pure: `shm-size`: a size as docker takes it (2g, 512m, 1073741824). */
export function parseShmSize(raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (!/^\d+(\.\d+)?\s*([kmgtp]i?)?b?$/i.test(value))
    throw new InputError('shm-size', `'${value}' is not a size. Expected a number of bytes with an optional unit, e.g. 2g or 512m.`);
  return value;
}

const ULIMIT_NAMES = new Set([
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
]);
const ULIMIT_FORM = 'name=soft[:hard] items, one per line, e.g. nofile=1024:2048';

/** Pure: `ulimit`: name=soft[:hard], a limit of -1 meaning unlimited. */
export function parseUlimits(raw: string): string[] {
  return listItems('ulimit', raw, ULIMIT_FORM).map((item) => {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(item);
    if (!m) throw new InputError('ulimit', `'${item}' is not name=soft[:hard]. Expected ${ULIMIT_FORM}.`);
    if (!ULIMIT_NAMES.has(m[1]!))
      throw new InputError('ulimit', `'${m[1]}' is no ulimit. Expected one of ${[...ULIMIT_NAMES].join(', ')}.`);
    const soft = Number(m[2]);
    const hard = m[3] === undefined ? soft : Number(m[3]);
    if (hard !== -1 && (soft === -1 || soft > hard))
      throw new InputError('ulimit', `'${item}': the soft limit is above the hard one. Expected ${ULIMIT_FORM}.`);
    return item;
  });
}

/** Every secret of the build, with the input each came from; go-private-token's `netrc` last. */
function parseSecrets(
  read: InputReader,
  workspace: string,
  env: NodeJS.ProcessEnv,
  goPrivate: GoPrivate | undefined,
): BuildExtras['secrets'] {
  const groups = [
    { owner: 'secrets', list: parseSecretValues(read('secrets')) },
    { owner: 'secret-files', list: parseSecretFiles(read('secret-files'), workspace) },
    { owner: 'secret-envs', list: parseSecretEnvs(read('secret-envs'), env) },
    { owner: 'go-private-token', list: goPrivateSecrets(goPrivate) },
  ];
  const secrets = groups.flatMap((g) => g.list);
  const owners = groups.flatMap((g) => g.list.map(() => g.owner));
  if (goPrivate?.token && secrets.slice(0, -1).some((s) => s.id === NETRC_SECRET_ID)) {
    throw new InputError(
      'go-private-token',
      `is set, and ${owners[secrets.findIndex((s) => s.id === NETRC_SECRET_ID)]} also gives a secret '${NETRC_SECRET_ID}'. Expected one of them: go-private-token makes the netrc secret itself.`,
    );
  }
  checkSecretIds(secrets, owners);
  return secrets;
}

/** Reads every build-push-action input into the build's extras; InputError on a bad form, before any build. */
export function parseBuildExtras(
  read: InputReader,
  workspace: string,
  env: NodeJS.ProcessEnv,
  goPrivate: GoPrivate | undefined,
): BuildExtras {
  return {
    secrets: parseSecrets(read, workspace, env, goPrivate),
    ssh: parseSsh(read('ssh'), env),
    buildContexts: parseBuildContexts(read('build-contexts'), workspace),
    annotations: listInput(read, 'annotations', ANNOTATIONS_FORM).map(checkAnnotation),
    provenance: parseAttestation('provenance', read('provenance')),
    sbom: parseAttestation('sbom', read('sbom')),
    noCache: booleanInput(read, 'no-cache'),
    pull: booleanInput(read, 'pull'),
    network: parseNetwork(read('network')),
    addHosts: parseAddHosts(read('add-hosts')),
    shmSize: parseShmSize(read('shm-size')),
    ulimits: parseUlimits(read('ulimit')),
  };
}

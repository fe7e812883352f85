/**
 * The build inputs that come from docker/build-push-action (secrets, ssh, build contexts,
 * annotations, attestations and the RUN sandbox's settings), as plain data, and the buildx
 * arguments they become. Pure. A secret's value never goes into the argv: buildx reads it from
 * an environment variable of its own process (`--secret id=x,env=VAR`), see secretEnv.
 */

/** Where a build secret's value comes from. */
export type SecretSource =
  /** The value itself (the `secrets` input, the .netrc of go-private-token). */
  | { kind: 'value'; value: string }
  /** A file inside the workspace (`secret-files`): buildx reads it. */
  | { kind: 'file'; path: string }
  /** An environment variable of the step (`secret-envs`): buildx reads it. */
  | { kind: 'env'; name: string };

export interface BuildSecret {
  id: string;
  source: SecretSource;
}

export interface BuildExtras {
  secrets: BuildSecret[];
  /** `--ssh` values: `default`, `id`, or `id=path[,path]`. */
  ssh: string[];
  /** `--build-context name=value`, the value resolved (a local path made absolute). */
  buildContexts: { name: string; value: string }[];
  /** `--annotation` values as docker/metadata-action prints them. */
  annotations: string[];
  /** `--provenance`/`--sbom`: true, false or attributes; undefined leaves buildx's default. */
  provenance?: string;
  sbom?: string;
  noCache: boolean;
  pull: boolean;
  network?: string;
  /** `--add-host host:ip`. */
  addHosts: string[];
  shmSize?: string;
  /** `--ulimit name=soft[:hard]`. */
  ulimits: string[];
}

export const NO_EXTRAS: BuildExtras = {
  secrets: [],
  ssh: [],
  buildContexts: [],
  annotations: [],
  noCache: false,
  pull: false,
  addHosts: [],
  ulimits: [],
};

/** Pure: the environment variable buildx reads the n-th value secret from. */
export function secretEnvName(index: number): string {
  return `GCA_BUILD_SECRET_${index}`;
}

/** Pure: one `--secret` value; a value secret names its environment variable, never the value. */
export function secretArg(secret: BuildSecret, index: number): string {
  const { id, source } = secret;
  if (source.kind === 'file') return `id=${id},src=${source.path}`;
  if (source.kind === 'env') return `id=${id},env=${source.name}`;
  return `id=${id},env=${secretEnvName(index)}`;
}

/** Pure: the environment the build's buildx needs for the value secrets (nothing else). */
export function secretEnv(extras: Pick<BuildExtras, 'secrets'>): Record<string, string> {
  const env: Record<string, string> = {};
  extras.secrets.forEach((s, i) => {
    if (s.source.kind === 'value') env[secretEnvName(i)] = s.source.value;
  });
  return env;
}

/** Pure: the buildx arguments of the extras, in a fixed order. */
export function extrasArgv(extras: BuildExtras): string[] {
  const args: string[] = [];
  extras.secrets.forEach((s, i) => args.push('--secret', secretArg(s, i)));
  for (const s of extras.ssh) args.push('--ssh', s);
  for (const c of extras.buildContexts) args.push('--build-context', `${c.name}=${c.value}`);
  for (const a of extras.annotations) args.push('--annotation', a);
  if (extras.provenance !== undefined) args.push('--provenance', extras.provenance);
  if (extras.sbom !== undefined) args.push('--sbom', extras.sbom);
  if (extras.noCache) args.push('--no-cache');
  if (extras.pull) args.push('--pull');
  if (extras.network) args.push('--network', extras.network);
  for (const h of extras.addHosts) args.push('--add-host', h);
  if (extras.shmSize) args.push('--shm-size', extras.shmSize);
  for (const u of extras.ulimits) args.push('--ulimit', u);
  return args;
}

/** A line of a multi-line secret this long or longer is masked on its own (the log shows lines). */
const MASKED_LINE_MIN = 6;

/**
 * Pure: every secret value the step holds, to mask before anything is logged: each value, and
 * each long enough line of a multi-line one (a log line holds one line of it at most). A file
 * secret is masked too (`readFile` reads it; it is inside the workspace).
 */
export function secretValues(
  extras: Pick<BuildExtras, 'secrets'>,
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string | undefined = () => undefined,
): string[] {
  const values = new Set<string>();
  for (const { source } of extras.secrets) {
    const value = source.kind === 'value' ? source.value : source.kind === 'env' ? env[source.name] : readFile(source.path);
    if (!value) continue;
    values.add(value);
    if (!/[\r\n]/.test(value)) continue;
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= MASKED_LINE_MIN) values.add(line.trim());
  }
  return [...values];
}

import { join } from 'node:path';
import type { RunContext } from '../context.js';
import type { KeyValue } from '../util/key-value.js';
import { repositoriesOf } from '../util/reference.js';
import { extrasArgv, type BuildExtras } from './extras.js';
import { goPrivateBuildArgs, type GoPrivate } from './go-private.js';
import { effectiveProvenance, type ProvenanceContext } from './provenance.js';

/** The build's own inputs, parsed. */
export interface BuildSettings {
  /** Absolute path of the build context. */
  context: string;
  /** Absolute path of the Dockerfile. */
  file: string;
  platforms: string[];
  tags: string[];
  push: boolean;
  load: boolean;
  buildArgs: KeyValue[];
  target?: string;
  builder?: string;
  cacheFrom: string[];
  cacheTo: string[];
  labels: KeyValue[];
  /** Stamp the commit's time, not now, so the same commit gives the same image (default true). */
  reproducible: boolean;
  /** The inputs that come from docker/build-push-action (secrets, ssh, build contexts, …). */
  extras: BuildExtras;
  /** go-private and its token: the GOPRIVATE build-arg (the token is in extras, as the netrc secret). */
  goPrivate?: GoPrivate;
}

/**
 * How a pushed image reaches its registries: by digest only, so that no tag moves before the
 * checks pass (the tags are applied afterwards, see release/apply.ts).
 */
export interface PushByDigest {
  /** The repositories of the tags, each once, in the order the tags name them. */
  repositories: string[];
  /**
   * `exporter`: BuildKit's image exporter pushes by digest (`push-by-digest=true`).
   * `layout`: the docker driver cannot (buildx refuses push-by-digest there), so the build
   * writes an OCI layout and the action uploads it by digest (oci/registry-push.ts).
   */
  via: 'exporter' | 'layout';
}

/**
 * Everything one buildx invocation needs, as plain data: the build's inputs with the tags and
 * build-args resolved (VERSION, release tags, OCI labels), and where buildx writes its results.
 */
export interface BuildPlan extends Omit<BuildSettings, 'reproducible'> {
  metadataFile: string;
  iidFile: string;
  /**
   * When the result is not pushed, it is also written as an OCI layout here, so that every
   * platform can be inspected afterwards (the size budget reads it) on any image store.
   */
  ociLayoutDir?: string;
  /**
   * The builder cannot write that layout (the docker driver on the classic image store): the
   * image goes into the engine's store instead (that driver's default output), and the size
   * stage saves the layout from there (size/engine-layout.ts).
   */
  ociLayoutFromEngine?: boolean;
  /** Set when pushing: where to, and how. */
  pushByDigest?: PushByDigest;
  /**
   * The time a reproducible build stamps (SOURCE_DATE_EPOCH): passed as a build-arg, and every
   * exporter rewrites the layers' file times to it. Unset: the build is not made reproducible.
   */
  sourceDateEpoch?: number;
}

/**
 * Merges pairs in order; a later key replaces an earlier one in place of the earlier one,
 * so the user's values (given last) override what the action adds.
 */
export function mergeKeyValues(...lists: KeyValue[][]): KeyValue[] {
  const merged = new Map<string, string>();
  for (const list of lists) for (const { key, value } of list) merged.set(key, value);
  return [...merged].map(([key, value]) => ({ key, value }));
}

/** The build-args the build passes, as a record (later values win), for the model's scope. */
export function buildArgRecord(pairs: { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(pairs.map(({ key, value }) => [key, value]));
}

/**
 * The build-args a build passes: the user's, with VERSION set to the version the run resolved
 * (the `version` input, else the user's own VERSION build-arg, else the ref's), so the binary,
 * the labels and the outputs never disagree.
 */
export function buildArgsWithVersion(version: string, buildArgs: KeyValue[]): KeyValue[] {
  const VERSION = { key: 'VERSION', value: version };
  return mergeKeyValues([VERSION], buildArgs, [VERSION]);
}

export function ociLabels(version: string, ctx: Pick<RunContext, 'sha' | 'serverUrl' | 'repository'>, created: Date): KeyValue[] {
  const labels: KeyValue[] = [{ key: 'org.opencontainers.image.version', value: version }];
  if (ctx.sha) labels.push({ key: 'org.opencontainers.image.revision', value: ctx.sha });
  if (ctx.repository) labels.push({ key: 'org.opencontainers.image.source', value: `${ctx.serverUrl}/${ctx.repository}` });
  labels.push({ key: 'org.opencontainers.image.created', value: created.toISOString() });
  return labels;
}

export interface PlanOptions {
  version: string;
  tags: string[];
  /** The OCI labels with the user's over them (metadata-action's set); default: the version, revision, source and time alone. */
  labels?: KeyValue[];
  created: Date;
  /** A directory of this run's own for metadata and layouts. */
  workDir: string;
  /** The builder's driver (`docker`, `docker-container`, …): it decides how a push goes by digest. */
  driver: string;
  /**
   * The engine keeps images in containerd. The docker driver on the classic store can neither
   * push by digest nor write an OCI layout: there a push goes under the tags, as `docker push` does.
   */
  containerdImageStore: boolean;
  /** See BuildPlan.sourceDateEpoch; `created` is then that time. */
  sourceDateEpoch?: number;
  /** The builder's BuildKit version, when known: the default provenance needs one that attests. */
  buildkit?: string;
}

/** Pure: whether buildx can write an OCI layout on this builder (the docker driver needs the containerd image store). */
export function canWriteOciLayout(opts: Pick<PlanOptions, 'driver' | 'containerdImageStore'>): boolean {
  return opts.driver !== 'docker' || opts.containerdImageStore;
}

/** Pure: whether a push can go by digest first (and the tags follow the checks) on this builder; the docker driver does it through an OCI layout. */
export function canPushByDigest(opts: Pick<PlanOptions, 'driver' | 'containerdImageStore'>): boolean {
  return canWriteOciLayout(opts);
}

export function planBuild(inputs: BuildSettings, ctx: Pick<RunContext, 'sha'> & ProvenanceContext, opts: PlanOptions): BuildPlan {
  const via = opts.driver === 'docker' ? 'layout' : 'exporter';
  // An empty provenance input gets build-push-action's default; the engine's classic store keeps no attestation.
  const provenance = effectiveProvenance({
    given: inputs.extras.provenance,
    ctx,
    dockerExporter: inputs.load || !canWriteOciLayout(opts),
    buildkit: opts.buildkit,
  });
  const pushByDigest: PushByDigest | undefined =
    inputs.push && canPushByDigest(opts) ? { repositories: repositoriesOf(opts.tags), via } : undefined;
  const ociLayoutDir = !inputs.push || pushByDigest?.via === 'layout' ? join(opts.workDir, 'oci-layout') : undefined;
  return {
    context: inputs.context,
    file: inputs.file,
    platforms: inputs.platforms,
    tags: opts.tags,
    push: inputs.push,
    load: inputs.load,
    // The user's own GOPRIVATE build-arg wins over go-private's.
    buildArgs: withSourceDate(
      buildArgsWithVersion(opts.version, mergeKeyValues(goPrivateBuildArgs(inputs.goPrivate), inputs.buildArgs)),
      opts.sourceDateEpoch,
    ),
    labels: opts.labels ?? mergeKeyValues(ociLabels(opts.version, ctx, opts.created), inputs.labels),
    target: inputs.target,
    builder: inputs.builder,
    cacheFrom: inputs.cacheFrom,
    cacheTo: inputs.cacheTo,
    extras: provenance === undefined ? inputs.extras : { ...inputs.extras, provenance },
    goPrivate: inputs.goPrivate,
    metadataFile: join(opts.workDir, 'metadata.json'),
    iidFile: join(opts.workDir, 'iid.txt'),
    ociLayoutDir,
    ociLayoutFromEngine: ociLayoutDir !== undefined && !canWriteOciLayout(opts),
    pushByDigest,
    ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
  };
}

/** Pure: the build-args with SOURCE_DATE_EPOCH, unless the user passes one (it is the time then). */
function withSourceDate(buildArgs: KeyValue[], epoch: number | undefined): KeyValue[] {
  if (epoch === undefined || buildArgs.some((a) => a.key === 'SOURCE_DATE_EPOCH')) return buildArgs;
  return [...buildArgs, { key: 'SOURCE_DATE_EPOCH', value: String(epoch) }];
}

/** Pure: a buildx `--output` attribute holding a list: quoted, as buildx reads the value as CSV. */
function listAttribute(name: string, values: readonly string[]): string {
  return `"${name}=${values.join(',')}"`;
}

/**
 * Pure: where the build's result goes. A push goes by digest only: with BuildKit's image
 * exporter (no `--tag`, which would name the pushed image after the tags), or as an OCI layout
 * the action uploads (the docker driver). `load` names the loaded image after the tags.
 */
export function outputArgs(
  plan: Pick<BuildPlan, 'tags' | 'push' | 'load' | 'ociLayoutDir' | 'ociLayoutFromEngine' | 'pushByDigest' | 'sourceDateEpoch'>,
): string[] {
  const args: string[] = [];
  // A reproducible build clamps the layers' file times to SOURCE_DATE_EPOCH in every exporter;
  // `--push` and `--load` take no attributes, so they are written as the outputs they stand for.
  const rewrite = plan.sourceDateEpoch !== undefined;
  const output = (spec: string): void => void args.push('--output', rewrite ? `${spec},rewrite-timestamp=true` : spec);
  const exporter = plan.pushByDigest?.via === 'exporter';
  if (exporter) {
    // The load first: BuildKit answers with the metadata of its last exporter (a docker exporter's
    // index of several platforms has a digest of its own), and `digest` must name what was pushed.
    if (plan.load) output(plan.tags.length ? `type=docker,${listAttribute('name', plan.tags)}` : 'type=docker');
    output(`type=image,${listAttribute('name', plan.pushByDigest!.repositories)},push-by-digest=true,name-canonical=true,push=true`);
  } else {
    for (const tag of plan.tags) args.push('--tag', tag);
    if (plan.push && !plan.pushByDigest) {
      if (rewrite) output('type=image,push=true');
      else args.push('--push');
    }
    if (plan.load) {
      if (rewrite) output('type=docker');
      else args.push('--load');
    }
  }
  // Without an --output, the docker driver loads the image into the engine's store, where the layout is saved from.
  if (plan.ociLayoutDir && !plan.ociLayoutFromEngine) output(`type=oci,dest=${plan.ociLayoutDir},tar=false`);
  return args;
}

/** Pure: the buildx argv for a plan (the program is `docker`). */
export function buildxArgv(plan: BuildPlan): string[] {
  const args = ['buildx', 'build'];
  if (plan.builder) args.push('--builder', plan.builder);
  args.push('--file', plan.file);
  args.push('--platform', plan.platforms.join(','));
  for (const { key, value } of plan.buildArgs) args.push('--build-arg', `${key}=${value}`);
  for (const { key, value } of plan.labels) args.push('--label', `${key}=${value}`);
  if (plan.target) args.push('--target', plan.target);
  for (const c of plan.cacheFrom) args.push('--cache-from', c);
  for (const c of plan.cacheTo) args.push('--cache-to', c);
  args.push(...extrasArgv(plan.extras));
  args.push(...outputArgs(plan));
  args.push('--metadata-file', plan.metadataFile);
  args.push('--iidfile', plan.iidFile);
  args.push(plan.context);
  return args;
}

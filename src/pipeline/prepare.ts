/** Before the build: version, release tags, docker, the Dockerfile checks, the plan, the smoke test's setup. */
import { checkCapabilities, inspectDocker, type DockerEnvironment } from '../buildx/docker.js';
import { planBuild, type BuildPlan } from '../buildx/plan.js';
import { commitEpoch, resolveSourceDate, type SourceDate } from '../buildx/source-date.js';
import { dockerfileChecks, type CheckStageResult } from '../checks/stage.js';
import type { RunContext } from '../context.js';
import { ActionError, throwIfCancelled } from '../errors.js';
import { buildkitVersionOf } from '../docker/versions.js';
import { requirementsError, requirementsOf, unmetRequirements, type ToolVersions } from '../requirements.js';
import type { Inputs } from '../inputs.js';
import { releaseTags } from '../release/stage.js';
import { repositoryInfo, ruleTags, metadataOutputs, lines, type RuleTags } from '../release/metadata/stage.js';
import type { RepoInfo } from '../release/metadata/labels.js';
import { defaultVersion, isValidVersion } from '../release/version.js';
import type { KeyValue } from '../util/key-value.js';
import { isImageReferenceError, parseImageReference } from '../util/reference.js';
import { InputError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { checkSmokeSetup, type SmokeSetup } from '../smoke/stage.js';
import type { StateWriter } from '../state.js';
import type { Collector } from './collector.js';
import type { PipelineDeps } from './deps.js';
import { runWorkDir } from './work-dir.js';

/** What the stages before the build hand on. */
export interface Prepared {
  version: string;
  plan: BuildPlan;
  releaseNote?: string;
  checks: CheckStageResult;
  smokeSetup?: SmokeSetup;
  enginePlatform: string;
  workDir: string;
  sourceDate: SourceDate;
}

/**
 * A VERSION build-arg given by the user is the version: the binary, labels and outputs agree.
 * With metadata-action rules, their first tag is the version, as metadata-action's `version`
 * output (when it is a valid version).
 */
export function resolveVersion(inputs: Inputs, ctx: RunContext, ruleVersion?: string): string {
  const fromRules = ruleVersion !== undefined && isValidVersion(ruleVersion) ? ruleVersion : undefined;
  return inputs.version ?? inputs.buildArgs.findLast((a) => a.key === 'VERSION')?.value ?? fromRules ?? defaultVersion(ctx);
}

/** The version and the tags, from the rules (metadata-action's) or the ref; undefined when the run stops here. */
export async function releaseStage(inputs: Inputs, deps: PipelineDeps, out: Collector): Promise<Release | undefined> {
  const { reporter, ctx } = deps;
  const rules = await ruleTags(inputs, deps);
  const version = resolveVersion(inputs, ctx, rules?.version.main);
  out.output('version', version);
  const release = releaseTags(inputs, ctx, reporter, rules?.names);
  for (const name of rules?.names ?? []) {
    const parsed = parseImageReference(`${inputs.images[0]}:${name}`);
    if (isImageReferenceError(parsed)) {
      throw new InputError(
        'tags',
        `the type= rules give the tag '${name}', which is not a valid tag (letters, digits, '_', '.', '-', not starting with '.' or '-'; at most 128). ` +
          'Expected rules, prefixes and suffixes that give valid tags for this event.',
      );
    }
  }
  if (!out.take(release.result)) return undefined;
  const repo = rules?.repo ?? (await repositoryInfo(ctx, '', deps.github, reporter));
  return { version, tags: release.tags, note: release.note, rules, repo };
}

/** The labels the image carries, and the labels, annotations and json outputs (metadata-action's). */
export function labelOutputs(inputs: Inputs, release: Release, ctx: RunContext, created: Date, out: Collector): KeyValue[] {
  const names = release.rules?.names ?? [...new Set(release.tags.map(tagName))];
  const made = metadataOutputs(
    { version: release.version, created, sha: ctx.sha, repo: release.repo, tags: release.tags, names, rules: release.rules },
    inputs.labels,
    ctx.metadataEnv?.annotationLevels,
  );
  out.output('labels', lines(made.labels).join('\n'));
  out.output('annotations', made.annotations.join('\n'));
  out.output('json', made.json);
  return made.labels;
}

const tagName = (reference: string): string => {
  const parsed = parseImageReference(reference);
  return isImageReferenceError(parsed) ? reference : (parsed.tag ?? 'latest');
};

/** What the release stage decided. */
export interface Release {
  version: string;
  tags: string[];
  note?: string;
  rules?: RuleTags;
  repo: RepoInfo;
}

export async function prepare(inputs: Inputs, deps: PipelineDeps, state: StateWriter, out: Collector): Promise<Prepared | undefined> {
  const { reporter, ctx, docker } = deps;
  const release = await releaseStage(inputs, deps, out);
  if (!release) return undefined;
  const version = release.version;

  const engine = await reporter.group('Checking docker and buildx', () => inspectDocker(docker, inputs.builder));
  const sourceDate = await reproducibleTime(inputs, ctx, reporter);
  await checkRequirements(inputs, engine, sourceDate, deps);
  // `dockerfile-checks: error` stops here: a build whose result is thrown away costs minutes.
  const checks = await reporter.group('Checking the Dockerfile', () =>
    dockerfileChecks(inputs, ctx, reporter, { version, platform: engine.enginePlatform }),
  );
  if (!out.take(checks)) return undefined;

  const workDir = await runWorkDir(deps, state);
  const created = sourceDate.epoch !== undefined ? new Date(sourceDate.epoch * 1000) : deps.clock.now();
  const labels = labelOutputs(inputs, release, ctx, created, out);
  const plan: BuildPlan = planBuild(inputs, ctx, {
    version,
    tags: release.tags,
    labels,
    created,
    workDir,
    driver: engine.builder.driver,
    containerdImageStore: engine.containerdImageStore,
    sourceDateEpoch: sourceDate.epoch,
    buildkit: engine.builder.nodes[0]?.buildkit,
  });
  checkCapabilities(plan, engine, reporter);
  if (inputs.fanOut === 'push-by-digest' && plan.push && !plan.pushByDigest) {
    throw new ActionError(
      'push-by-digest needs a builder that pushes by digest: the docker driver on the classic image store pushes under the tags. ' +
        'Use a docker-container builder (docker/setup-buildx-action) or the containerd image store.',
    );
  }
  const smoke = inputs.smoke;
  const smokeSetup: SmokeSetup | undefined = smoke
    ? await reporter.group('Checking the compose files for the smoke test', () =>
        checkSmokeSetup(docker, smoke, plan.platforms, engine.enginePlatform, ctx.workspace, reporter),
      )
    : undefined;
  return { version, plan, releaseNote: release.note, checks, smokeSetup, enginePlatform: engine.enginePlatform, workDir, sourceDate };
}

/** The time the build stamps: the commit's, so that the same commit gives the same image. */
async function reproducibleTime(inputs: Inputs, ctx: RunContext, reporter: Reporter): Promise<SourceDate> {
  const wanted = inputs.reproducible && !inputs.buildArgs.some((a) => a.key === 'SOURCE_DATE_EPOCH') && !ctx.sourceDateEpoch;
  const epoch = wanted ? await commitEpoch(ctx.workspace, ctx.sha) : undefined;
  const date = resolveSourceDate({
    reproducible: inputs.reproducible,
    buildArgs: inputs.buildArgs,
    env: ctx.sourceDateEpoch,
    sha: ctx.sha,
    commitEpoch: epoch,
    payload: ctx.payload,
  });
  reporter.info(
    date.epoch !== undefined
      ? `Reproducible build: SOURCE_DATE_EPOCH=${date.epoch} (${new Date(date.epoch * 1000).toISOString()}, ${date.from})`
      : `Timestamps: ${date.why}`,
  );
  return date;
}

/** Refuses, before any work, tools older than what the inputs ask for: one error naming each. */
async function checkRequirements(inputs: Inputs, engine: DockerEnvironment, sourceDate: SourceDate, deps: PipelineDeps): Promise<void> {
  const asked = (value: string | undefined): boolean => value !== undefined && value !== 'false';
  const needs = requirementsOf({
    annotations: inputs.extras.annotations.length > 0,
    attestations: asked(inputs.extras.provenance) || asked(inputs.extras.sbom),
    rewriteTimestamps: sourceDate.epoch !== undefined,
    smoke: inputs.smoke !== undefined,
  });
  const found: ToolVersions = {
    buildx: engine.buildxVersion,
    buildkit: engine.builder.nodes.map((n) => ({ node: n.name, version: buildkitVersionOf(n.buildkit) })),
  };
  if (needs.some((n) => n.tool === 'compose')) {
    const compose = await deps.docker.composeVersion();
    throwIfCancelled(compose, 'docker compose version ran');
    // Compose missing is said by the smoke test's own check, with what to install.
    found.compose = compose.ok ? compose.value : '';
  }
  const unmet = unmetRequirements(needs, found);
  if (unmet.length > 0) throw new ActionError(requirementsError(unmet));
  deps.reporter.debug(
    `tool versions: buildx ${found.buildx || '?'}, BuildKit ${found.buildkit.map((b) => b.version || '?').join(', ')}, compose ${found.compose ?? '-'}`,
  );
}

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { buildArgRecord, buildArgsWithVersion, mergeKeyValues } from '../buildx/plan.js';
import { goPrivateBuildArgs } from '../buildx/go-private.js';
import type { RunContext } from '../context.js';
import { parseDockerfile } from '../dockerfile/model.js';
import { errorText } from '../errors.js';
import type { BuildSettings } from '../buildx/plan.js';
import type { StageResult } from '../stage.js';
import type { CheckMode } from './mode.js';
import type { Reporter } from '../reporter.js';
import { CHECKS, type ReportedFinding } from './catalog.js';
import { directoryContext } from './context.js';
import { analyzeGoDockerfile, type CheckResult, type VersionUse } from './go.js';
import { renderChecksSummary } from './summary.js';
import { plural } from '../util/plural.js';

/** The .dockerignore BuildKit uses: `<Dockerfile>.dockerignore` next to the Dockerfile wins over `<context>/.dockerignore`. */
export function dockerignorePath(dockerfile: string, context: string): string | undefined {
  const specific = join(dirname(dockerfile), `${basename(dockerfile)}.dockerignore`);
  if (existsSync(specific)) return specific;
  const general = join(context, '.dockerignore');
  return existsSync(general) ? general : undefined;
}

/** A path as GitHub wants it in an annotation: relative to the workspace, with `/`. */
export function annotationPath(path: string, workspace: string): string {
  const rel = relative(workspace, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

/** The Dockerfile checks' slice of the inputs. */
export type CheckSettings = Pick<BuildSettings, 'file' | 'context' | 'platforms' | 'target' | 'buildArgs' | 'goPrivate'> & {
  dockerfileChecks: CheckMode;
};

/**
 * The pipeline's Dockerfile-check stage: parse, check, annotate each finding on its line, return
 * the summary section. With `dockerfile-checks: error`, warnings are errors and a failure that
 * stops the pipeline before the build: a build whose result is thrown away costs minutes for nothing.
 */
export interface CheckStageResult extends StageResult {
  /** What the checks found, for the size report and the PR comment. */
  findings: ReportedFinding[];
  /** Where the VERSION build-arg goes (the Dockerfile path relative to the workspace), for the build summary. */
  versionUse?: VersionUse & { file: string };
}

/** The Dockerfile and the .dockerignore as annotations name them. */
interface CheckedFiles {
  dockerfile: string;
  dockerignore: string;
}

/** Reads the Dockerfile, the .dockerignore and the context, and checks them. */
function analyze(
  inputs: CheckSettings,
  ctx: RunContext,
  build: { version: string; platform: string },
): CheckResult & { files: CheckedFiles } {
  const ignoreFile = dockerignorePath(inputs.file, inputs.context);
  const files = {
    dockerfile: annotationPath(inputs.file, ctx.workspace),
    dockerignore: annotationPath(ignoreFile ?? join(inputs.context, '.dockerignore'), ctx.workspace),
  };
  const checked = analyzeGoDockerfile(
    parseDockerfile(readFileSync(inputs.file, 'utf8')),
    {
      platforms: inputs.platforms,
      hostPlatform: build.platform,
      target: inputs.target,
      buildArgs: buildArgRecord(
        buildArgsWithVersion(build.version, mergeKeyValues(goPrivateBuildArgs(inputs.goPrivate), inputs.buildArgs)),
      ),
      goPrivate: inputs.goPrivate?.patterns,
      dockerignore: ignoreFile ? readFileSync(ignoreFile, 'utf8') : undefined,
      context: directoryContext(inputs.context),
    },
    inputs.dockerfileChecks === 'off' ? 'version' : undefined,
  );
  return { ...checked, files };
}

/** The checks as a stage: they read files synchronously; a throw becomes the promise's rejection. */
export function dockerfileChecks(
  inputs: CheckSettings,
  ctx: RunContext,
  reporter: Reporter,
  build: { version: string; platform: string },
): Promise<CheckStageResult> {
  return new Promise((resolve) => resolve(checkDockerfile(inputs, ctx, reporter, build)));
}

function checkDockerfile(
  inputs: CheckSettings,
  ctx: RunContext,
  reporter: Reporter,
  build: { version: string; platform: string },
): CheckStageResult {
  const mode = inputs.dockerfileChecks;
  const result: CheckStageResult = { outputs: {}, failures: [], findings: [] };
  let checked: ReturnType<typeof analyze>;
  try {
    checked = analyze(inputs, ctx, build);
  } catch (error) {
    // Advice only: a fault in a check never stops the build, whatever the mode.
    if (mode !== 'off') reporter.warning(`Dockerfile checks could not run: ${errorText(error)}`);
    return result;
  }
  const { findings, files } = checked;
  // Where VERSION goes is no check: the build summary states it with the checks off too.
  result.versionUse = { ...checked.versionUse, file: files.dockerfile };
  if (mode === 'off') {
    reporter.info('Dockerfile checks are off (dockerfile-checks: off).');
    return result;
  }
  for (const f of findings) {
    const message = `${f.id} ${CHECKS[f.id].title}: ${f.message}`;
    const props = { file: files[f.file], startLine: f.line };
    const level = f.level === 'notice' ? 'notice' : mode === 'error' ? 'error' : 'warning';
    reporter[level](message, props);
    result.findings.push({
      id: f.id,
      title: CHECKS[f.id].title,
      level,
      file: files[f.file],
      line: f.line,
      message: f.message,
      text: f.text,
    });
  }
  if (findings.length === 0) reporter.info(`Dockerfile checks: no findings in ${files.dockerfile}.`);
  result.summary = renderChecksSummary(findings, files, mode);
  const blocking = findings.filter((f) => f.level === 'warning');
  if (mode === 'error' && blocking.length > 0) {
    const ids = [...new Set(blocking.map((f) => f.id))].join(', ');
    result.failures.push(
      `Dockerfile checks failed (dockerfile-checks: error): ${plural(blocking.length, 'finding')} (${ids}) in ${files.dockerfile}; ` +
        'not building. Fix them, or set dockerfile-checks: warn.',
    );
  }
  return result;
}

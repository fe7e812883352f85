/**
 * What the runner and docker's tools must be for what the inputs ask, and the verdict on the
 * versions found. Pure: the versions are read through the docker client (src/docker/), and the
 * step is refused before any work with one error that names each tool, its version and the
 * version needed.
 */

export type Tool = 'buildx' | 'BuildKit' | 'compose';

/** A tool version that something the inputs ask for needs. */
export interface Requirement {
  tool: Tool;
  /** The oldest version that works, `major.minor.patch`. */
  min: string;
  /** What needs it, as the error names it. */
  why: string;
}

/** What the inputs ask for that needs a newer tool. */
export interface RequirementFacts {
  /** The `annotations` input is set. */
  annotations: boolean;
  /** An attestation the user asked for (`provenance` or `sbom` other than false). */
  attestations: boolean;
  /** The build stamps SOURCE_DATE_EPOCH and rewrites file times to it (`reproducible`). */
  rewriteTimestamps: boolean;
  /** The compose smoke test runs (`compose-file`). */
  smoke: boolean;
}

/** What every build needs: the attestation flags (`--provenance`, `--sbom`) the builds pass. */
export const BASE_REQUIREMENTS: readonly Requirement[] = [
  { tool: 'buildx', min: '0.10.0', why: 'the build (--provenance and --sbom flags)' },
];

/** Pure: the tool versions the inputs need, the base ones first. */
export function requirementsOf(f: RequirementFacts): Requirement[] {
  const needs: Requirement[] = [...BASE_REQUIREMENTS];
  if (f.annotations) {
    needs.push({ tool: 'buildx', min: '0.12.0', why: 'annotations (the --annotation flag)' });
    needs.push({ tool: 'BuildKit', min: '0.11.0', why: 'annotations' });
  }
  if (f.attestations) needs.push({ tool: 'BuildKit', min: '0.11.0', why: 'provenance and sbom attestations' });
  if (f.rewriteTimestamps)
    needs.push({
      tool: 'BuildKit',
      min: '0.13.0',
      why: "reproducible (the exporters' rewrite-timestamp; reproducible: false does without)",
    });
  if (f.smoke) needs.push({ tool: 'compose', min: '2.0.0', why: 'the smoke test (compose-file: the docker compose v2 plugin)' });
  return needs;
}

/** The versions found: '' where a tool did not say (then it is not refused). */
export interface ToolVersions {
  buildx: string;
  /** Each node of the builder with its BuildKit. */
  buildkit: { node: string; version: string }[];
  /** Undefined when not read (no smoke test); '' when compose printed no version. */
  compose?: string;
}

/** Pure: -1, 0 or 1 as version `a` is older than, the same as or newer than `b` (`x.y.z`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Pure: one line per requirement the versions do not meet (empty: all are met). */
export function unmetRequirements(needs: readonly Requirement[], found: ToolVersions): string[] {
  const lines: string[] = [];
  const check = (tool: Tool, where: string, version: string | undefined, need: Requirement): void => {
    if (!version || compareVersions(version, need.min) >= 0) return;
    lines.push(`${tool}${where} is ${version}; ${need.why} needs ${tool} ${need.min} or later.`);
  };
  // The newest minimum of each tool and each reason is enough: one line per tool and node.
  for (const need of strictest(needs)) {
    if (need.tool === 'buildx') check('buildx', '', found.buildx, need);
    if (need.tool === 'compose') check('compose', '', found.compose, need);
    if (need.tool === 'BuildKit')
      for (const node of found.buildkit) check('BuildKit', found.buildkit.length > 1 ? ` of node ${node.node}` : '', node.version, need);
  }
  return dedupeByTool(lines);
}

/** Pure: per tool, the requirements ordered newest minimum first (the error names the one that matters). */
function strictest(needs: readonly Requirement[]): Requirement[] {
  return [...needs].sort((a, b) => a.tool.localeCompare(b.tool) || compareVersions(b.min, a.min));
}

/** Pure: the first line of each tool (and node): the newest minimum it misses. */
function dedupeByTool(lines: string[]): string[] {
  const seen = new Set<string>();
  return lines.filter((line) => {
    const subject = line.slice(0, line.indexOf(' is '));
    if (seen.has(subject)) return false;
    seen.add(subject);
    return true;
  });
}

/** Pure: the one error for the unmet requirements. */
export function requirementsError(unmet: readonly string[]): string {
  return (
    `This runner's tools are too old for what the inputs ask: ${unmet.join(' ')} ` +
    "Update docker's buildx/compose plugins or the builder (docker/setup-buildx-action), or leave out the input that needs them."
  );
}

/**
 * Pure: why the runner cannot run the action, or undefined when it can. RUNNER_OS says it on a
 * runner; the process's platform where it does not.
 */
export function runnerRefusal(runnerOs: string | undefined, platform: string): string | undefined {
  const os = runnerOs?.trim();
  if (os ? os.toLowerCase() === 'linux' : platform === 'linux') return undefined;
  const name = os ? `${os} (RUNNER_OS)` : `${platform} (the process's platform)`;
  return (
    `This runner is ${name}; the action needs a Linux runner (e.g. runs-on: ubuntu-latest): ` +
    'its buildx builds, the Go cache mounts and the compose smoke test run on a Linux Docker engine.'
  );
}

/** Pure: the versions docker's tools print, as `major.minor.patch`, or '' when they name none. */

/** Pure: the first `x.y.z` of a version text (`v0.13.1`, `0.13.1+ds1`, `2.26.1-4`), without the `v`; '' when there is none. */
export function versionOf(text: string): string {
  return /\bv?(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? '';
}

/** Pure: buildx's version from `docker buildx version` (`github.com/docker/buildx v0.17.1 8c2d3f7`). */
export function parseBuildxVersion(stdout: string): string {
  const line = stdout.split('\n').find((l) => /buildx/.test(l)) ?? stdout;
  return versionOf(line.replace(/^\S*buildx\S*\s*/, ''));
}

/** Pure: compose's version from `docker compose version --short` (`2.26.1`, `v2.29.7`). */
export function parseComposeVersion(stdout: string): string {
  return versionOf(stdout.trim());
}

/**
 * Pure: a node's BuildKit version as inspect prints it, or '' when unknown: absent, or
 * `v0.0.0+unknown` (an engine built by a distribution, whose embedded BuildKit does not say).
 */
export function buildkitVersionOf(printed: string | undefined): string {
  const version = versionOf(printed ?? '');
  return version === '0.0.0' ? '' : version;
}

/**
 * The provenance a build gets when the `provenance` input is empty: the one
 * docker/build-push-action gives, so a team that switches keeps the same attestations. Pure.
 */
import type { RunContext } from '../context.js';

/** What the run tells of the repository and itself. */
export type ProvenanceContext = Pick<RunContext, 'serverUrl' | 'repository'> &
  Partial<Pick<RunContext, 'runId' | 'runAttempt' | 'privateRepository' | 'noDefaultAttestations'>>;

/** What decides the default provenance. */
export interface ProvenanceFacts {
  /** The `provenance` input, parsed; undefined when empty. */
  given?: string;
  ctx: ProvenanceContext;
  /**
   * The result goes only to the engine's image store (load, or the docker driver's own output):
   * that exporter keeps no attestation, so none is asked for.
   */
  dockerExporter: boolean;
  /** The builder's BuildKit, when known (e.g. `v0.13.2`); attestations need 0.11 or later. */
  buildkit?: string;
}

/** The BuildKit that writes attestations. */
const ATTESTING_BUILDKIT = [0, 11] as const;

/** Pure: whether a BuildKit version is known to be older than 0.11 (an unknown one is taken as able). */
export function buildkitTooOldToAttest(version: string | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)\./.exec(version ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major === 0 && minor === 0) return false; // v0.0.0+unknown: a distribution's engine that does not say
  return major < ATTESTING_BUILDKIT[0] || (major === ATTESTING_BUILDKIT[0] && minor < ATTESTING_BUILDKIT[1]);
}

/** Pure: the run's URL, as build-push-action names the builder of a provenance. */
export function workflowRunUrl(ctx: ProvenanceContext): string {
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}/attempts/${ctx.runAttempt ?? '1'}`;
}

/**
 * Pure: the `--provenance` value of the build. A given one is kept. Empty: `mode=max` on a public
 * repository, `mode=min,inline-only=true` on a private one, with the run as builder-id, as
 * build-push-action does; nothing (buildx's own default) when BUILDX_NO_DEFAULT_ATTESTATIONS is
 * set, the result goes to the docker exporter, or the builder's BuildKit cannot attest.
 */
export function effectiveProvenance(f: ProvenanceFacts): string | undefined {
  if (f.given !== undefined) return f.given;
  if (f.ctx.noDefaultAttestations || f.dockerExporter || buildkitTooOldToAttest(f.buildkit)) return undefined;
  const mode = f.ctx.privateRepository ? 'mode=min,inline-only=true' : 'mode=max';
  return f.ctx.repository && f.ctx.runId ? `${mode},builder-id=${workflowRunUrl(f.ctx)}` : mode;
}

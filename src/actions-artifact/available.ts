/**
 * Whether the artifact service @actions/artifact (v2+) talks to is there for this job, read from
 * the job's environment by the client's own rules, so the action decides before it starts a
 * worker: the results service (ACTIONS_RESULTS_URL), a runtime token whose `scp` claim names the
 * run's and the job's backend ids, and a server that is not GitHub Enterprise Server (the client
 * refuses it with GHESNotSupportedError).
 */

type Env = Record<string, string | undefined>;

/** Pure: whether GITHUB_SERVER_URL is a GitHub Enterprise Server, by @actions/artifact's isGhes. */
export function isEnterpriseServer(serverUrl: string | undefined): boolean {
  let host: string;
  try {
    host = new URL(serverUrl || 'https://github.com').hostname.trimEnd().toUpperCase();
  } catch {
    return false;
  }
  return host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST');
}

/** Pure: the run's and the job's backend ids in a runtime token's claims (`Actions.Results:<run>:<job>`), if it names them. */
export function resultsBackendIds(token: string | undefined): { run: string; job: string } | undefined {
  const claims = token?.split('.')[1];
  if (!claims) return undefined;
  let scp: unknown;
  try {
    scp = (JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { scp?: unknown }).scp;
  } catch {
    return undefined;
  }
  if (typeof scp !== 'string') return undefined;
  for (const scope of scp.split(' ')) {
    const parts = scope.split(':');
    if (parts[0] === 'Actions.Results' && parts.length === 3 && parts[1] && parts[2]) return { run: parts[1], job: parts[2] };
  }
  return undefined;
}

/** Pure: why the artifact service cannot be used by this job, or undefined when it can. */
export function artifactServiceMissing(env: Env): string | undefined {
  if (isEnterpriseServer(env.GITHUB_SERVER_URL))
    return `${env.GITHUB_SERVER_URL} is a GitHub Enterprise Server, which has no artifact service for @actions/artifact`;
  if (!env.ACTIONS_RESULTS_URL) return 'the job has no results service (ACTIONS_RESULTS_URL is not set)';
  if (!resultsBackendIds(env.ACTIONS_RUNTIME_TOKEN)) return "the job's runtime token (ACTIONS_RUNTIME_TOKEN) names no results backend";
  return undefined;
}

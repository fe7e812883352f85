/** What a docker credential helper (`docker-credential-<name> get`) answers for a registry. */
import { run } from '../util/exec.js';

/** The longest a docker credential helper may take to answer. */
export const CREDENTIAL_HELPER_MS = 10_000;

/** A helper's secret: an identity token (its username is `<token>`), or a username and password. */
export type HelperCredentials = { identityToken: string } | { username?: string; password: string };

/** Pure: the credentials of a helper's JSON answer; undefined when it holds no secret. */
export function parseHelperAnswer(json: string): HelperCredentials | undefined {
  try {
    const parsed = JSON.parse(json) as { Username?: string; Secret?: string };
    if (!parsed.Secret) return undefined;
    return parsed.Username === '<token>' ? { identityToken: parsed.Secret } : { username: parsed.Username, password: parsed.Secret };
  } catch {
    return undefined;
  }
}

/** Asks the helper `docker-credential-<helper>` for `serverKey`; undefined when it cannot answer. */
export async function helperCredentials(helper: string, serverKey: string): Promise<HelperCredentials | undefined> {
  // A helper waiting on a locked keyring or a PIN prompt must not hold the step.
  const result = await run(`docker-credential-${helper}`, ['get'], { input: serverKey, silent: true, timeoutMs: CREDENTIAL_HELPER_MS });
  return result.exitCode === 0 ? parseHelperAnswer(result.stdout) : undefined;
}

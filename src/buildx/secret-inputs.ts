/**
 * The secret inputs of docker/build-push-action, with its names and forms: `secrets` (id=value,
 * a quoted item may span lines), `secret-files` (id=path, inside the workspace), `secret-envs`
 * (id=ENV) and `ssh` (default, id, or id=path). A bad form fails naming the input and the form;
 * no message ever holds a secret's value.
 */
import { existsSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { listItems } from '../input-table.js';
import { checkRealPathInside, workspacePath } from '../util/workspace-path.js';
import type { BuildSecret } from './extras.js';

const ID_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits `id=rest`; the error names the item by its position only (its text may be a secret). */
function splitId(name: string, item: string, position: number, expected: string): [string, string] {
  const eq = item.indexOf('=');
  const id = eq < 0 ? '' : item.slice(0, eq).trim();
  const rest = eq < 0 ? '' : item.slice(eq + 1);
  if (eq < 0) throw new InputError(name, `item ${position} has no '='. Expected ${expected}.`);
  if (!ID_RE.test(id))
    throw new InputError(name, `item ${position} has no valid id before '='. Expected ${expected}; an id holds letters, digits and _ . -.`);
  if (rest === '') throw new InputError(name, `'${id}' is empty. Expected ${expected}.`);
  return [id, rest];
}

const SECRETS_FORM = 'id=value items, one per line; quote an item ("id=line 1\nline 2") to give a value with line breaks';

/** `secrets`: id=value, one per line (build-push-action's List: commas stay in the value). */
export function parseSecretValues(raw: string): BuildSecret[] {
  return listItems('secrets', raw, SECRETS_FORM).map((item, i) => {
    const [id, value] = splitId('secrets', item.replace(/^[ \t]+/, ''), i + 1, SECRETS_FORM);
    return { id, source: { kind: 'value', value } };
  });
}

const FILES_FORM = 'id=path items, one per line, each path a file inside the workspace, e.g. npmrc=.npmrc';

/** `secret-files`: id=path, the path a file inside the workspace (buildx reads it). */
export function parseSecretFiles(raw: string, workspace: string): BuildSecret[] {
  return listItems('secret-files', raw, FILES_FORM).map((item, i) => {
    const [id, rawPath] = splitId('secret-files', item, i + 1, FILES_FORM);
    const pathText = rawPath.trim();
    const path = workspacePath('secret-files', pathText, workspace, FILES_FORM);
    if (!existsSync(path) || !statSync(path).isFile())
      throw new InputError('secret-files', `'${id}': file '${pathText}' does not exist. Expected ${FILES_FORM}.`);
    checkRealPathInside('secret-files', pathText, path, workspace, FILES_FORM);
    return { id, source: { kind: 'file', path } };
  });
}

const ENVS_FORM = 'id=ENV_NAME items, comma- or newline-separated, each naming an environment variable of the step, e.g. npm=NPM_TOKEN';

/** `secret-envs`: id=ENV, the variable set in the step's environment (buildx reads it). */
export function parseSecretEnvs(raw: string, env: NodeJS.ProcessEnv): BuildSecret[] {
  return listItems('secret-envs', raw, ENVS_FORM).map((item, i) => {
    const [id, nameRaw] = splitId('secret-envs', item, i + 1, ENVS_FORM);
    const name = nameRaw.trim();
    if (!ENV_NAME_RE.test(name))
      throw new InputError('secret-envs', `'${id}': '${name}' is not an environment variable name. Expected ${ENVS_FORM}.`);
    if (env[name] === undefined)
      throw new InputError(
        'secret-envs',
        `'${id}': the environment variable ${name} is not set. Expected ${ENVS_FORM} (set it with env: on the step).`,
      );
    return { id, source: { kind: 'env', name } };
  });
}

/** Every secret once: two inputs giving the same id would leave one of them unused. */
export function checkSecretIds(secrets: readonly BuildSecret[], owners: readonly string[]): void {
  const seen = new Map<string, string>();
  secrets.forEach((s, i) => {
    const owner = owners[i] ?? 'secrets';
    const earlier = seen.get(s.id);
    if (earlier)
      throw new InputError(
        owner,
        `the secret id '${s.id}' is also given by ${earlier === owner ? 'an earlier item' : `'${earlier}'`}. Expected each secret id once.`,
      );
    seen.set(s.id, owner);
  });
}

const SSH_FORM =
  'default (the ssh agent of $SSH_AUTH_SOCK), an id, or id=path to an agent socket or key files, comma- or newline-separated';

/** `ssh`: as buildx's --ssh; an agent that is not there fails here rather than in the middle of the build. */
export function parseSsh(raw: string, env: NodeJS.ProcessEnv): string[] {
  return listItems('ssh', raw, SSH_FORM).map((item) => {
    const eq = item.indexOf('=');
    const id = (eq < 0 ? item : item.slice(0, eq)).trim();
    if (!ID_RE.test(id)) throw new InputError('ssh', `'${item}' has no valid id. Expected ${SSH_FORM}.`);
    if (eq < 0) {
      if (!env.SSH_AUTH_SOCK)
        throw new InputError(
          'ssh',
          `'${id}' uses the ssh agent, but SSH_AUTH_SOCK is not set. Expected ${SSH_FORM} (start an agent first, e.g. with an ssh-agent action).`,
        );
      return id;
    }
    const path = item.slice(eq + 1).trim();
    if (!path || !existsSync(path)) throw new InputError('ssh', `'${id}': '${path}' does not exist. Expected ${SSH_FORM}.`);
    return `${id}=${path}`;
  });
}

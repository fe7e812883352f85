/**
 * Private Go modules in one step, end to end: a service importing a module of the stack's
 * credentialed module host (https, a token required: 401 without credentials, 403 with wrong
 * ones) builds with go-private and go-private-token, and fails with a message naming what is
 * missing without the token or with a token the host refuses. The token is in no log.
 *
 * How the build reaches the host: `private.gca.test` resolves to the docker bridge gateway through
 * `add-hosts`, the stack's CA comes in as the named build context `certs`, GOPRIVATE (the
 * build-arg the action passes) makes go fetch the module directly (`?go-get=1`, whose go-import tag
 * names the host itself as a `mod` proxy) and skip the checksum database, and the .netrc of the
 * `netrc` secret names that host. Each run has a module cache of its own (MODCACHE_ID), so a
 * module cached by one run cannot hide a missing token in the next.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { annotations, maskedValues, runAction, withoutMaskCommands, type ActionRun } from '../support/runner.js';
import { stack, STACK_DIR } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('test/fixtures/private-app');
afterAll(() => app.remove());
mkdirSync(join(app.dir, 'certs'));
copyFileSync(join(STACK_DIR, 'private-goproxy/ca.pem'), join(app.dir, 'certs/ca.pem'));
const TOKEN = readFileSync(join(STACK_DIR, 'private-goproxy/token'), 'utf8').trim();
const GATEWAY = readFileSync(join(STACK_DIR, 'env'), 'utf8').match(/^GCA_PRIVATE_MODULE_ADDR=(.+)$/m)?.[1] ?? '172.17.0.1';

/** A build of the private-module service, with `token` as go-private-token. */
function buildWith(token: string): Promise<ActionRun> {
  return runAction({
    workspace: app.dir,
    inputs: {
      'go-private': 'private.gca.test/acme/*',
      'go-private-token': token,
      'add-hosts': `private.gca.test:${GATEWAY}`,
      'build-contexts': 'certs=certs',
      'build-args': `GO_IMAGE=${stack.goImage}\nMODCACHE_ID=gca-private-${randomBytes(6).toString('hex')}`,
      'go-cache': 'false',
    },
  });
}

/** Everything a run shows: the logs of main and post (as the runner shows them), the summary, the outputs. */
function shown(run: ActionRun): string {
  return [
    withoutMaskCommands(run.main.stdout),
    run.main.stderr,
    run.post?.stdout ?? '',
    run.post?.stderr ?? '',
    run.summary,
    JSON.stringify(run.main.outputs),
  ].join('\n');
}

const errorsOf = (run: ActionRun): string[] =>
  annotations(run.main.stdout)
    .filter((a) => a.level === 'error')
    .map((a) => a.message.replace(/%0A/g, '\n').replace(/%25/g, '%'));

describe('a service importing a private module from a credentialed host', () => {
  it('builds with go-private and go-private-token; the token is masked and in no log', async () => {
    const run = await buildWith(TOKEN);
    expect(errorsOf(run)).toEqual([]);
    expect(run.main.exitCode).toBe(0);
    expect(run.post?.exitCode).toBe(0);
    expect(run.main.stdout).toMatch(/--build-arg GOPRIVATE=private\.gca\.test\/acme\/\* .*--secret id=netrc,env=GCA_BUILD_SECRET_0/);
    expect(maskedValues(run.main.stdout)).toContain(TOKEN);
    expect(shown(run)).not.toContain(TOKEN);
    // The Dockerfile mounts the secret and declares ARG GOPRIVATE: no GO012/GO013.
    expect(annotations(run.main.stdout).filter((a) => /GO01[23]/.test(a.message))).toEqual([]);
  });

  it('without the token: fails with what is missing, then buildx line', async () => {
    const run = await buildWith('');
    expect(run.main.exitCode).toBe(1);
    expect(run.post?.exitCode).toBe(0);
    const errors = errorsOf(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^Build failed: go could not fetch the module private\.gca\.test\/acme\/greet \(401 Unauthorized from https:\/\/private\.gca\.test\/acme\/greet\?go-get=1\): go-private-token is empty, so the build has no credentials for private\.gca\.test\. Set go-private-token to a token that can read private\.gca\.test\/acme\/\*, and mount it: RUN --mount=type=secret,id=netrc,target=\/root\/\.netrc .* \(ERROR: failed to solve: process "\/bin\/sh -c go mod download" did not complete successfully: exit code: 1\)$/,
    );
    expect(run.summary).toContain('go-private-token is empty');
  });

  it('with a token the host refuses: says the token lacks access; the token is in no log', async () => {
    const refused = `gca_refused_${randomBytes(8).toString('hex')}`;
    const run = await buildWith(refused);
    expect(run.main.exitCode).toBe(1);
    const errors = errorsOf(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^Build failed: go could not fetch the module private\.gca\.test\/acme\/greet \(403 Forbidden from .*\): go-private-token was given, but the host did not accept it: the token lacks access to private\.gca\.test\/acme\/greet/,
    );
    expect(shown(run)).not.toContain(refused);
  });
});

import { chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { copyApp } from '../support/workspace.js';
import { tempDir } from '../support/temp.js';

const app = copyApp('examples/hello');
afterAll(() => app.remove());

// Files outside the workspace, and a link inside it that leads there.
const outside = tempDir('outside');
const SECRET_LINE = 'services: {} # gca-outside-secret-line';
writeFileSync(join(outside, 'compose.yaml'), `${SECRET_LINE}\n`);
symlinkSync('/etc/passwd', join(app.dir, 'Linked.Dockerfile'));
const PASSWD_FIRST_LINE = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;

/** A failed run: one error annotation, no stack trace, and buildx never started. */
async function expectRejected(inputs: Record<string, string>, message: RegExp, env?: Record<string, string>): Promise<ActionRun> {
  const run = await runAction({ workspace: app.dir, inputs, env });
  expect(run.main.exitCode).toBe(1);
  const errors = annotations(run.main.stdout).filter((a) => a.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toMatch(message);
  expect(run.main.stdout + run.main.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(run.main.stdout, run.main.stdout).not.toMatch(/buildx build\s/);
  expect(run.post?.exitCode).toBe(0);
  expect(run.leftovers).toEqual([]);
  return run;
}

describe('bad input fails before any build, naming the input and the form it expects', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'an unknown platform',
      { platforms: 'linux/amd64,linux/amd65' },
      /^Input 'platforms': unknown platform 'linux\/amd65'\. Expected os\/arch\[\/variant\]/,
    ],
    ['a missing context', { context: 'does-not-exist' }, /^Input 'context': directory 'does-not-exist' does not exist/],
    ['a missing Dockerfile', { file: 'Dockerfile.missing' }, /^Input 'file': Dockerfile 'Dockerfile.missing' does not exist/],
    ['a build-arg without =', { 'build-args': 'GO_IMAGE=x\nVERSION' }, /^Input 'build-args': 'VERSION' is not KEY=VALUE/],
    ['push without tags', { push: 'true' }, /^Input 'push': is true but no tags are given/],
    ['a builder that does not exist', { builder: 'no-such-builder' }, /^Input 'builder': no buildx builder named 'no-such-builder'/],
    ['a summary switch that is no boolean', { summary: 'maybe' }, /^Input 'summary': 'maybe' is not a boolean\. Expected true or false\./],
    [
      'a go-cache switch that is no boolean',
      { 'go-cache': 'yes please' },
      /^Input 'go-cache': 'yes please' is not a boolean\. Expected true or false\./,
    ],
    [
      'a Dockerfile-check mode that does not exist',
      { 'dockerfile-checks': 'loud' },
      /^Input 'dockerfile-checks': 'loud' is not a mode\. Expected one of: warn, error, off\./,
    ],
    [
      'an image repository with a tag',
      { images: 'ghcr.io/org/app:v1' },
      /^Input 'images': 'ghcr\.io\/org\/app:v1' has a tag\. Expected repositories without tag or digest/,
    ],
    ['an image repository that is no reference', { images: 'Not A Repo' }, /^Input 'images': 'Not A Repo' contains white space\./],
    // Refused before anything reads them: the file's content is never printed.
    [
      'a Dockerfile outside the workspace',
      { file: '/etc/passwd' },
      /^Input 'file': '\/etc\/passwd' is outside the workspace \(GITHUB_WORKSPACE\)\. Expected the path of a Dockerfile/,
    ],
    [
      'a context above the workspace',
      { context: '../' },
      /^Input 'context': '\.\.\/' is outside the workspace \(GITHUB_WORKSPACE\)\. Expected the path of the build context/,
    ],
    [
      'a compose file outside the workspace',
      { 'compose-file': `../${basename(outside)}/compose.yaml` },
      /^Input 'compose-file': '\.\.\/gca-outside-\w+\/compose\.yaml' is outside the workspace/,
    ],
    [
      'a link in the workspace to a file outside',
      { file: 'Linked.Dockerfile' },
      /^Input 'file': 'Linked\.Dockerfile' leads \(through a symbolic link\) outside the workspace/,
    ],
    [
      'a target that is no stage',
      { target: 'nosuchstage' },
      /^Input 'target': 'nosuchstage' is not a stage of Dockerfile\. Expected one of its stages: build\.$/,
    ],
    [
      'a version with a space',
      { version: '1.2 3' },
      /^Input 'version': '1\.2 3' contains white space\. Expected a Docker tag body \(\[A-Za-z0-9_\]\[A-Za-z0-9_.-\]\{0,127\}\)/,
    ],
    [
      'a version with a shell character',
      { version: 'a;b' },
      /^Input 'version': 'a;b' contains characters a Docker tag cannot hold\. Expected a Docker tag body/,
    ],
    [
      'a VERSION build-arg with a space',
      { 'build-args': 'VERSION=x y' },
      /^Input 'build-args': VERSION 'x y' contains white space\. Expected a Docker tag body/,
    ],
    // build-push-action's inputs; a message about a secret never shows its value.
    ['a secret without =', { secrets: SECRET_LINE }, /^Input 'secrets': item 1 has no '='\. Expected id=value items, one per line/],
    [
      'a secret file outside the workspace',
      { 'secret-files': `key=../${basename(outside)}/compose.yaml` },
      /^Input 'secret-files': '\.\.\/gca-outside-\w+\/compose\.yaml' is outside the workspace/,
    ],
    [
      'a secret env that is not set',
      { 'secret-envs': 'npm=GCA_NOT_SET_ANYWHERE' },
      /^Input 'secret-envs': 'npm': the environment variable GCA_NOT_SET_ANYWHERE is not set/,
    ],
    [
      'an ssh key that does not exist',
      { ssh: 'github=/no/such/key' },
      /^Input 'ssh': 'github': '\/no\/such\/key' does not exist\. Expected default/,
    ],
    [
      'a build context that does not exist',
      { 'build-contexts': 'certs=no-such-dir' },
      /^Input 'build-contexts': 'certs': directory 'no-such-dir' does not exist\. Expected name=source items/,
    ],
    [
      'an annotation going nowhere',
      { annotations: 'layer:org.opencontainers.image.title=x' },
      /^Input 'annotations': 'layer' in 'layer:org\.opencontainers\.image\.title=x' is not where an annotation goes\. Expected key=value items/,
    ],
    [
      'a provenance that is neither boolean nor attributes',
      { provenance: 'maybe' },
      /^Input 'provenance': 'maybe' is not a boolean or key=value attributes\. Expected true, false, or attributes such as mode=max/,
    ],
    [
      'an sbom that is neither boolean nor attributes',
      { sbom: 'maybe' },
      /^Input 'sbom': 'maybe' is not a boolean or key=value attributes\. Expected true, false, or attributes such as generator=image/,
    ],
    ['a no-cache switch that is no boolean', { 'no-cache': 'yes' }, /^Input 'no-cache': 'yes' is not a boolean\. Expected true or false\./],
    ['a pull switch that is no boolean', { pull: 'sometimes' }, /^Input 'pull': 'sometimes' is not a boolean\. Expected true or false\./],
    [
      'a network BuildKit does not have',
      { network: 'bridge' },
      /^Input 'network': 'bridge' is no network BuildKit gives RUN steps\. Expected default, none or host/,
    ],
    [
      'a host without its IP',
      { 'add-hosts': 'db.internal' },
      /^Input 'add-hosts': 'db\.internal' has no host name\. Expected host:ip items/,
    ],
    [
      'a shm-size that is no size',
      { 'shm-size': 'lots' },
      /^Input 'shm-size': 'lots' is not a size\. Expected a number of bytes with an optional unit, e\.g\. 2g/,
    ],
    ['a ulimit that does not exist', { ulimit: 'files=1024' }, /^Input 'ulimit': 'files' is no ulimit\. Expected one of core, cpu/],
    [
      'a go-private pattern that is a URL',
      { 'go-private': 'https://github.com/acme' },
      /^Input 'go-private': 'https:\/\/github\.com\/acme' is a URL\. Expected GOPRIVATE patterns/,
    ],
    [
      'a go-private-token without go-private',
      { 'go-private-token': 'ghp_gcaTestToken' },
      /^Input 'go-private-token': is set but go-private is empty\. Expected go-private to name the modules/,
    ],
    [
      'a go-private-token with white space',
      { 'go-private': 'github.com/acme/*', 'go-private-token': SECRET_LINE },
      /^Input 'go-private-token': contains white space\. Expected one token/,
    ],
    [
      'merge and push-by-digest in one job',
      { merge: 'true', 'push-by-digest': 'true' },
      /^Input 'merge': is true, and so is push-by-digest\. Expected one of them per job/,
    ],
    [
      'push-by-digest with push but no tags or images',
      { 'push-by-digest': 'true', push: 'true' },
      /^Input 'push-by-digest': is true with push, but neither tags nor images name a repository to push to\. Expected repositories in images/,
    ],
    [
      'load with push-by-digest',
      { 'push-by-digest': 'true', load: 'true' },
      /^Input 'load': is true, and so is push-by-digest\. Expected load: false in a per-platform job: it hands its image to the merge job by digest/,
    ],
    [
      'load with push-by-digest and push',
      { 'push-by-digest': 'true', load: 'true', push: 'true', images: 'localhost:5000/gca/app' },
      /^Input 'load': is true, and so is push-by-digest\./,
    ],
    [
      'a merge of one platform',
      { merge: 'true' },
      /^Input 'platforms': names only linux\/amd64, but merge puts together the platforms of the per-platform jobs\. Expected every platform they build/,
    ],
    [
      'a merge with push but nowhere to tag',
      { merge: 'true', platforms: 'linux/amd64,linux/arm64', push: 'true' },
      /^Input 'merge': is true with push, but neither tags nor images name the repositories to tag/,
    ],
    [
      'a merge with a smoke test',
      { merge: 'true', platforms: 'linux/amd64,linux/arm64', 'compose-file': 'compose.yaml' },
      /^Input 'compose-file': is set, but a merge job builds nothing to test/,
    ],
    ['a merge switch that is no boolean', { merge: 'yes' }, /^Input 'merge': 'yes' is not a boolean\. Expected true or false\./],
    [
      'a reproducible switch that is no boolean',
      { reproducible: 'always' },
      /^Input 'reproducible': 'always' is not a boolean\. Expected true or false\./,
    ],
  ])('%s', async (_, inputs, message) => {
    const run = await expectRejected(inputs, message);
    for (const text of [run.main.stdout, run.main.stderr, run.summary, run.post?.stdout ?? '']) {
      expect(text).not.toContain(PASSWD_FIRST_LINE);
      expect(text).not.toContain(SECRET_LINE);
    }
  });
});

describe('a machine without the tools', () => {
  const bin = tempDir('bin');
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('says docker is missing', async () => {
    await expectRejected({}, /^docker is not installed or not on PATH/, { PATH: join(bin, 'empty') });
  });

  it('says buildx is missing', async () => {
    // The real docker CLI, as on a machine where the buildx plugin is not installed.
    const { execFileSync } = await import('node:child_process');
    const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
    const wrapper = join(bin, 'docker');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nif [ "$1" = buildx ]; then echo "docker: 'buildx' is not a docker command." >&2; exit 1; fi\nexec ${realDocker} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    await expectRejected({}, /^docker buildx is not installed/, { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin` });
  });
});

/**
 * Every message says what happened: a cancel is a cancel wherever it lands, no message shows an
 * internal temp path, and the build's outputs name no digest for a push that did not happen.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOutput, failure } from '../../src/docker/cli.js';
import { inspectDocker } from '../../src/buildx/docker.js';
import type { BuildResult } from '../../src/buildx/docker.js';
import { CancelledError, errorText, failuresAfterCancel, hideInternalPaths } from '../../src/errors.js';
import { layoutFault, OciLayout } from '../../src/oci/layout.js';
import { actionPushes, buildOutputs } from '../../src/pipeline/build.js';
import { ChildRegistry } from '../../src/util/children.js';
import { FakeDocker } from '../support/fake-docker.js';

const killed = { exitCode: 143, stdout: '', stderr: '', cancelled: 'SIGTERM' };

describe('a command ended by the cancel', () => {
  it('is a cancel at the docker seam, never a missing plugin', () => {
    // docker answers 'buildx' is not a docker command only when buildx is missing; a killed one may print anything.
    const f = failure({ ...killed, stderr: "docker: 'buildx' is not a docker command." });
    expect(f).toEqual({ ok: false, exitCode: 143, notInstalled: false, cancelled: 'SIGTERM', error: 'ended by the cancel (SIGTERM)' });
    expect(failure({ ...killed, exitCode: 127 }).notInstalled).toBe(false);
    expect(buildOutput({ ...killed, exitCode: 0 })).toMatchObject({ ok: false, error: 'ended by the cancel (SIGTERM)' });
  });

  it.each([
    ['engine', 'docker version ran'],
    ['buildxVersion', 'docker buildx version ran'],
    ['inspectBuilder', 'docker buildx inspect ran'],
  ] as const)('inspectDocker says the step was cancelled while %s ran', async (method, what) => {
    const docker = new FakeDocker({ [method]: async () => failure(killed) });
    await expect(inspectDocker(docker, undefined)).rejects.toThrow(new CancelledError('SIGTERM', what));
    await expect(inspectDocker(docker, undefined)).rejects.toThrow(`Cancelled (SIGTERM) while ${what}.`);
  });

  it('the registry knows the signal only after a cancel, and not inside the cleanup', async () => {
    const registry = new ChildRegistry();
    expect(registry.cancelledBy).toBeUndefined();
    registry.close();
    expect(registry.cancelledBy).toBeUndefined();
    registry.close('SIGTERM');
    expect(registry.cancelledBy).toBe('SIGTERM');
    expect(await registry.whileCleaningUp(async () => registry.cancelledBy)).toBeUndefined();
  });

  it.each([
    [undefined, ['Build failed: x'], ['Build failed: x']],
    [
      'SIGTERM',
      ['docker buildx is not installed. Install the buildx plugin.'],
      ['Cancelled (SIGTERM): the step was stopped before it finished.'],
    ],
    [
      'SIGINT',
      ['Cancelled (SIGINT) while docker buildx version ran.', 'Build failed: x'],
      ['Cancelled (SIGINT) while docker buildx version ran.'],
    ],
    ['SIGTERM', [], ['Cancelled (SIGTERM): the step was stopped before it finished.']],
  ])('after a cancel by %s the failures %j are reported as %j', (signal, failures, expected) => {
    expect(failuresAfterCancel(signal, failures)).toEqual(expected);
  });
});

describe('no message shows an internal temp path', () => {
  const root = mkdtempSync(join(tmpdir(), 'honest-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    [
      "ENOENT: no such file or directory, open '/home/runner/work/_temp/go-container-action-AbC123/oci-layout/blobs/sha256/ab'",
      "ENOENT: no such file or directory, open '…/oci-layout/blobs/sha256/ab'",
    ],
    ['EACCES: permission denied, mkdir /tmp/x/call-9zZ0aa/work', 'EACCES: permission denied, mkdir …/work'],
    ["a path of the user's stays: /home/runner/work/app/Dockerfile", "a path of the user's stays: /home/runner/work/app/Dockerfile"],
  ])('%s → %s', (text, expected) => {
    expect(hideInternalPaths(text)).toBe(expected);
    expect(errorText(new Error(text))).toBe(expected);
  });

  it('a missing blob of the layout is named by its digest, without the layout path', async () => {
    const dir = mkdtempSync(join(root, 'go-container-action-'));
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'index.json'), '{"manifests":[]}');
    const digest = `sha256:${'a'.repeat(64)}`;
    const layout = new OciLayout(dir);
    for (const read of [() => layout.json(digest), () => layout.tail(digest, 10, 4)]) {
      const error = await read().catch((e: unknown) => e);
      expect(errorText(error)).toBe(`blob ${digest} is missing from the OCI layout the build wrote`);
      expect(errorText(error)).not.toContain(root);
    }
    writeFileSync(join(dir, 'index.json'), 'not json');
    expect(errorText(await layout.index().catch((e: unknown) => e))).toBe("the index.json of the build's OCI layout is not JSON");
    rmSync(join(dir, 'index.json'));
    expect(errorText(await layout.index().catch((e: unknown) => e))).toBe('index.json is missing from the OCI layout the build wrote');
  });

  it('a fault other than a missing file names its code, not its path', () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/secret/place'"), { code: 'EACCES' });
    expect(layoutFault(error, 'blob sha256:ab').message).toBe("the blob sha256:ab of the build's OCI layout could not be read (EACCES)");
  });
});

describe('the build outputs name what happened', () => {
  const metadata = { digest: 'sha256:d1', mediaType: undefined, raw: { 'containerimage.digest': 'sha256:d1' } };
  const result = (ok: boolean): BuildResult => ({
    ok,
    metadata,
    imageId: 'sha256:c1',
    log: '',
    ...(ok ? {} : { error: 'ERROR: push failed' }),
  });

  it('a build that passed names its image and digest', () => {
    expect(buildOutputs(result(true)).outputs).toMatchObject({ imageid: 'sha256:c1', digest: 'sha256:d1' });
  });

  it('a failed build (BuildKit could not push) names no digest and no image', () => {
    const r = buildOutputs(result(false));
    expect(r.outputs.digest).toBeUndefined();
    expect(r.outputs.imageid).toBeUndefined();
    expect(r.failures).toEqual(['Build failed: ERROR: push failed']);
  });

  it('when the action pushes the layout itself, the digest comes from that push only', () => {
    expect(buildOutputs(result(true), true).outputs.digest).toBeUndefined();
    expect(actionPushes({ push: true, pushByDigest: { repositories: ['r'], via: 'layout' } })).toBe(true);
    expect(actionPushes({ push: true, pushByDigest: { repositories: ['r'], via: 'exporter' } })).toBe(false);
    expect(actionPushes({ push: true, pushByDigest: undefined })).toBe(false);
    expect(actionPushes({ push: false, pushByDigest: undefined })).toBe(false);
  });
});

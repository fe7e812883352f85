/**
 * Build secrets and the other build-push-action inputs, end to end on the real stack: the
 * secrets reach their RUN (a hash of each is in the image) and nowhere else (no log of main or
 * post outside the runner's mask commands, no summary, output, image config, layer or
 * attestation blob in the registry); a named build context is copied from; add-hosts reach the
 * RUN; annotations reach the manifest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, maskedValues, runAction, withoutMaskCommands, type ActionRun } from '../support/runner.js';
import { registryBlob, registryManifest, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';

const app = copyApp('test/fixtures/secret-app');
afterAll(() => app.remove());

const token = (name: string): string => `gca-${name}-${randomBytes(12).toString('hex')}`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Every secret of the run, by id, as the RUN reads it. */
const SECRETS = {
  api_key: token('api'),
  multi: `-----BEGIN TEST KEY-----\n${token('multi-line-1')}\n${token('multi-line-2')}, with a comma\n-----END TEST KEY-----`,
  env_key: token('env'),
  file_key: token('file'),
};
/** What must appear nowhere: each value, and each line of the multi-line one. */
const PLAINTEXTS = [SECRETS.api_key, SECRETS.env_key, SECRETS.file_key, ...SECRETS.multi.split('\n').filter((l) => l.includes('gca-'))];

interface Blob {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** Every blob an image holds in the registry (manifests, configs, layers, attestations), layers unpacked. */
async function imageBlobs(repo: string, digest: string): Promise<Blob[]> {
  const out: Blob[] = [];
  const visit = async (ref: string): Promise<void> => {
    const { body } = await registryManifest(repo, ref);
    out.push({ digest: ref, mediaType: String(body.mediaType), bytes: Buffer.from(JSON.stringify(body)) });
    for (const m of (body.manifests as { digest: string }[] | undefined) ?? []) await visit(m.digest);
    const parts = [body.config, ...((body.layers as unknown[] | undefined) ?? [])] as ({ digest: string; mediaType: string } | undefined)[];
    for (const p of parts.filter((x) => x !== undefined)) {
      const raw = await registryBlob(repo, p.digest);
      out.push({ digest: p.digest, mediaType: p.mediaType, bytes: /gzip/.test(p.mediaType) ? gunzipSync(raw) : raw });
    }
  };
  await visit(digest);
  return out;
}

describe('secrets, secret-envs, secret-files, build-contexts, add-hosts, annotations, provenance', () => {
  const repo = uniqueName('e2e/secrets');
  const image = `${stack.registry}/${repo}`;
  let run: ActionRun;
  let blobs: Blob[];

  beforeAll(async () => {
    writeFileSync(join(app.dir, 'secret.txt'), SECRETS.file_key);
    run = await runAction({
      workspace: app.dir,
      env: { GCA_E2E_SECRET_ENV: SECRETS.env_key },
      inputs: {
        tags: `${image}:1`,
        push: 'true',
        'build-args': 'BASE=gca-local/busybox:latest',
        secrets: `api_key=${SECRETS.api_key}\n"multi=${SECRETS.multi}"`,
        'secret-envs': 'env_key=GCA_E2E_SECRET_ENV',
        'secret-files': 'file_key=secret.txt',
        'build-contexts': 'extra=extra-context',
        'add-hosts': 'gca-e2e.internal:10.9.8.7',
        annotations: 'manifest:org.opencontainers.image.title=gca-secrets-e2e',
        provenance: 'mode=max',
        'go-cache': 'false',
      },
    });
    blobs = run.main.outputs.digest ? await imageBlobs(repo, run.main.outputs.digest) : [];
  });

  it('builds and pushes (main and post exit 0)', () => {
    expect(annotations(run.main.stdout).filter((a) => a.level === 'error')).toEqual([]);
    expect(run.main.exitCode).toBe(0);
    expect(run.post?.exitCode).toBe(0);
    expect(run.main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('each RUN got its secret: the hash of each is in a layer of the image', () => {
    const layers = blobs
      .filter((b) => /layer/.test(b.mediaType))
      .map((b) => b.bytes.toString('latin1'))
      .join('\n');
    for (const [id, value] of Object.entries(SECRETS)) expect(layers, id).toContain(sha256(value));
  });

  it('the named build context was copied from, and add-hosts reached the RUN', () => {
    const layers = blobs
      .filter((b) => /layer/.test(b.mediaType))
      .map((b) => b.bytes.toString('latin1'))
      .join('\n');
    expect(layers).toContain('a note from the extra build context');
    expect(layers).toMatch(/10\.9\.8\.7\s+gca-e2e\.internal/);
  });

  it('the annotation is on the platform manifest; the provenance attestation is not in the size report', () => {
    const manifests = blobs
      .filter((b) => /manifest\.v1\+json/.test(b.mediaType))
      .map((b) => JSON.parse(b.bytes.toString()) as { annotations?: Record<string, string> });
    expect(manifests.some((m) => m.annotations?.['org.opencontainers.image.title'] === 'gca-secrets-e2e')).toBe(true);
    expect(blobs.some((b) => b.mediaType === 'application/vnd.in-toto+json')).toBe(true);
    const report = JSON.parse(run.main.outputs['size-report']!) as { platforms: { platform: string }[] };
    expect(report.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
  });

  it('every secret was masked before anything was logged', () => {
    const masked = maskedValues(run.main.stdout);
    for (const plaintext of PLAINTEXTS) expect(masked, plaintext).toContain(plaintext);
    const firstMask = run.main.stdout.indexOf('::add-mask::');
    expect(run.main.stdout.slice(0, firstMask)).toBe('');
  });

  it('no plaintext in the logs of main and post, the summary or the outputs', () => {
    const texts = {
      'main stdout': withoutMaskCommands(run.main.stdout),
      'main stderr': run.main.stderr,
      'post stdout': run.post?.stdout ?? '',
      'post stderr': run.post?.stderr ?? '',
      summary: run.summary,
      outputs: JSON.stringify(run.main.outputs),
      state: JSON.stringify(run.main.state),
    };
    for (const [where, text] of Object.entries(texts))
      for (const plaintext of PLAINTEXTS) expect(text, `${where} holds ${plaintext}`).not.toContain(plaintext);
    // The command line names the variables buildx reads, never a value.
    expect(run.main.stdout).toMatch(
      /--secret id=api_key,env=GCA_BUILD_SECRET_0 --secret id=multi,env=GCA_BUILD_SECRET_1 --secret id=file_key,src=\S+secret\.txt --secret id=env_key,env=GCA_E2E_SECRET_ENV/,
    );
  });

  it('no plaintext in any blob of the image in the registry (config, layers, manifests, attestations)', () => {
    expect(blobs.length).toBeGreaterThan(4);
    for (const blob of blobs)
      for (const plaintext of PLAINTEXTS)
        expect(blob.bytes.includes(plaintext), `${blob.mediaType} ${blob.digest} holds ${plaintext}`).toBe(false);
  });
});

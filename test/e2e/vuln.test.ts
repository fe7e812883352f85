import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction, type ActionRun } from '../support/runner.js';
import { docker, registryManifest, stack, uniqueName } from '../support/stack.js';
import { copyApp } from '../support/workspace.js';
import { FakeGitHub } from '../support/fake-github.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { FIXTURE_DB, startVulnDb, zipDb, type VulnDbServer } from '../support/vuln-db.js';
import { DEADLINE_SCALE_ENV } from '../../src/util/deadline.js';

const TOKEN = 'ghs_vuln_e2e_token_0123456789abcdef';
const SHA = 'b1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

interface Finding {
  id: string;
  aliases: string[];
  module: string;
  version: string;
  fixed: string | null;
  called: boolean;
  symbols: string[];
  platforms: string[];
  status: string;
}

function findings(run: ActionRun): Finding[] {
  return JSON.parse(run.main.outputs.vulnerabilities ?? 'null') as Finding[];
}

function one(run: ActionRun, id: string): Finding | undefined {
  return findings(run).find((f) => f.id === id);
}

/** The fixture service with vulnmod bumped to v1.0.1 (the fix of GCA-2026-0001). */
function bumped(dir: string): void {
  for (const file of ['go.mod', 'vendor/modules.txt'])
    writeFileSync(
      join(dir, file),
      readFileSync(join(dir, file), 'utf8').replace('example.com/vulnmod v1.0.0', 'example.com/vulnmod v1.0.1'),
    );
}

/** The fixture service now calls vulnmod's (*Decoder).Decode (GCA-2026-0003). */
function callsDecode(dir: string): void {
  writeFileSync(
    join(dir, 'decode.go'),
    'package main\n\nimport (\n\t"os"\n\n\t"example.com/vulnmod"\n)\n\nfunc decode() int {\n\td := &vulnmod.Decoder{}\n\treturn d.Decode(os.Args[0])\n}\n',
  );
}

function prEvent(number: number): Record<string, unknown> {
  return {
    number,
    pull_request: {
      number,
      head: { ref: 'feature/deps', sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: 'octo-org/vulnapp' } },
      base: { ref: 'main', repo: { full_name: 'octo-org/vulnapp' } },
    },
    repository: { full_name: 'octo-org/vulnapp', default_branch: 'main' },
  };
}

describe('known vulnerabilities of the Go binary, before and after, through the cached baseline', () => {
  const base = copyApp('test/fixtures/vuln-app');
  const fix = copyApp('test/fixtures/vuln-app');
  const calls = copyApp('test/fixtures/vuln-app');
  const github = new FakeGitHub({ token: TOKEN });
  let cache: CacheServer;
  let db: VulnDbServer;
  let onMain: ActionRun;
  let fixing: ActionRun;
  let calling: ActionRun;

  beforeAll(async () => {
    bumped(fix.dir);
    callsDecode(calls.dir);
    cache = await startCacheServer();
    db = await startVulnDb();
    // The push saves its size baseline and deletes the entries it supersedes through the API.
    github.options.caches = cache;
    await github.start();
    const inputs = { platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}`, 'go-cache': 'false', 'vuln-db': db.url };
    onMain = await runAction({
      workspace: base.dir,
      eventName: 'push',
      ref: 'refs/heads/main',
      sha: SHA,
      event: { repository: { full_name: 'octo-org/vulnapp', default_branch: 'main' } },
      token: TOKEN,
      env: { ...cache.env, GITHUB_API_URL: github.url },
      inputs,
    });
    const pr = (n: number, dir: string): Promise<ActionRun> =>
      runAction({
        workspace: dir,
        eventName: 'pull_request',
        ref: `refs/pull/${n}/merge`,
        event: prEvent(n),
        token: TOKEN,
        env: { ...cache.env, GITHUB_API_URL: github.url },
        inputs: { ...inputs, 'vuln-check': 'fail-new' },
      });
    fixing = await pr(21, fix.dir);
    calling = await pr(22, calls.dir);
  }, 900_000);

  afterAll(async () => {
    await github.stop();
    await cache.close();
    await db.close();
    for (const app of [base, fix, calls]) app.remove();
  });

  it('reports on main the called vulnerability with the one symbol the binary links, and the real stdlib ones', () => {
    expect(onMain.main.exitCode, onMain.main.stdout).toBe(0);
    const parse = one(onMain, 'GCA-2026-0001')!;
    expect(parse).toMatchObject({
      module: 'example.com/vulnmod',
      version: 'v1.0.0',
      fixed: 'v1.0.1',
      called: true,
      symbols: ['example.com/vulnmod.Parse'],
      platforms: ['linux/amd64'],
      status: 'new',
      aliases: ['CVE-2099-0001'],
    });
    // The real entry of net/http: the service's http.Get goes through Client.Get and Client.Do.
    const http = one(onMain, 'GO-2025-4012')!;
    expect(http).toMatchObject({ module: 'stdlib', version: 'go1.24.4', fixed: 'go1.24.8', called: true });
    expect(http.symbols).toContain('net/http.Client.Get');
    expect(onMain.summary).toContain('[GCA-2026-0001](https://pkg.go.dev/vuln/GCA-2026-0001)');
    expect(onMain.summary).toContain('`example.com/vulnmod@v1.0.0` → `v1.0.1`');
  });

  it('reports a vulnerable module whose symbol is not linked as not called, and it fails nothing', () => {
    expect(one(onMain, 'GCA-2026-0002')).toMatchObject({ module: 'example.com/quietmod', called: false, symbols: [] });
    expect(one(onMain, 'GCA-2026-0003')).toMatchObject({ module: 'example.com/vulnmod', called: false, symbols: [] });
    // The stdlib entry of database/sql names a package the service does not link.
    expect(one(onMain, 'GO-2025-3849')).toMatchObject({ called: false });
    expect(onMain.summary).toMatch(/<details><summary>\d+ vulnerabilities in modules the binaries ship, not called/);
    expect(annotations(onMain.main.stdout).filter((a) => a.level !== 'notice')).toEqual([]);
  });

  it('reads from the database only the index and the entries of the modules present', () => {
    expect(db.requests.slice(0, 2)).toEqual(['index/db.json', 'index/modules.json']);
    const entries = db.requests.filter((r) => r.startsWith('ID/'));
    expect(entries).not.toContain('ID/GCA-2026-0004.json');
    expect(entries).toContain('ID/GCA-2026-0001.json');
  });

  it('marks the vulnerability a module bump fixes as fixed in the pull request, and passes fail-new', () => {
    expect(fixing.main.exitCode, fixing.main.stdout).toBe(0);
    expect(one(fixing, 'GCA-2026-0001')).toMatchObject({ status: 'fixed', version: 'v1.0.0', called: true });
    expect(one(fixing, 'GO-2025-4012')).toMatchObject({ status: 'unchanged' });
    const comment = github.comments.find((c) => c.issue === 21)!;
    expect(comment.body).toMatch(/Known vulnerabilities:\*\* called: 0 new, 1 fixed, \d+ still there/);
    expect(comment.body).toContain('✅ fixed | [GCA-2026-0001](https://pkg.go.dev/vuln/GCA-2026-0001)');
    expect(comment.body).not.toContain('### ❌');
  });

  it('fails fail-new on a vulnerability the pull request starts to call, with its ID in the error and the comment', () => {
    expect(calling.main.exitCode).not.toBe(0);
    expect(one(calling, 'GCA-2026-0003')).toMatchObject({
      status: 'new',
      called: true,
      symbols: ['example.com/vulnmod.Decoder.Decode'],
    });
    const errors = annotations(calling.main.stdout).filter((a) => a.level === 'error');
    expect(errors.map((e) => e.message).join('\n')).toMatch(
      /GCA-2026-0003 \(example\.com\/vulnmod@v1\.0\.0; example\.com\/vulnmod\.Decoder\.Decode\)/,
    );
    // Only the new called one fails it: the ones still there do not.
    expect(errors.map((e) => e.message).join('\n')).not.toContain('GCA-2026-0001');
    const comment = github.comments.find((c) => c.issue === 22)!;
    expect(comment.body).toMatch(/^### ❌ Image size/m);
    expect(comment.body).toContain('known vulnerability called (GCA-2026-0003)');
    expect(comment.body).toContain('❌ 🆕 new | [GCA-2026-0003]');
  });
});

describe('the database in other forms, and faults', () => {
  const app = copyApp('test/fixtures/vuln-app');
  const inputs = { platforms: 'linux/amd64', 'build-args': `GO_IMAGE=${stack.goImage}`, 'go-cache': 'false', baseline: 'none' };
  afterAll(() => app.remove());

  it('reads a file:// directory and the zip alike', async () => {
    const fromDir = await runAction({ workspace: app.dir, inputs: { ...inputs, 'vuln-db': `file://${FIXTURE_DB}` } });
    const fromZip = await runAction({ workspace: app.dir, inputs: { ...inputs, 'vuln-db': zipDb() } });
    expect(fromDir.main.exitCode, fromDir.main.stdout).toBe(0);
    expect(fromZip.main.exitCode, fromZip.main.stdout).toBe(0);
    expect(one(fromDir, 'GCA-2026-0001')).toMatchObject({ called: true, symbols: ['example.com/vulnmod.Parse'] });
    expect(findings(fromZip)).toEqual(findings(fromDir));
    expect(findings(fromDir).length).toBeGreaterThanOrEqual(5);
  }, 600_000);

  it('an unreachable database is one warning and a report that says not checked', async () => {
    const run = await runAction({ workspace: app.dir, inputs: { ...inputs, 'vuln-check': 'fail', 'vuln-db': 'http://127.0.0.1:9/' } });
    expect(run.main.exitCode, run.main.stdout).toBe(0);
    const warnings = annotations(run.main.stdout).filter((a) => a.level === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/vulnerability database http:\/\/127\.0\.0\.1:9 could not be read/);
    expect(run.summary).toContain('**🛡️ Known vulnerabilities:** not checked');
    expect(findings(run)).toEqual([]);
  }, 600_000);

  it('a garbled index is one warning, never a failure', async () => {
    const db = await startVulnDb(FIXTURE_DB, { garble: 'index/modules.json' });
    try {
      const run = await runAction({ workspace: app.dir, inputs: { ...inputs, 'vuln-check': 'fail', 'vuln-db': db.url } });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      const warnings = annotations(run.main.stdout).filter((a) => a.level === 'warning');
      expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/index\/modules\.json is not JSON/)]);
    } finally {
      await db.close();
    }
  }, 600_000);

  it('a database that never answers is given up on within its (scaled) deadline: one warning', async () => {
    const db = await startVulnDb(FIXTURE_DB, { hang: 'ID/GCA-2026-0001.json' });
    try {
      const run = await runAction({
        workspace: app.dir,
        env: { [DEADLINE_SCALE_ENV]: '0.05' },
        inputs: { ...inputs, 'vuln-check': 'fail', 'vuln-db': db.url },
      });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      const warnings = annotations(run.main.stdout).filter((a) => a.level === 'warning');
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/vulnerability database 127\.0\.0\.1:\d+ \(ID\/GCA-2026-0001\.json\) did not answer in 1 s/),
      ]);
      expect(run.summary).toContain('**🛡️ Known vulnerabilities:** not checked');
    } finally {
      await db.close();
    }
  }, 600_000);

  it('scans an image baseline read from its registry, and a module bump there is fixed', async () => {
    const repo = uniqueName('e2e/vuln-base');
    const image = `${stack.registry}/${repo}`;
    docker([
      'buildx',
      'build',
      '--platform',
      'linux/amd64',
      '--build-arg',
      `GO_IMAGE=${stack.goImage}`,
      '--tag',
      `${image}:main`,
      '--push',
      app.dir,
    ]);
    const fixed = copyApp('test/fixtures/vuln-app');
    try {
      bumped(fixed.dir);
      const run = await runAction({
        workspace: fixed.dir,
        inputs: { ...inputs, baseline: `${image}:main`, 'vuln-check': 'fail-new', 'vuln-db': `file://${FIXTURE_DB}` },
      });
      expect(run.main.exitCode, run.main.stdout).toBe(0);
      expect(one(run, 'GCA-2026-0001')).toMatchObject({ status: 'fixed', version: 'v1.0.0', called: true });
      expect(one(run, 'GCA-2026-0002')).toMatchObject({ status: 'unchanged', called: false });
    } finally {
      fixed.remove();
    }
  }, 600_000);

  it('vuln-check fail on a push keeps the tags where they were', async () => {
    const repo = uniqueName('e2e/vuln');
    const image = `${stack.registry}/${repo}`;
    const run = await runAction({
      workspace: app.dir,
      inputs: { ...inputs, push: 'true', tags: `${image}:main`, 'vuln-check': 'fail', 'vuln-db': `file://${FIXTURE_DB}` },
    });
    expect(run.main.exitCode).not.toBe(0);
    expect(annotations(run.main.stdout).some((a) => a.level === 'error' && a.message.includes('GCA-2026-0001'))).toBe(true);
    await expect(registryManifest(repo, 'main')).rejects.toThrow(/404/);
    expect(run.main.outputs.tags).toBe('');
  }, 600_000);
});

describe("the merge job: one comment over both platforms' findings", () => {
  const amdApp = copyApp('test/fixtures/vuln-app');
  const armApp = copyApp('test/fixtures/vuln-app');
  const github = new FakeGitHub({ token: TOKEN });
  const PR = 23;
  const image = `${stack.registry}/${uniqueName('e2e/vuln-merge')}`;
  let cache: CacheServer;
  let parts: ActionRun[] = [];
  let merge: ActionRun;

  beforeAll(async () => {
    await github.start();
    cache = await startCacheServer();
    const job = (dir: string, inputs: Record<string, string>): Parameters<typeof runAction>[0] => ({
      workspace: dir,
      eventName: 'pull_request',
      ref: `refs/pull/${PR}/merge`,
      event: prEvent(PR),
      token: TOKEN,
      env: { ...cache.env, GITHUB_API_URL: github.url, GITHUB_RUN_ID: '7301', GITHUB_RUN_ATTEMPT: '1' },
      inputs: {
        images: image,
        'build-args': `GO_IMAGE=${stack.goImage}`,
        'go-cache': 'false',
        'vuln-db': `file://${FIXTURE_DB}`,
        ...inputs,
      },
    });
    parts = await Promise.all([
      runAction(job(amdApp.dir, { platforms: 'linux/amd64', 'push-by-digest': 'true' })),
      runAction(job(armApp.dir, { platforms: 'linux/arm64', 'push-by-digest': 'true' })),
    ]);
    merge = await runAction(job(amdApp.dir, { platforms: 'linux/amd64,linux/arm64', merge: 'true' }));
  }, 900_000);

  afterAll(async () => {
    await github.stop();
    await cache.close();
    amdApp.remove();
    armApp.remove();
  });

  it('joins the platforms of each finding and comments once', () => {
    for (const run of parts) expect(run.main.exitCode, run.main.stdout).toBe(0);
    expect(merge.main.exitCode, merge.main.stdout).toBe(0);
    expect(one(merge, 'GCA-2026-0001')).toMatchObject({
      called: true,
      symbols: ['example.com/vulnmod.Parse'],
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(one(merge, 'GCA-2026-0002')).toMatchObject({ called: false, platforms: ['linux/amd64', 'linux/arm64'] });
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain('| `linux/amd64` `linux/arm64` |');
    expect(github.comments[0]!.body).toContain('[GCA-2026-0001](https://pkg.go.dev/vuln/GCA-2026-0001)');
  });
});

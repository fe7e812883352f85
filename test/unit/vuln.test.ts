import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { affects, goVersionSemver, moduleSemver, type OsvEntry } from '../../src/vuln/osv.js';
import { functionNames, linkedSymbols, splitSymbol } from '../../src/gobinary/symbols.js';
import { compareFindings, mergeFindings, scanBinary, type ScanTarget, type VulnFinding } from '../../src/vuln/scan.js';
import { failingFindings, parseVulnCheck, vulnFailure } from '../../src/vuln/policy.js';
import { dbReader, fetchEntries, idsFor, mayAffect, parseVulnDb } from '../../src/vuln/db.js';
import { vulnLines } from '../../src/report/render-vulns.js';
import { shippedVersions, vulnReport } from '../../src/vuln/stage.js';
import { FIXTURE_DB, zipDb } from '../support/vuln-db.js';
import type { Styles } from '../../src/terminal/inline.js';

const entry = (id: string): OsvEntry => JSON.parse(readFileSync(join(FIXTURE_DB, 'ID', `${id}.json`), 'utf8')) as OsvEntry;

describe('OSV ranges', () => {
  const stdlib = entry('GO-2025-4012').affected[0]!.ranges;
  it.each([
    ['1.24.4', true, '1.24.8'],
    ['1.24.8', false, undefined],
    ['1.25.0', true, '1.25.2'],
    ['1.25.2', false, undefined],
    ['1.20.0', true, '1.24.8'],
  ])('stdlib %s: affected %s, fixed %s', (version, affected, fixed) => {
    expect(affects(stdlib, version)).toEqual(affected ? { affected, ...(fixed ? { fixed } : {}) } : { affected: false });
  });

  it.each([
    [[{ introduced: '0' }, { last_affected: '1.2.0' }], '1.2.0', true],
    [[{ introduced: '0' }, { last_affected: '1.2.0' }], '1.2.1', false],
    [[{ introduced: '1.0.0' }], '0.9.0', false],
    [[{ introduced: '1.0.0' }], '2.0.0', true],
    [[{ introduced: '0' }, { fixed: '0.0.0-20220101000000-abcdefabcdef' }], '0.0.0-20210101000000-abcdefabcdef', true],
  ])('events %j at %s: %s', (events, version, affected) => {
    expect(affects([{ type: 'SEMVER', events }], version).affected).toBe(affected);
  });

  it.each([
    ['go1.24.4', '1.24.4'],
    ['go1.22', '1.22.0'],
    ['go1.21rc2', '1.21.0-rc.2'],
    ['go1.24.4 X:boringcrypto', '1.24.4'],
    ['devel go1.25-abcdef', undefined],
  ])('Go version %s is %s', (go, semver) => expect(goVersionSemver(go)).toBe(semver));

  it.each([
    ['v1.2.3', '1.2.3'],
    ['v2.0.0+incompatible', '2.0.0'],
    ['(devel)', undefined],
  ])('module version %s is %s', (v, semver) => expect(moduleSemver(v)).toBe(semver));
});

describe('symbols', () => {
  it.each([
    ['net/http.(*Client).Do', 'net/http', 'Client.Do'],
    ['net/http.(*Client).Do.func1', 'net/http', 'Client.Do'],
    ['golang.org/x/text/language.Parse', 'golang.org/x/text/language', 'Parse'],
    ['main.(*Box[go.shape.int]).Get', 'main', 'Box.Get'],
    ['example.com/m.Map[go.shape.string,example.com/other.T]', 'example.com/m', 'Map'],
    ['gopkg.in/yaml%2ev3.Unmarshal', 'gopkg.in/yaml.v3', 'Unmarshal'],
    ['net/http.Header.Get-fm', 'net/http', 'Header.Get'],
  ])('%s is %s + %s', (name, path, symbol) => expect(splitSymbol(name)).toEqual({ path, symbol }));

  it.each([['go:buildid'], ['type:.eq.[2]interface {}']])('%s is no package symbol', (name) => expect(splitSymbol(name)).toBeUndefined());

  /** A pclntab as Go 1.20+ writes it (64-bit, little-endian), in a file without section headers. */
  function pclntab(names: string[]): Buffer {
    const header = Buffer.alloc(8 + 8 * 8);
    header.writeUInt32LE(0xfffffff1, 0);
    header[6] = 1;
    header[7] = 8;
    const table = Buffer.from(names.map((n) => `${n}\0`).join(''));
    header.writeBigUInt64LE(BigInt(header.length), 8 + 3 * 8);
    header.writeBigUInt64LE(BigInt(header.length + table.length), 8 + 4 * 8);
    return Buffer.concat([Buffer.alloc(100, 0xf1), header, table, Buffer.alloc(64, 7)]);
  }

  it('reads the funcnametab of a pclntab found by its magic, and groups names by package', () => {
    const names = functionNames(pclntab(['main.main', 'example.com/vulnmod.Parse', 'example.com/vulnmod.(*Decoder).Decode']));
    expect(names).toEqual(['main.main', 'example.com/vulnmod.Parse', 'example.com/vulnmod.(*Decoder).Decode']);
    expect([...linkedSymbols(names!).get('example.com/vulnmod')!]).toEqual(['Parse', 'Decoder.Decode']);
  });

  it('finds no table in bytes without one', () => expect(functionNames(Buffer.alloc(4096, 0xff))).toBeUndefined());
});

const vulnmod = [entry('GCA-2026-0001'), entry('GCA-2026-0002'), entry('GCA-2026-0003'), entry('GO-2025-4012'), entry('GO-2025-3849')];

function target(symbols: Record<string, string[]>, vulnmodVersion = 'v1.0.0') {
  return {
    platform: 'linux/amd64',
    goVersion: 'go1.24.4',
    goos: 'linux',
    goarch: 'amd64',
    modules: [
      { path: 'example.com/vulnmod', version: vulnmodVersion },
      { path: 'example.com/quietmod', version: 'v1.0.0' },
    ],
    symbols: new Map(Object.entries(symbols).map(([k, v]) => [k, new Set(v)])),
  };
}

describe('scan', () => {
  it('calls a vulnerability by the one of its two symbols the binary links; a method by Type.Method', () => {
    const found = scanBinary(target({ 'example.com/vulnmod': ['Parse', 'Decoder.Decode'], 'net/http': ['Client.Get'] }), vulnmod);
    const byId = Object.fromEntries(found.map((f) => [f.id, f]));
    expect(byId['GCA-2026-0001']).toMatchObject({ called: true, symbols: ['example.com/vulnmod.Parse'], fixed: 'v1.0.1' });
    expect(byId['GCA-2026-0003']).toMatchObject({ called: true, symbols: ['example.com/vulnmod.Decoder.Decode'], fixed: null });
    expect(byId['GCA-2026-0002']).toMatchObject({ called: false, symbols: [] });
    expect(byId['GO-2025-4012']).toMatchObject({ module: 'stdlib', version: 'go1.24.4', fixed: 'go1.24.8', called: true });
    expect(byId['GO-2025-3849']).toMatchObject({ called: false });
  });

  it('a fixed version is not reported; a replaced module is matched as its replacement', () => {
    expect(scanBinary(target({}, 'v1.0.1'), vulnmod).map((f) => f.id)).not.toContain('GCA-2026-0001');
    const replaced = {
      ...target({}),
      modules: [{ path: 'example.com/vulnmod', version: 'v1.0.1', replacedBy: { path: 'example.com/vulnmod', version: 'v1.0.0' } }],
    };
    expect(scanBinary(replaced, vulnmod).map((f) => f.id)).toContain('GCA-2026-0001');
  });

  it('a package for other systems only is not a vulnerability of this binary', () => {
    const windows: OsvEntry = {
      id: 'GO-W',
      affected: [{ package: { name: 'stdlib' }, ecosystem_specific: { imports: [{ path: 'os', goos: ['windows'], symbols: ['Open'] }] } }],
    };
    expect(scanBinary(target({ os: ['Open'] }), [windows])).toEqual([]);
  });

  it('joins platforms and symbols over platforms', () => {
    const amd = scanBinary(target({ 'example.com/vulnmod': ['Parse'] }), vulnmod);
    const arm = scanBinary({ ...target({ 'example.com/vulnmod': ['Render'] }), platform: 'linux/arm64' }, vulnmod);
    const merged = mergeFindings([amd, arm]).find((f) => f.id === 'GCA-2026-0001')!;
    expect(merged.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(merged.symbols).toEqual(['example.com/vulnmod.Parse', 'example.com/vulnmod.Render']);
  });
});

const f = (id: string, called: boolean, status: VulnFinding['status'] = 'new'): VulnFinding => ({
  id,
  aliases: [],
  module: 'example.com/m',
  version: 'v1.0.0',
  fixed: null,
  called,
  symbols: called ? ['example.com/m.F'] : [],
  platforms: ['linux/amd64'],
  status,
});

describe('before and after, and the policy', () => {
  it('new, unchanged, fixed; one called only now is new', () => {
    const out = compareFindings([f('A', true), f('B', true), f('C', true)], [f('B', true), f('C', false), f('D', true)]);
    expect(Object.fromEntries(out.map((x) => [x.id, x.status]))).toEqual({ A: 'new', B: 'unchanged', C: 'new', D: 'fixed' });
    expect(compareFindings([f('A', true)], undefined)[0]!.status).toBe('new');
  });

  it.each([
    ['warn', []],
    ['off', []],
    ['fail-new', ['A']],
    ['fail', ['A', 'B']],
  ] as const)('%s fails on %j', (policy, ids) => {
    const findings = [f('A', true, 'new'), f('B', true, 'unchanged'), f('C', false, 'new'), f('D', true, 'fixed')];
    expect(failingFindings(findings, policy).map((x) => x.id)).toEqual(ids);
  });

  it('the failure names each ID, module and symbols', () => {
    expect(vulnFailure([f('GO-1', true)], 'fail-new')).toBe(
      "Known vulnerabilities (vuln-check: fail-new): 1 new called in the image's Go binaries: GO-1 (example.com/m@v1.0.0; example.com/m.F).",
    );
  });

  it.each([
    ['', 'warn'],
    ['FAIL-NEW', 'fail-new'],
    ['off', 'off'],
  ])('vuln-check %j is %s', (raw, v) => expect(parseVulnCheck(raw)).toBe(v));
  it('a bad vuln-check names the input', () =>
    expect(() => parseVulnCheck('maybe')).toThrow(/Input 'vuln-check': 'maybe' is not a policy/));
});

describe('the database', () => {
  it.each([
    ['', { kind: 'http', url: 'https://vuln.go.dev' }],
    ['http://127.0.0.1:8080/db/', { kind: 'http', url: 'http://127.0.0.1:8080/db' }],
    ['file:///srv/vulndb', { kind: 'dir', path: '/srv/vulndb' }],
    ['file:///srv/vulndb.zip', { kind: 'zip', path: '/srv/vulndb.zip' }],
    ['db/vulndb.zip', { kind: 'zip', path: '/ws/db/vulndb.zip' }],
  ])('vuln-db %j', (raw, location) => expect(parseVulnDb(raw, '/ws')).toEqual(location));

  it.each([['ftp://x/db'], ['some/dir']])('vuln-db %j is refused with the forms it takes', (raw) =>
    expect(() => parseVulnDb(raw, '/ws')).toThrow(/Input 'vuln-db'.*Expected an http\(s\) URL/),
  );

  it('asks only for the entries of the modules present, with IDs of its own form', () => {
    const index = [
      { path: 'a', vulns: [{ id: 'GO-1' }, { id: '../etc/passwd' }] },
      { path: 'b', vulns: [{ id: 'GO-2' }] },
    ];
    expect(idsFor(index, new Map([['a', ['1.0.0']]]))).toEqual(['GO-1']);
  });

  it.each<[string, { fixed?: string }, string[], boolean]>([
    ['no fix yet', {}, ['1.0.0'], true],
    ['a version below the fix', { fixed: '1.0.1' }, ['1.0.0'], true],
    ['the fixed version itself', { fixed: '1.0.1' }, ['1.0.1'], false],
    ['a version above the fix', { fixed: '1.0.1' }, ['2.3.0'], false],
    ['a pseudo-version below the fix', { fixed: '0.3.0' }, ['0.0.0-20240101000000-abcdefabcdef'], true],
    ['a pre-release of the fixed version', { fixed: '1.25.0' }, ['1.25.0-rc.1'], true],
    ['one of two platforms below the fix', { fixed: '1.24.6' }, ['1.24.6', '1.24.4'], true],
    ['a fix written with a v', { fixed: 'v1.2.0' }, ['1.2.0'], false],
    ['a fix that is not SEMVER', { fixed: '1.x' }, ['9.0.0'], true],
    ['a module of unknown version', { fixed: '1.0.1' }, [], true],
  ])('asks for an entry by the index fixed version: %s', (_, fix, versions, fetched) => {
    expect(mayAffect({ id: 'GO-1', ...fix }, versions)).toBe(fetched);
  });

  it('maps the standard library as go1.24.4 → 1.24.4, and skips entries fixed at or below the versions shipped', () => {
    const target = (goVersion: string, version: string): ScanTarget => ({
      platform: 'linux/amd64',
      goVersion,
      modules: [{ path: 'example.com/m', version }],
    });
    const shipped = shippedVersions([target('go1.24.4', 'v1.0.0'), target('go1.24.4 X:boringcrypto', 'v1.2.0')]);
    expect([...shipped]).toEqual([
      ['stdlib', ['1.24.4']],
      ['example.com/m', ['1.0.0', '1.2.0']],
    ]);
    const index = [
      {
        path: 'stdlib',
        vulns: [
          { id: 'GO-2024-1', fixed: '1.22.5' },
          { id: 'GO-2025-2', fixed: '1.24.4' },
          { id: 'GO-2025-3', fixed: '1.24.6' },
          { id: 'GO-2025-4', fixed: '1.25.2' },
        ],
      },
      { path: 'example.com/m', vulns: [{ id: 'GO-2025-5', fixed: '1.1.0' }, { id: 'GO-2025-6', fixed: '0.9.0' }, { id: 'GO-2025-7' }] },
      { path: 'example.com/absent', vulns: [{ id: 'GO-2025-8' }] },
    ];
    expect(idsFor(index, shipped)).toEqual(['GO-2025-3', 'GO-2025-4', 'GO-2025-5', 'GO-2025-7']);
  });

  it('reads fewer bytes when the index says an entry is fixed below the version shipped', async () => {
    const all = dbReader({ kind: 'dir', path: FIXTURE_DB });
    await fetchEntries(all, new Map([['stdlib', []]]));
    const newer = dbReader({ kind: 'dir', path: FIXTURE_DB });
    const entries = await fetchEntries(newer, new Map([['stdlib', ['1.25.0']]]));
    expect(entries.map((e) => e.id)).toEqual(['GO-2025-4010', 'GO-2025-4012']);
    expect(newer.bytes).toBeLessThan(all.bytes);
  });

  it('reads the same entries from the directory and from its zip', async () => {
    const modules = new Map([
      ['example.com/vulnmod', ['1.0.0']],
      ['stdlib', ['1.24.4']],
    ]);
    const dir = await fetchEntries(dbReader({ kind: 'dir', path: FIXTURE_DB }), modules);
    const zip = await fetchEntries(dbReader({ kind: 'zip', path: zipDb() }), modules);
    expect(dir.map((e) => e.id).sort()).toEqual(['GCA-2026-0001', 'GCA-2026-0003', 'GO-2025-3849', 'GO-2025-4010', 'GO-2025-4012']);
    expect(zip).toEqual(dir);
  });
});

describe('the report section', () => {
  it('counts, links, and collapses the ones not called; escapes what the database says', () => {
    const scan = {
      checked: true as const,
      db: 'x',
      bytes: 0,
      scanMs: 0,
      findings: [f('GO-2', true), { ...f('GO-3', false), module: 'a|b' }],
    };
    const report = vulnReport(scan, [f('GO-1', true)], 'fail-new');
    const md = vulnLines(report).join('\n');
    expect(md).toContain('**❌ Known vulnerabilities:** called: 1 new, 1 fixed, 0 still there; not called: 1 · fails vuln-check: fail-new');
    expect(md).toContain(
      '| ❌ 🆕 new | [GO-2](https://pkg.go.dev/vuln/GO-2) | `example.com/m@v1.0.0` (no fix yet) | `example.com/m.F` | `linux/amd64` |',
    );
    expect(md).toContain('<details><summary>1 vulnerability in modules the binaries ship, not called');
    expect(md).toContain('`a\\|b@v1.0.0`');
  });

  it('says so when there is none', () => {
    const scan = { checked: true as const, db: 'x', bytes: 0, scanMs: 0, findings: [] };
    expect(vulnLines(vulnReport(scan, undefined, 'fail'))).toEqual([
      '**🛡️ Known vulnerabilities:** none in the standard library or the modules the Go binaries ship',
    ]);
  });

  it('says not checked, and why', () => {
    expect(vulnLines(vulnReport({ checked: false, db: 'x', note: 'the database could not be read' }, undefined, 'warn'))).toEqual([
      '**🛡️ Known vulnerabilities:** not checked (the database could not be read)',
    ]);
  });
});

describe('the section in a terminal', () => {
  it('shows a link as its text', async () => {
    const { renderInline } = await import('../../src/terminal/inline.js');
    const same = (s: string): string => s;
    const plain: Styles = { bold: same, dim: same, italic: same, code: same };
    expect(renderInline('| [GO-1](https://pkg.go.dev/vuln/GO-1) |', plain)).toBe('| GO-1 |');
  });
});

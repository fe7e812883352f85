// Vulnerability scan cost once the database entries are in hand: reading a Go binary's function
// table (pclntab) and matching its modules and symbols against a database as large as the real
// one (index of ~1,200 modules, ~5,000 entries). The binary is generated: 20 MB with ~60,000
// function names in ~1,500 packages, its pclntab near the end (the magic found by search, the
// slowest path); VULN_BENCH_BINARY=<path> adds a real Go binary of your own.
// Run: node bench/vuln.mjs   (prints times; the target is at most 300 ms for a 20 MB binary)
import { register } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';

register('./ts-hooks.mjs', import.meta.url);
const { functionNames, linkedSymbols } = await import('../src/gobinary/symbols.js');
const { scanBinary } = await import('../src/vuln/scan.js');
const { idsFor, parseModulesIndex } = await import('../src/vuln/db.js');
const { shippedVersions } = await import('../src/vuln/stage.js');
const { buildInfoBlob } = await import('../test/support/size-fixtures.js');
const { parseBuildInfoBlob } = await import('../src/gobinary/buildinfo.js');

const TARGET_MS = 300;
const MODULES = 1_200;
const ENTRIES = 5_000;
const SHIPPED = 150;
/** The standard library's entries, as many as the real database has; the binary's Go is go1.24.4. */
const STDLIB_ENTRIES = 170;
/** Of them, fixed (latest fix) after go1.24.4, so still fetched: as many as the real database had at go1.25.5. */
const STDLIB_AFTER = 22;
/** Real entries are 1.8–2.1 KB (the stdlib ones in test/fixtures/vulndb); generated ones are padded to that. */
const DETAILS = 'The function does not bound the input it reads, so a crafted request makes it use unbounded memory. '.repeat(13);

/** A seeded generator, so every run measures the same data. */
function rng(seed) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}
const rand = rng(42);
const pick = (n) => Math.floor(rand() * n);

const modulePath = (i) => `github.com/org${i % 97}/mod${i}`;
const pkgPath = (i, p) => (p === 0 ? modulePath(i) : `${modulePath(i)}/pkg${p}`);

function database() {
  const entries = [];
  const index = new Map();
  for (let e = 0; e < ENTRIES; e++) {
    const m = e < MODULES ? e : pick(MODULES);
    const id = `GO-2099-${String(e).padStart(5, '0')}`;
    const imports = Array.from({ length: 1 + pick(3) }, () => ({
      path: pkgPath(m, pick(8)),
      symbols: Array.from({ length: 2 + pick(8) }, () => (rand() < 0.3 ? `T${pick(40)}.M${pick(20)}` : `F${pick(60)}`)),
    }));
    const fixed = `1.${1 + pick(9)}.0`;
    entries.push(entry(id, modulePath(m), fixed, imports));
    const list = index.get(modulePath(m)) ?? [];
    list.push({ id, fixed });
    index.set(modulePath(m), list);
  }
  const std = [];
  for (let e = 0; e < STDLIB_ENTRIES; e++) {
    const id = `GO-2098-${String(e).padStart(5, '0')}`;
    const after = e >= STDLIB_ENTRIES - STDLIB_AFTER;
    // Latest fixes: go1.16.x–go1.24.4 for most, go1.24.5–go1.25.5 for the recent ones.
    const fixed = after
      ? ['1.24.5', '1.24.6', '1.25.2', '1.25.3', '1.25.5'][e % 5]
      : e % 10 === 0
        ? '1.24.4'
        : `1.${16 + (e % 8)}.${1 + (e % 12)}`;
    entries.push(entry(id, 'stdlib', fixed, [{ path: `net/std${e % 40}`, symbols: [`F${e % 60}`, `T${e % 9}.M${e % 20}`] }]));
    std.push({ id, fixed });
  }
  index.set('stdlib', std);
  return { entries, modulesJson: JSON.stringify([...index].map(([path, vulns]) => ({ path, vulns }))) };
}

function entry(id, module, fixed, imports) {
  return {
    id,
    aliases: [`CVE-2099-${id.slice(-5)}`],
    summary: `Unbounded memory use in ${module}`,
    details: DETAILS,
    affected: [
      {
        package: { name: module, ecosystem: 'Go' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }],
        ecosystem_specific: { imports },
      },
    ],
    references: [{ type: 'FIX', url: `https://go.dev/cl/${id.slice(-5)}` }],
  };
}

/** A 20 MB program: filler, a pclntab with ~60,000 names, build info with SHIPPED modules, more filler. */
function program() {
  const names = [];
  for (let i = 0; i < 1_500; i++) {
    const pkg = i < SHIPPED * 4 ? pkgPath(Math.floor(i / 4), i % 4) : `internal/std${i}`;
    for (let f = 0; f < 40; f++)
      names.push(f % 3 === 0 ? `${pkg}.(*T${f}).M${f % 20}` : f % 7 === 0 ? `${pkg}.F${f}[go.shape.int]` : `${pkg}.F${f}`);
  }
  const table = Buffer.from(names.map((n) => `${n}\0`).join(''));
  const header = Buffer.alloc(72);
  header.writeUInt32LE(0xfffffff1, 0);
  header[6] = 1;
  header[7] = 8;
  header.writeBigUInt64LE(72n, 8 + 3 * 8);
  header.writeBigUInt64LE(BigInt(72 + table.length), 8 + 4 * 8);
  const mods = ['path\texample.com/app', 'mod\texample.com/app\t(devel)\t'];
  for (let i = 0; i < SHIPPED; i++) mods.push(`dep\t${modulePath(i)}\tv1.${pick(9)}.0\th1:x=`);
  const info = buildInfoBlob('go1.24.4', mods.join('\n') + '\n');
  const text = Buffer.alloc(20_000_000 - table.length - info.length - 72 - 1_000_000, 0x90);
  return { file: Buffer.concat([text, header, table, Buffer.alloc(1_000_000, 0), info]), functions: names.length };
}

function time(fn, runs = 5) {
  fn();
  const times = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)], out };
}

const { entries, modulesJson } = database();
const entryBytes = new Map(entries.map((e) => [e.id, Buffer.byteLength(JSON.stringify(e, null, 2))]));
const DB_JSON = '{"modified":"2099-01-01T00:00:00Z"}'.length;
/** Bytes a run reads: index/db.json, index/modules.json and the entries asked for. */
const fetched = (ids) => DB_JSON + Buffer.byteLength(modulesJson) + ids.reduce((s, id) => s + entryBytes.get(id), 0);
const bytes = [];
const isStd = (id) => id.startsWith('GO-2098-');
const cases = [{ name: 'generated 20 MB program', ...program() }];
const real = process.env.VULN_BENCH_BINARY;
if (real && existsSync(real)) cases.push({ name: `real: ${real}`, file: readFileSync(real) });

console.log(
  `database: ${MODULES} modules, ${ENTRIES} entries and ${STDLIB_ENTRIES} of the standard library (go1.24.4 in the binary); index ${(modulesJson.length / 1e6).toFixed(2)} MB`,
);
console.log('| binary | MB | functions | pclntab read | index → IDs | match | scan total | target |');
console.log('|---|--:|--:|--:|--:|--:|--:|:-:|');
let over = false;
for (const c of cases) {
  const at = c.file.indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
  const parsed = at >= 0 ? parseBuildInfoBlob(c.file.subarray(at)) : undefined;
  const info = typeof parsed === 'object' ? parsed : { goVersion: 'go1.24.4', deps: [] };
  const read = time(() => linkedSymbols(functionNames(c.file) ?? []));
  const shipped = shippedVersions([{ platform: 'linux/amd64', goVersion: info.goVersion, modules: info.deps }]);
  const ids = time(() => idsFor(parseModulesIndex(JSON.parse(modulesJson)), shipped));
  // Every entry of the modules present, as the scan fetched them before the index's fixed versions were read.
  const everything = idsFor(parseModulesIndex(JSON.parse(modulesJson)), new Map([...shipped.keys()].map((k) => [k, []])));
  bytes.push({
    name: c.name,
    before: fetched(everything),
    after: fetched(ids.out),
    entriesBefore: everything.length,
    entriesAfter: ids.out.length,
    stdBefore: everything.filter(isStd).length,
    stdAfter: ids.out.filter(isStd).length,
  });
  const wanted = new Set(ids.out);
  const inHand = entries.filter((e) => wanted.has(e.id));
  const target = {
    platform: 'linux/amd64',
    goVersion: info.goVersion,
    modules: info.deps,
    goos: 'linux',
    goarch: 'amd64',
    symbols: read.out,
  };
  const match = time(() => scanBinary(target, inHand));
  const total = read.ms + match.ms;
  over ||= c.file.length >= 19_000_000 && total > TARGET_MS;
  const functions = [...read.out.values()].reduce((s, v) => s + v.size, 0);
  console.log(
    `| ${c.name} | ${(c.file.length / 1e6).toFixed(1)} | ${functions} | ${read.ms.toFixed(1)} ms | ${ids.ms.toFixed(1)} ms | ` +
      `${match.ms.toFixed(1)} ms (${inHand.length} entries, ${match.out.length} found, ${match.out.filter((f) => f.called).length} called) | ` +
      `${total.toFixed(1)} ms | ${total <= TARGET_MS ? '✅' : '❌'} ≤ ${TARGET_MS} ms |`,
  );
}
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(
  "\n| binary | entries fetched: all of the modules present | by the index's fixed versions | of them stdlib | bytes read: before | after | of them entries |",
);
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const b of bytes)
  console.log(
    `| ${b.name} | ${b.entriesBefore} | ${b.entriesAfter} | ${b.stdBefore} → ${b.stdAfter} | ${kb(b.before)} | ${kb(b.after)} | ` +
      `${kb(b.before - DB_JSON - Buffer.byteLength(modulesJson))} → ${kb(b.after - DB_JSON - Buffer.byteLength(modulesJson))} |`,
  );
process.exitCode = over ? 1 : 0;

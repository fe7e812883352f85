import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listTarFiles, mergeTars, normalizeName, readTar, TarFormatError, TarWriter, type TarEntry } from '../../src/cache/tar.js';

const dir = mkdtempSync(join(tmpdir(), 'gca-tar-unit-'));
afterAll(() => {
  execFileSync('chmod', ['-R', 'u+w', dir]);
  rmSync(dir, { recursive: true, force: true });
});

const LONG = `cache/download/example.com/${'very-long-module-name/'.repeat(6)}@v/v1.0.0.zip`;

function entry(name: string, type = '0', size = 0, mode = 0o644): TarEntry {
  return { name, type, mode, uid: 0, gid: 0, size, mtime: 1_700_000_000, linkname: '' };
}

function write(path: string, files: [string, string][], dirs: string[] = []): void {
  const w = new TarWriter(path);
  for (const d of dirs) w.add(entry(d, '5', 0, 0o555));
  for (const [name, content] of files) {
    const data = Buffer.alloc(Math.ceil(content.length / 512) * 512);
    data.write(content);
    w.add(entry(name, '0', content.length, 0o444), data);
  }
  w.close();
}

function contents(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  readTar(path, (e, data) => {
    out[e.name] = e.type === '5' ? '<dir>' : data().subarray(0, e.size).toString();
  });
  return out;
}

describe('tar', () => {
  it('writes archives GNU tar reads, long names included, modes kept (read-only module cache)', () => {
    const path = join(dir, 'a.tar');
    write(path, [['aa/1-d', 'one'], [LONG, 'zip']], ['aa']);
    const listing = execFileSync('tar', ['-tvf', path], { encoding: 'utf8' });
    expect(listing).toContain(LONG);
    expect(listing).toMatch(/^dr-xr-xr-x .* aa\/$/m);
    expect(listing).toMatch(/^-r--r--r-- .* aa\/1-d$/m);
    const out = join(dir, 'a-out');
    mkdirSync(out);
    execFileSync('tar', ['-xf', path, '-C', out]);
    expect(readFileSync(join(out, LONG), 'utf8')).toBe('zip');
  });

  it('reads archives GNU tar writes (pax and GNU long names, ./ prefixes)', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'x'), { recursive: true });
    const long = `x/${'n'.repeat(150)}`;
    writeFileSync(join(src, long), 'long');
    writeFileSync(join(src, 'x', 'short'), 'short');
    chmodSync(join(src, 'x', 'short'), 0o444);
    for (const format of ['gnu', 'posix']) {
      const path = join(dir, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-cf', path, '-C', src, '.']);
      expect(contents(path)).toEqual({ '': '<dir>', x: '<dir>', [long]: 'long', 'x/short': 'short' });
    }
  });

  it('merges: later sources replace earlier names, keep() filters, under strips a prefix', () => {
    const old = join(dir, 'old.tar');
    const add = join(dir, 'add.tar');
    const out = join(dir, 'merged.tar');
    write(old, [['aa/used', 'u'], ['aa/unused', 'x'], ['bb/changed', 'old']], ['aa', 'bb']);
    write(add, [['s0/bb/changed', 'new'], ['s0/cc/new', 'n'], ['s1/other', 'o'], ['.gca/s0.used', 'aa/used']], ['s0', 's0/cc']);
    const result = mergeTars(out, [{ path: old, keep: (e) => e.type === '5' || e.name !== 'aa/unused' }, { path: add, under: 's0' }]);
    expect(contents(out)).toEqual({ aa: '<dir>', bb: '<dir>', 'aa/used': 'u', 'bb/changed': 'new', cc: '<dir>', 'cc/new': 'n' });
    expect(result.files).toBe(3);
    expect(result.dataBytes).toBe(1 + 3 + 1);
    expect(listTarFiles(out).sort()).toEqual(['aa/used', 'bb/changed', 'cc/new']);
  });

  it('rejects a corrupt or truncated archive', () => {
    const bad = join(dir, 'bad.tar');
    writeFileSync(bad, Buffer.alloc(4096, 0x5a));
    expect(() => listTarFiles(bad)).toThrow(TarFormatError);
    const good = join(dir, 'good.tar');
    write(good, [['f', 'x'.repeat(2000)]]);
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(good).subarray(0, 1024));
    expect(() => contents(cut)).toThrow(/truncated/);
  });

  it.each([
    ['./aa/b', 'aa/b'],
    ['aa/', 'aa'],
    ['/abs/x', 'abs/x'],
    ['.', ''],
    ['./', ''],
  ])('normalizeName(%s) = %s', (raw, name) => {
    expect(normalizeName(raw)).toBe(name);
  });
});

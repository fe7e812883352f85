import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  appendTar,
  indexTar,
  mergeTars,
  normalizeName,
  readTar,
  TarFormatError,
  TarWriter,
  type TarEntry,
} from '../../src/go-cache/tar.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('tar-unit');
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
    write(
      path,
      [
        ['aa/1-d', 'one'],
        [LONG, 'zip'],
      ],
      ['aa'],
    );
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
    write(
      old,
      [
        ['aa/used', 'u'],
        ['aa/unused', 'x'],
        ['bb/changed', 'old'],
      ],
      ['aa', 'bb'],
    );
    write(
      add,
      [
        ['s0/bb/changed', 'new'],
        ['s0/cc/new', 'n'],
        ['s1/other', 'o'],
        ['.gca/s0.used', 'aa/used'],
      ],
      ['s0', 's0/cc'],
    );
    const result = mergeTars(out, [
      { path: old, keep: (e) => e.type === '5' || e.name !== 'aa/unused' },
      { path: add, under: 's0' },
    ]);
    expect(contents(out)).toEqual({ aa: '<dir>', bb: '<dir>', 'aa/used': 'u', 'bb/changed': 'new', cc: '<dir>', 'cc/new': 'n' });
    expect(result.files).toBe(3);
    expect(result.dataBytes).toBe(1 + 3 + 1);
    expect(indexTar(out).files.sort()).toEqual(['aa/used', 'bb/changed', 'cc/new']);
  });

  it('indexes an archive: files with the bytes they take, directories, its end, a split at an entry boundary', () => {
    const path = join(dir, 'index.tar');
    write(
      path,
      [
        ['aa/1', 'x'.repeat(600)],
        [LONG, 'zip'],
        ['bb/2', 'y'],
      ],
      ['aa', 'bb'],
    );
    const index = indexTar(path);
    expect(index.files).toEqual(['aa/1', LONG, 'bb/2']);
    // header + 2 data blocks; header + 1 (the pax header of the long name is not counted); header + 1.
    expect(index.fileBytes).toEqual([1536, 1024, 1024]);
    expect([...index.dirs]).toEqual(['aa', 'bb']);
    expect(index.end).toBe(readFileSync(path).length - 1024);
    // Both halves are whole archives: unpacked one after the other they give every file.
    const bytes = readFileSync(path);
    const split = index.split!;
    expect(split).toBeGreaterThan(0);
    expect(split).toBeLessThan(index.end);
    writeFileSync(join(dir, 'half1.tar'), Buffer.concat([bytes.subarray(0, split), Buffer.alloc(1024)]));
    writeFileSync(join(dir, 'half2.tar'), bytes.subarray(split));
    const out = join(dir, 'halves-out');
    mkdirSync(out);
    for (const half of ['half1.tar', 'half2.tar']) execFileSync('tar', ['-xf', join(dir, half), '-C', out]);
    expect(readFileSync(join(out, 'aa/1'), 'utf8')).toBe('x'.repeat(600));
    expect(readFileSync(join(out, LONG), 'utf8')).toBe('zip');
    expect(readFileSync(join(out, 'bb/2'), 'utf8')).toBe('y');
    expect(indexTar(join(dir, 'half1.tar')).files.length + indexTar(join(dir, 'half2.tar')).files.length).toBe(3);
  });

  it('appends new entries after the old ones (no rewrite), directories it has not written once', () => {
    const path = join(dir, 'append.tar');
    const add = join(dir, 'append-add.tar');
    write(
      path,
      [
        ['aa/old', 'o'],
        ['aa/unused', 'u'],
      ],
      ['aa'],
    );
    const before = readFileSync(path);
    const index = indexTar(path);
    write(
      add,
      [
        ['s0/aa/new', 'n'],
        ['s0/cc/new', 'c'],
        ['s1/other', 'x'],
      ],
      ['s0', 's0/aa', 's0/cc'],
    );
    const result = appendTar(path, index.end, { path: add, under: 's0' }, index.dirs);
    const after = readFileSync(path);
    expect(after.subarray(0, index.end).equals(before.subarray(0, index.end))).toBe(true);
    expect(result).toEqual({ files: 2, bytes: after.length, dataBytes: 2 });
    expect(contents(path)).toEqual({ aa: '<dir>', 'aa/old': 'o', 'aa/unused': 'u', 'aa/new': 'n', cc: '<dir>', 'cc/new': 'c' });
    expect(
      execFileSync('tar', ['-tf', path], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l === 'aa/'),
    ).toHaveLength(1);
  });

  it('rejects a corrupt or truncated archive', () => {
    const bad = join(dir, 'bad.tar');
    writeFileSync(bad, Buffer.alloc(4096, 0x5a));
    expect(() => indexTar(bad)).toThrow(TarFormatError);
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

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar } from '../../src/go-cache/tar.js';
import { checksumMatches, decodeHeader, parsePax, readNumber, TarExtensions, type TarHeader } from '../../src/tar/header.js';
import { TarStreamReader } from '../../src/tar/stream.js';
import { tempDir } from '../support/temp.js';

/** A ustar header block with the given fields (octal numbers, checksum filled in). */
function block(fields: {
  name?: string;
  prefix?: string;
  type?: string;
  size?: number | Buffer;
  mode?: number;
  mtime?: number;
  linkname?: string;
  badSum?: boolean;
}): Buffer {
  const b = Buffer.alloc(512);
  b.write(fields.name ?? 'f', 0, 100, 'utf8');
  b.write((fields.mode ?? 0o644).toString(8).padStart(7, '0'), 100, 'ascii');
  b.write('0001750', 108, 'ascii');
  b.write('0001751', 116, 'ascii');
  if (Buffer.isBuffer(fields.size)) fields.size.copy(b, 124);
  else b.write((fields.size ?? 0).toString(8).padStart(11, '0'), 124, 'ascii');
  b.write((fields.mtime ?? 1_700_000_000).toString(8).padStart(11, '0'), 136, 'ascii');
  if (fields.type !== undefined) b.write(fields.type, 156, 1, 'latin1');
  b.write(fields.linkname ?? '', 157, 100, 'utf8');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.write(fields.prefix ?? '', 345, 155, 'utf8');
  b.fill(32, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write((sum + (fields.badSum ? 1 : 0)).toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return b;
}

/** The base-256 form GNU tar writes for sizes over 8 GiB. */
function base256(n: number): Buffer {
  const f = Buffer.alloc(12);
  f[0] = 0x80;
  for (let i = 11, v = n; i > 0; i--, v = Math.floor(v / 256)) f[i] = v % 256;
  return f;
}

function paxBody(records: Record<string, string>): Buffer {
  return Buffer.from(
    Object.entries(records)
      .map(([k, v]) => {
        const body = ` ${k}=${v}\n`;
        let n = Buffer.byteLength(body) + 1;
        while (String(n).length + Buffer.byteLength(body) !== n) n = String(n).length + Buffer.byteLength(body);
        return `${n}${body}`;
      })
      .join(''),
  );
}

describe('decodeHeader', () => {
  it.each<[string, Parameters<typeof block>[0], Partial<TarHeader>]>([
    [
      'a ustar file',
      { name: 'usr/bin/app', size: 1234, mode: 0o755 },
      { name: 'usr/bin/app', type: '0', size: 1234, mode: 0o755, uid: 1000, gid: 1001, mtime: 1_700_000_000 },
    ],
    ['a name with a ustar prefix', { prefix: 'a/long/dir', name: 'file' }, { name: 'a/long/dir/file' }],
    ['a type NUL (old tar) reads as a file', { name: 'f' }, { type: '0' }],
    ['a directory', { name: 'etc/', type: '5' }, { name: 'etc/', type: '5' }],
    ['a symlink with its target', { name: 'bin/sh', type: '2', linkname: 'busybox' }, { type: '2', linkname: 'busybox' }],
    ['a base-256 size (over 8 GiB)', { size: base256(9 * 2 ** 30) }, { size: 9 * 2 ** 30 }],
    ['a pax header', { name: 'PaxHeader', type: 'x', size: 30 }, { type: 'x', size: 30 }],
    ['a UTF-8 name', { name: 'données/é' }, { name: 'données/é' }],
  ])('%s', (_name, fields, expected) => {
    expect(decodeHeader(block(fields))).toMatchObject(expected);
  });

  it.each([
    ['a header as written', false, true],
    ['a header with one byte off', true, false],
  ])('checksumMatches: %s is %s', (_name, badSum, ok) => {
    expect(checksumMatches(block({ name: 'f', badSum }))).toBe(ok);
  });

  it.each([
    [Buffer.from('0000644\0'), 0o644],
    [Buffer.from(' 644 \0\0\0'), 0o644],
    [Buffer.from('\0\0\0\0\0\0\0\0'), 0],
    [Buffer.from([0x80, 0, 0, 0, 0, 0, 0x01, 0x00]), 256],
  ])('readNumber(%j) = %s', (field, n) => expect(readNumber(field, 0, field.length)).toBe(n));

  it.each([
    ['two records', paxBody({ path: 'a/b', size: '12' }), { path: 'a/b', size: '12' }],
    ['a value with = and a multi-byte character', paxBody({ path: 'x=y/é' }), { path: 'x=y/é' }],
    ['a broken length stops the reading', Buffer.from('xx path=a\n'), {}],
  ])('parsePax: %s', (_name, data, records) => expect(parsePax(data)).toEqual(records));
});

describe('TarExtensions', () => {
  const header = decodeHeader(block({ name: 'short', size: 5, linkname: 'l' }));
  it.each<[string, [string, Buffer][], Partial<TarHeader>]>([
    ['none: the header as written', [], { name: 'short', size: 5, linkname: 'l', mtime: 1_700_000_000 }],
    [
      'a GNU long name and long link',
      [
        ['L', Buffer.from('gnu/long\0')],
        ['K', Buffer.from('gnu/link\0\0')],
      ],
      { name: 'gnu/long', linkname: 'gnu/link' },
    ],
    [
      'pax path, linkpath, size and mtime',
      [['x', paxBody({ path: 'pax/p', linkpath: 'pax/l', size: '7', mtime: '1700000001.5' })]],
      { name: 'pax/p', linkname: 'pax/l', size: 7, mtime: 1_700_000_001 },
    ],
    [
      'a pax path wins over a GNU long name, in either order',
      [
        ['x', paxBody({ path: 'pax/p' })],
        ['L', Buffer.from('gnu/long')],
      ],
      { name: 'pax/p' },
    ],
    ['a global pax header changes nothing', [['g', paxBody({ path: 'global' })]], { name: 'short' }],
  ])('%s', (_name, extensions, expected) => {
    const ext = new TarExtensions();
    for (const [type, body] of extensions) ext.add(type, body);
    expect(ext.pending).toBe(extensions.some(([type]) => type !== 'g'));
    expect(ext.apply(header)).toMatchObject(expected);
    expect(ext.pending).toBe(false);
    expect(ext.apply(header)).toMatchObject({ name: 'short', size: 5 });
  });
});

/** Chunks of `size` bytes (a layer arriving over the network). */
async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function streamEntries(data: Buffer, chunk: number): Promise<string[]> {
  const reader = new TarStreamReader(chunked(data, chunk));
  const out: string[] = [];
  for (let e = await reader.next(); e; e = await reader.next()) {
    let text = '';
    if (e.type === '0' && e.name.endsWith('read-me')) await reader.data((c) => void (text += c.toString()));
    out.push(`${e.type} ${e.name}${text ? ` ${text}` : ''}`);
  }
  return out;
}

describe('both readers on archives GNU tar writes', () => {
  const deep = `${'module-directory-with-a-long-name/'.repeat(5)}read-me`;
  const dir = tempDir('tar-header');
  mkdirSync(join(dir, 'src', deep, '..'), { recursive: true });
  writeFileSync(join(dir, 'src', deep), 'hello');
  writeFileSync(join(dir, 'src', 'short'), 'x'.repeat(1500));

  it.each(['gnu', 'pax', 'ustar'])('--format=%s: the same entries, long names whole, from a file and from a stream', async (format) => {
    const archive = join(dir, `${format}.tar`);
    execFileSync('tar', ['-cf', archive, `--format=${format}`, '--sort=name', '-C', join(dir, 'src'), 'short', deep]);
    const fromFile: string[] = [];
    readTar(archive, (e, data) =>
      fromFile.push(`${e.type} ${e.name}${e.name.endsWith('read-me') ? ` ${data().subarray(0, e.size).toString()}` : ''}`),
    );
    expect(fromFile).toEqual(['0 short', `0 ${deep} hello`]);
    const bytes = readFileSync(archive);
    for (const chunk of [1, 7, 512, 1 << 20]) expect([chunk, await streamEntries(bytes, chunk)]).toEqual([chunk, fromFile]);
  });

  it('a stream cut short ends without an error, and says the data was cut', async () => {
    const bytes = Buffer.concat([block({ name: 'read-me', size: 1000 }), Buffer.alloc(100, 0x61)]);
    const reader = new TarStreamReader(chunked(bytes, 64));
    const e = await reader.next();
    expect(e?.name).toBe('read-me');
    expect(await reader.data(() => undefined)).toBe(false);
    expect(await reader.next()).toBeUndefined();
  });
});

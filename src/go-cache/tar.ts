/**
 * A small streaming tar reader/writer for the cache archives. The host never unpacks a cache
 * (the module cache is read-only on disk: 0444 files, 0555 dirs); it only filters and joins
 * tar streams, so there is nothing to chmod or `sudo rm` on the runner.
 *
 * Reads ustar, pax (`path`, `linkpath`, `size`) and GNU long names; writes ustar, with a pax
 * header when a name does not fit.
 */
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
// `.ts`, not `.js`: the demo loads this file under plain Node (through test/support/cache-server.ts).
import {
  BLOCK,
  checksumMatches,
  decodeHeader,
  isExtension,
  isZeroBlock,
  paddedSize,
  TarExtensions,
  type TarHeader,
} from '../tar/header.ts';

/** An entry as readTar hands it over: its name normalised (see normalizeName). */
export type TarEntry = TarHeader;

/** Normalises a tar or `find` path: no leading `./` or `/`, no trailing `/`. */
export function normalizeName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  while (n.startsWith('/')) n = n.slice(1);
  while (n.endsWith('/')) n = n.slice(0, -1);
  return n === '.' ? '' : n;
}

/** Reads a file sequentially through one large buffer (no concatenation per chunk). */
class Reader {
  private buf = Buffer.allocUnsafe(8 << 20);
  private start = 0;
  private end = 0;
  private eof = false;
  /** Bytes handed out so far: the offset in the file of the next read. */
  position = 0;
  private readonly fd: number;
  constructor(fd: number) {
    this.fd = fd;
  }
  private fill(): void {
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end < this.buf.length && !this.eof) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (got === 0) this.eof = true;
      this.end += got;
    }
  }
  /** Exactly n bytes, or fewer at end of file. The result is valid until the next read. */
  read(n: number): Buffer {
    if (this.end - this.start < n && !this.eof) {
      if (n > this.buf.length) {
        // Larger than the buffer: hand back a buffer of its own.
        const out = Buffer.allocUnsafe(n);
        let have = this.end - this.start;
        this.buf.copy(out, 0, this.start, this.end);
        this.start = this.end = 0;
        this.position += have;
        while (have < n) {
          const got = readSync(this.fd, out, have, n - have, null);
          if (got === 0) {
            this.eof = true;
            break;
          }
          have += got;
          this.position += got;
        }
        return out.subarray(0, have);
      }
      this.fill();
    }
    const take = Math.min(n, this.end - this.start);
    const out = this.buf.subarray(this.start, this.start + take);
    this.start += take;
    this.position += take;
    return out;
  }
}

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

/**
 * Calls `visit` for each entry of the archive at `path`. `visit` gets the entry, a function
 * returning its data padded to whole blocks (call it or not; unread data is skipped) and the
 * offset where the entry begins (its pax or long-name headers included) and that of its own
 * header (after them). Returns the offset
 * where the end-of-archive blocks begin (where entries can be appended).
 */
export function readTar(path: string, visit: (entry: TarEntry, data: () => Buffer, offset: number, headerOffset: number) => void): number {
  const fd = openSync(path, 'r');
  try {
    const reader = new Reader(fd);
    const extensions = new TarExtensions();
    let entryStart = 0;
    for (;;) {
      const at = reader.position;
      // A header not preceded by pax or long-name headers starts an entry.
      if (!extensions.pending) entryStart = at;
      const header = readHeader(reader);
      if (!header) return at;
      const size = extensions.dataSize(header);
      let consumed = false;
      const data = (): Buffer => {
        consumed = true;
        return readData(reader, size);
      };
      if (isExtension(header.type)) {
        extensions.add(header.type, data().subarray(0, size));
        continue;
      }
      const entry = extensions.apply(header);
      visit({ ...entry, name: normalizeName(entry.name) }, data, entryStart, at);
      if (!consumed) readData(reader, size);
    }
  } finally {
    closeSync(fd);
  }
}

/** The next header, checked; undefined at the end of the archive. */
function readHeader(reader: Reader): TarHeader | undefined {
  const block = reader.read(BLOCK);
  if (block.length === 0) return undefined;
  if (block.length < BLOCK) throw new TarFormatError('truncated tar header');
  if (isZeroBlock(block)) return undefined;
  if (!checksumMatches(block)) throw new TarFormatError('bad tar header checksum');
  return decodeHeader(block);
}

/** An entry's data of `size` bytes, padded to whole blocks. */
function readData(reader: Reader, size: number): Buffer {
  const padded = paddedSize(size);
  const d = reader.read(padded);
  if (d.length < padded) throw new TarFormatError('truncated tar data');
  return d;
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function header(entry: TarEntry, name: string, type: string, size: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  buf.write(name, 0, 100, 'utf8');
  writeOctal(buf, 100, 8, entry.mode & 0o7777);
  writeOctal(buf, 108, 8, entry.uid);
  writeOctal(buf, 116, 8, entry.gid);
  writeOctal(buf, 124, 12, size);
  writeOctal(buf, 136, 12, Math.max(0, entry.mtime));
  buf.write(type, 156, 1, 'ascii');
  buf.write(entry.linkname.slice(0, 100), 157, 100, 'utf8');
  buf.write('ustar\0', 257, 6, 'ascii');
  buf.write('00', 263, 2, 'ascii');
  buf.fill(32, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += buf[i]!;
  buf.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return buf;
}

/** Writes a tar file entry by entry. */
export class TarWriter {
  private readonly fd: number;
  /** Size of the archive so far (with `appendAt`, the kept part counts). */
  bytes = 0;
  /**
   * `appendAt`: keep the existing archive up to this offset (where its end-of-archive blocks
   * begin, as `readTar` returns it) and write after it, instead of starting a new file.
   */
  constructor(path: string, appendAt?: number) {
    if (appendAt === undefined) {
      this.fd = openSync(path, 'w');
      return;
    }
    this.fd = openSync(path, 'r+');
    ftruncateSync(this.fd, appendAt);
    this.bytes = appendAt;
  }
  private write(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.bytes + off);
    this.bytes += buf.length;
  }
  /** `data` is the entry's data padded to whole blocks (as readTar hands it over). */
  add(entry: TarEntry, data?: Buffer): void {
    const name = entry.type === '5' ? `${entry.name}/` : entry.name;
    const size = entry.type === '0' ? entry.size : 0;
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(entry.linkname) > 100) {
      let records = paxRecord('path', name);
      if (entry.linkname) records += paxRecord('linkpath', entry.linkname);
      const body = Buffer.from(records, 'utf8');
      const padded = Buffer.alloc(paddedSize(body.length));
      body.copy(padded);
      this.write(header({ ...entry, linkname: '' }, 'PaxHeader', 'x', body.length));
      this.write(padded);
    }
    this.write(header(entry, Buffer.byteLength(name) > 100 ? name.slice(-99) : name, entry.type, size));
    if (size > 0) {
      const padded = paddedSize(size);
      if (!data || data.length < padded) throw new TarFormatError(`no data for ${entry.name}`);
      this.write(data.subarray(0, padded));
    }
  }
  close(): void {
    try {
      this.write(Buffer.alloc(BLOCK * 2));
    } finally {
      closeSync(this.fd);
    }
  }
}

export interface MergeSource {
  path: string;
  /** Keeps an entry of this source (default: all). */
  keep?: (entry: TarEntry) => boolean;
  /** Strips this directory prefix from names; entries outside it are skipped. */
  under?: string;
}

export interface MergeResult {
  files: number;
  bytes: number;
  /** Regular-file data bytes. */
  dataBytes: number;
}

/**
 * Joins archives into one: entries of later sources replace earlier ones with the same name
 * (an earlier entry is dropped when a later source has it). Directories are kept once.
 */
export function mergeTars(out: string, sources: MergeSource[]): MergeResult {
  // Names each later source brings (a first pass; later sources are the small ones: new files).
  const names: Set<string>[] = sources.map(() => new Set());
  for (let i = 1; i < sources.length; i++) {
    const src = sources[i]!;
    readTar(src.path, (e) => {
      const name = strip(e.name, src.under);
      if (name && e.type !== '5' && (src.keep?.({ ...e, name }) ?? true)) names[i]!.add(name);
    });
  }
  const writer = new TarWriter(out);
  const dirs = new Set<string>();
  const counts = { files: 0, dataBytes: 0 };
  try {
    sources.forEach((src, i) => {
      const replaced = (name: string): boolean => names.some((set, j) => j > i && set.has(name));
      copyEntries(src, writer, dirs, replaced, counts);
    });
  } finally {
    writer.close();
  }
  return { ...counts, bytes: writer.bytes };
}

/**
 * Copies one source's kept entries to the writer: directories once (tracked in `dirs`),
 * other entries unless `replaced` says a later source brings them; counts regular files.
 */
function copyEntries(
  source: MergeSource,
  writer: TarWriter,
  dirs: Set<string>,
  replaced: (name: string) => boolean,
  counts: { files: number; dataBytes: number },
): void {
  readTar(source.path, (e, data) => {
    const name = strip(e.name, source.under);
    if (!name) return;
    const entry = { ...e, name };
    if (!(source.keep?.(entry) ?? true)) return;
    if (entry.type === '5') {
      if (!dirs.has(name)) {
        dirs.add(name);
        writer.add(entry);
      }
      return;
    }
    if (replaced(name)) return;
    writer.add(entry, entry.type === '0' && entry.size > 0 ? data() : undefined);
    if (entry.type === '0') {
      counts.files++;
      counts.dataBytes += entry.size;
    }
  });
}

function strip(name: string, under: string | undefined): string | undefined {
  if (!under) return name;
  const prefix = normalizeName(under);
  if (name === prefix) return '';
  return name.startsWith(`${prefix}/`) ? name.slice(prefix.length + 1) : undefined;
}

export interface TarIndex {
  /** Regular files (normalised names), in archive order. */
  files: string[];
  /** Bytes each file takes in the archive (its header and padded data), same order. */
  fileBytes: number[];
  /** Directories (normalised names). */
  dirs: Set<string>;
  /** Where the end-of-archive blocks begin: entries can be appended from here. */
  end: number;
  /**
   * An entry boundary near the middle (undefined for fewer than 2 entries): the archive can be
   * unpacked as two streams, [0, split) followed by end-of-archive blocks, and [split, size).
   */
  split?: number;
}

/** Reads an archive through (validating it) and indexes it. */
export function indexTar(path: string): TarIndex {
  const files: string[] = [];
  const fileBytes: number[] = [];
  const dirs = new Set<string>();
  const starts: number[] = [];
  const end = readTar(path, (e, _data, offset) => {
    starts.push(offset);
    if (e.type === '0') {
      files.push(e.name);
      fileBytes.push(BLOCK + paddedSize(e.size));
    } else if (e.type === '5') dirs.add(e.name);
  });
  let split: number | undefined;
  for (const offset of starts)
    if (offset > 0 && (split === undefined || Math.abs(offset - end / 2) < Math.abs(split - end / 2))) split = offset;
  return { files, fileBytes, dirs, end, split };
}

/**
 * Appends the entries of `source` (under its `under` prefix, like mergeTars) to the archive
 * at `path`, which ends at `end`; directories in `skipDirs` are not written again. Only for
 * sources whose files the archive does not hold (tar keeps the last copy on extract anyway).
 */
export function appendTar(path: string, end: number, source: MergeSource, skipDirs: Set<string>): MergeResult {
  const writer = new TarWriter(path, end);
  const counts = { files: 0, dataBytes: 0 };
  try {
    copyEntries(source, writer, new Set(skipDirs), () => false, counts);
  } finally {
    writer.close();
  }
  return { ...counts, bytes: writer.bytes };
}

/**
 * A small streaming tar reader/writer for the cache archives. The host never unpacks a cache
 * (the module cache is read-only on disk: 0444 files, 0555 dirs); it only filters and joins
 * tar streams, so there is nothing to chmod or `sudo rm` on the runner.
 *
 * Reads ustar, pax (`path`, `linkpath`, `size`) and GNU long names; writes ustar, with a pax
 * header when a name does not fit.
 */
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

const BLOCK = 512;

export interface TarEntry {
  /** Path without a leading `./` (directories without the trailing `/`). */
  name: string;
  /** '0' file, '5' directory, '2' symlink, '1' hard link, … */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
}

/** Normalises a tar or `find` path: no leading `./` or `/`, no trailing `/`. */
export function normalizeName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  while (n.startsWith('/')) n = n.slice(1);
  while (n.endsWith('/')) n = n.slice(0, -1);
  return n === '.' ? '' : n;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const slice = buf.subarray(offset, offset + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

function readOctal(buf: Buffer, offset: number, length: number): number {
  // GNU base-256 for large numbers.
  if ((buf[offset]! & 0x80) !== 0) {
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + buf[offset + i]!;
    return value;
  }
  const text = readString(buf, offset, length).trim();
  return text ? parseInt(text, 8) : 0;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = parseInt(data.subarray(pos, space).toString('utf8'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
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
 * offset where the entry begins (its pax or long-name headers included). Returns the offset
 * where the end-of-archive blocks begin (where entries can be appended).
 */
export function readTar(path: string, visit: (entry: TarEntry, data: () => Buffer, offset: number) => void): number {
  const fd = openSync(path, 'r');
  try {
    const reader = new Reader(fd);
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    let entryStart = 0;
    for (;;) {
      const at = reader.position;
      // A header not preceded by pax or long-name headers starts an entry.
      if (longName === undefined && longLink === undefined && Object.keys(pax).length === 0) entryStart = at;
      const header = reader.read(BLOCK);
      if (header.length === 0) return at;
      if (header.length < BLOCK) throw new TarFormatError('truncated tar header');
      if (header.every((b) => b === 0)) return at;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
      if (sum !== readOctal(header, 148, 8)) throw new TarFormatError('bad tar header checksum');
      const type = String.fromCharCode(header[156] || 0x30);
      let size = readOctal(header, 124, 12);
      if (pax.size) size = Number(pax.size);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      let consumed = false;
      const data = (): Buffer => {
        consumed = true;
        const d = reader.read(padded);
        if (d.length < padded) throw new TarFormatError('truncated tar data');
        return d;
      };
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        const body = data().subarray(0, size);
        if (type === 'x') pax = { ...pax, ...parsePax(body) };
        else if (type === 'L') longName = body.toString('utf8').replace(/\0+$/, '');
        else if (type === 'K') longLink = body.toString('utf8').replace(/\0+$/, '');
        continue;
      }
      const prefix = readString(header, 345, 155);
      const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${readString(header, 0, 100)}` : readString(header, 0, 100));
      const entry: TarEntry = {
        name: normalizeName(rawName),
        type: type === '\0' ? '0' : type,
        mode: readOctal(header, 100, 8),
        uid: readOctal(header, 108, 8),
        gid: readOctal(header, 116, 8),
        size,
        mtime: pax.mtime ? Math.floor(Number(pax.mtime)) : readOctal(header, 136, 12),
        linkname: pax.linkpath ?? longLink ?? readString(header, 157, 100),
      };
      pax = {};
      longName = undefined;
      longLink = undefined;
      visit(entry, data, entryStart);
      if (!consumed) {
        const skipped = reader.read(padded);
        if (skipped.length < padded) throw new TarFormatError('truncated tar data');
      }
    }
  } finally {
    closeSync(fd);
  }
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
      const padded = Buffer.alloc(Math.ceil(body.length / BLOCK) * BLOCK);
      body.copy(padded);
      this.write(header({ ...entry, linkname: '' }, 'PaxHeader', 'x', body.length));
      this.write(padded);
    }
    this.write(header(entry, Buffer.byteLength(name) > 100 ? name.slice(-99) : name, entry.type, size));
    if (size > 0) {
      const padded = Math.ceil(size / BLOCK) * BLOCK;
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
      fileBytes.push(BLOCK + Math.ceil(e.size / BLOCK) * BLOCK);
    } else if (e.type === '5') dirs.add(e.name);
  });
  let split: number | undefined;
  for (const offset of starts) if (offset > 0 && (split === undefined || Math.abs(offset - end / 2) < Math.abs(split - end / 2))) split = offset;
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

/** Lists the regular files of an archive (normalised names). */
export function listTarFiles(path: string): string[] {
  const out: string[] = [];
  readTar(path, (e) => {
    if (e.type === '0') out.push(e.name);
  });
  return out;
}

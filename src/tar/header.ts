/**
 * Tar headers as ustar, pax and GNU tar write them: one decoder for the cache archives (read
 * from a file) and for image layers (read from a stream). Pure: blocks in, fields out.
 */
export const BLOCK = 512;

/** One entry's fields, from its ustar block, with pax or GNU long-name headers applied. */
export interface TarHeader {
  /** The path as written (ustar `prefix/name`, or the pax `path` or GNU long name). */
  name: string;
  /** '0' file, '5' directory, '2' symlink, '1' hard link, 'x' pax, 'L' GNU long name, … */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data after the header (a pax `size` wins over the ustar field). */
  size: number;
  mtime: number;
  linkname: string;
}

/** Pure: a NUL-terminated text field. */
export function readString(buf: Buffer, offset: number, length: number): string {
  const slice = buf.subarray(offset, offset + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

/** Pure: an octal number field, or GNU base-256 (high bit set) for numbers octal cannot hold. */
export function readNumber(buf: Buffer, offset: number, length: number): number {
  if ((buf[offset]! & 0x80) !== 0) {
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + buf[offset + i]!;
    return value;
  }
  const text = readString(buf, offset, length).trim();
  return text ? parseInt(text, 8) : 0;
}

/** Pure: the bytes the data of `size` takes, padded to whole blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Pure: a block of zeros (two of them end an archive). */
export function isZeroBlock(block: Buffer): boolean {
  return block.every((b) => b === 0);
}

/** Pure: whether the header's checksum (its bytes, the checksum field read as spaces) matches. */
export function checksumMatches(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === readNumber(block, 148, 8);
}

/** Pure: the fields of one header block as written (no pax or long names applied). */
export function decodeHeader(block: Buffer): TarHeader {
  const prefix = readString(block, 345, 155);
  const name = readString(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    type: String.fromCharCode(block[156] || 0x30),
    mode: readNumber(block, 100, 8),
    uid: readNumber(block, 108, 8),
    gid: readNumber(block, 116, 8),
    size: readNumber(block, 124, 12),
    mtime: readNumber(block, 136, 12),
    linkname: readString(block, 157, 100),
  };
}

/** Pure: the records of a pax header's data (`<length> <key>=<value>\n` each). */
export function parsePax(data: Buffer): Record<string, string> {
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

/** Headers that describe the entry after them: pax (`x`), global pax (`g`), GNU long name (`L`) and long link (`K`). */
export function isExtension(type: string): boolean {
  return type === 'x' || type === 'g' || type === 'L' || type === 'K';
}

/**
 * What the extension headers before an entry say about it, gathered until the entry comes.
 * A pax `path` wins over a GNU long name; global pax headers are read past.
 */
export class TarExtensions {
  private pax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;

  /** Extension headers were read that no entry has taken yet. */
  get pending(): boolean {
    return this.longName !== undefined || this.longLink !== undefined || Object.keys(this.pax).length > 0;
  }

  /** The bytes of data after this header (a pending pax `size` wins). */
  dataSize(header: TarHeader): number {
    return this.pax.size ? Number(this.pax.size) : header.size;
  }

  /** Takes in an extension header's data (`dataSize` bytes, without the padding). */
  add(type: string, body: Buffer): void {
    if (type === 'x') this.pax = { ...this.pax, ...parsePax(body) };
    else if (type === 'L') this.longName = body.toString('utf8').replace(/\0+$/, '');
    else if (type === 'K') this.longLink = body.toString('utf8').replace(/\0+$/, '');
  }

  /** The entry with the pending extensions applied; they are cleared for the next entry. */
  apply(header: TarHeader): TarHeader {
    const { pax, longName, longLink } = this;
    const entry: TarHeader = {
      ...header,
      name: pax.path ?? longName ?? header.name,
      size: this.dataSize(header),
      mtime: pax.mtime ? Math.floor(Number(pax.mtime)) : header.mtime,
      linkname: pax.linkpath ?? longLink ?? header.linkname,
    };
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    return entry;
  }
}

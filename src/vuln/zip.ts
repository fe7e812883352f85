/**
 * A zip archive read whole from memory: the central directory, then each member stored or
 * deflated. Enough for the vulnerability database's zip; pure.
 */
import { inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The members of a zip by name; their bytes are unpacked when asked for. */
export class ZipArchive {
  private readonly members = new Map<string, { method: number; offset: number; compressed: number }>();

  private readonly data: Buffer;

  constructor(data: Buffer) {
    this.data = data;
    const min = Math.max(0, data.length - 22 - 0xffff);
    let eocd = -1;
    for (let i = data.length - 22; i >= min; i--)
      if (data.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
    const count = data.readUInt16LE(eocd + 10);
    let at = data.readUInt32LE(eocd + 16);
    for (let i = 0; i < count; i++) {
      if (at + 46 > data.length || data.readUInt32LE(at) !== CENTRAL) throw new Error('a zip central directory entry is damaged');
      const method = data.readUInt16LE(at + 10);
      const compressed = data.readUInt32LE(at + 20);
      const nameLen = data.readUInt16LE(at + 28);
      const extraLen = data.readUInt16LE(at + 30);
      const commentLen = data.readUInt16LE(at + 32);
      const offset = data.readUInt32LE(at + 42);
      const name = data.toString('utf8', at + 46, at + 46 + nameLen);
      this.members.set(name, { method, offset, compressed });
      at += 46 + nameLen + extraLen + commentLen;
    }
  }

  names(): string[] {
    return [...this.members.keys()];
  }

  /** A member's bytes; undefined when the archive has no such member. */
  read(name: string): Buffer | undefined {
    const m = this.members.get(name);
    if (!m) return undefined;
    const d = this.data;
    if (m.offset + 30 > d.length || d.readUInt32LE(m.offset) !== LOCAL) throw new Error(`the zip member ${name} is damaged`);
    const start = m.offset + 30 + d.readUInt16LE(m.offset + 26) + d.readUInt16LE(m.offset + 28);
    const raw = d.subarray(start, start + m.compressed);
    if (m.method === 0) return Buffer.from(raw);
    if (m.method === 8) return inflateRawSync(raw);
    throw new Error(`the zip member ${name} is compressed with method ${m.method}, which is not read`);
  }
}

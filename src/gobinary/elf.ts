/**
 * What an ELF file's first bytes say about how it is linked: a program with a PT_INTERP
 * program header is dynamically linked and cannot start unless the file it names (the
 * dynamic loader, e.g. /lib/ld-musl-x86_64.so.1) is in the image. Pure: bytes in, facts out.
 */

/** How many bytes of a program are kept to read this (headers and PT_INTERP sit in its first page). */
export const ELF_HEAD_BYTES = 64 * 1024;

const PT_INTERP = 3;
const MAX_INTERP = 4096;

export type ElfLinking =
  /** No PT_INTERP: the kernel starts it as it is (a static program). */
  | { kind: 'static' }
  /** PT_INTERP names the loader the kernel runs first. */
  | { kind: 'dynamic'; interpreter: string }
  /** Not ELF, or the bytes kept end before the headers do. */
  | { kind: 'unknown'; why: string };

interface Layout {
  is64: boolean;
  le: boolean;
}

function reader(buf: Buffer, { is64, le }: Layout): { u16(at: number): number; u32(at: number): number; word(at: number): number } {
  const u16 = (at: number): number => (le ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
  const u32 = (at: number): number => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const u64 = (at: number): number => Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at));
  return { u16, u32, word: is64 ? u64 : u32 };
}

/** Pure: how the ELF file whose first bytes are `head` is linked. */
export function elfLinking(head: Buffer): ElfLinking {
  if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) return { kind: 'unknown', why: 'not an ELF file' };
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return { kind: 'unknown', why: 'an ELF header of an unknown class' };
  const layout = { is64: cls === 2, le: data === 1 };
  if (layout.is64 && head.length < 64) return { kind: 'unknown', why: 'the ELF header is cut short' };
  const r = reader(head, layout);
  const phoff = layout.is64 ? r.word(32) : r.word(28);
  const phentsize = r.u16(layout.is64 ? 54 : 42);
  const phnum = r.u16(layout.is64 ? 56 : 44);
  if (phentsize < (layout.is64 ? 56 : 32))
    return phnum === 0 ? { kind: 'static' } : { kind: 'unknown', why: 'program headers of an unknown size' };
  if (phoff + phnum * phentsize > head.length) return { kind: 'unknown', why: 'the program headers lie beyond the bytes read' };
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (r.u32(at) !== PT_INTERP) continue;
    const offset = layout.is64 ? r.word(at + 8) : r.word(at + 4);
    const size = layout.is64 ? r.word(at + 32) : r.word(at + 16);
    if (size === 0 || size > MAX_INTERP) return { kind: 'unknown', why: 'a PT_INTERP of an impossible size' };
    if (offset + size > head.length) return { kind: 'unknown', why: 'the loader path lies beyond the bytes read' };
    const interpreter = head
      .subarray(offset, offset + size)
      .toString('utf8')
      .replace(/\0+$/, '');
    return interpreter ? { kind: 'dynamic', interpreter } : { kind: 'unknown', why: 'an empty PT_INTERP' };
  }
  return { kind: 'static' };
}

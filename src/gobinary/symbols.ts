/**
 * The function names a Go binary links, read from its pclntab: the table the runtime keeps for
 * stack traces, which `-s -w` does not strip. In ELF it is the `.gopclntab` section; the header
 * starts with a magic (0xfffffff1 since Go 1.20, 0xfffffff0 for 1.18-1.19, 0xfffffffa for
 * 1.16-1.17). Every name the table refers to, inlined functions' too, is in its funcnametab:
 * NUL-terminated strings between funcnameOffset and cuOffset. Pure: bytes in, names out.
 */

const MAGICS = new Set([0xfffffff1, 0xfffffff0, 0xfffffffa]);

/** The package-qualified names a binary links: package path -> symbols (`Parse`, `Client.Do`). */
export type LinkedSymbols = Map<string, Set<string>>;

interface Endian {
  u16(buf: Buffer, at: number): number;
  u32(buf: Buffer, at: number): number;
  word(buf: Buffer, at: number, size: number): number;
}

function endian(le: boolean): Endian {
  return {
    u16: (b, at) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at)),
    u32: (b, at) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at)),
    word: (b, at, size) =>
      size === 8 ? Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)) : le ? b.readUInt32LE(at) : b.readUInt32BE(at),
  };
}

/** Pure: where the `.gopclntab` section lies in an ELF file, from its section headers; undefined when it has none. */
export function elfSection(file: Buffer, wanted: string): { offset: number; size: number } | undefined {
  if (file.length < 64 || file.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = file[4] === 2;
  const e = endian(file[5] === 1);
  const w = is64 ? 8 : 4;
  const shoff = e.word(file, is64 ? 0x28 : 0x20, w);
  const shentsize = e.u16(file, is64 ? 0x3a : 0x2e);
  const shnum = e.u16(file, is64 ? 0x3c : 0x30);
  const shstrndx = e.u16(file, is64 ? 0x3e : 0x32);
  if (!shoff || shnum === 0 || shoff + shnum * shentsize > file.length || shstrndx >= shnum) return undefined;
  const section = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return {
      name: e.u32(file, at),
      offset: e.word(file, at + (is64 ? 0x18 : 0x10), w),
      size: e.word(file, at + (is64 ? 0x20 : 0x14), w),
    };
  };
  const names = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const at = names.offset + s.name;
    if (at + wanted.length + 1 > file.length) continue;
    if (file.toString('latin1', at, at + wanted.length) === wanted && file[at + wanted.length] === 0)
      return s.offset + s.size <= file.length ? { offset: s.offset, size: s.size } : undefined;
  }
  return undefined;
}

interface Header {
  funcnames: number;
  funcnamesEnd: number;
}

/** Pure: the funcnametab's bounds of a pclntab that starts at `at`, when the header there is a real one. */
function pclnHeader(file: Buffer, at: number, end: number): Header | undefined {
  if (at + 8 > end) return undefined;
  const le = file.readUInt32LE(at);
  const be = file.readUInt32BE(at);
  const isLe = MAGICS.has(le);
  if (!isLe && !MAGICS.has(be)) return undefined;
  const magic = isLe ? le : be;
  const minLC = file[at + 6]!;
  const ptr = file[at + 7]!;
  if (file[at + 4] !== 0 || file[at + 5] !== 0 || ![1, 2, 4].includes(minLC) || (ptr !== 4 && ptr !== 8)) return undefined;
  const e = endian(isLe);
  // Go 1.18 added textStart after nfiles; 1.16-1.17 have none.
  const first = magic === 0xfffffffa ? 2 : 3;
  if (at + 8 + (first + 2) * ptr > end) return undefined;
  const funcnameOffset = e.word(file, at + 8 + first * ptr, ptr);
  const cuOffset = e.word(file, at + 8 + (first + 1) * ptr, ptr);
  const funcnames = at + funcnameOffset;
  const funcnamesEnd = at + cuOffset;
  if (funcnameOffset < 8 || funcnamesEnd <= funcnames || funcnamesEnd > end) return undefined;
  return { funcnames, funcnamesEnd };
}

/**
 * Pure: every function name in a Go binary's pclntab (raw, as the linker wrote them). The
 * section is found by its header; a file without section headers is searched for the magic,
 * and a candidate counts only when its header holds together.
 */
export function functionNames(file: Buffer): string[] | undefined {
  const section = elfSection(file, '.gopclntab');
  let header = section ? pclnHeader(file, section.offset, section.offset + section.size) : undefined;
  for (let from = 0; !header && from < file.length;) {
    const le = file.indexOf(Buffer.from([0xf1, 0xff, 0xff, 0xff, 0, 0]), from);
    const be = file.indexOf(Buffer.from([0xff, 0xff, 0xff, 0xf1, 0, 0]), from);
    const at = le < 0 ? be : be < 0 ? le : Math.min(le, be);
    if (at < 0) break;
    header = pclnHeader(file, at, file.length);
    from = at + 1;
  }
  if (!header) return undefined;
  return file
    .toString('utf8', header.funcnames, header.funcnamesEnd)
    .split('\0')
    .filter((n) => n.length > 0);
}

/** Pure: `T[...]` with every bracketed type list removed (`F[go.shape.int]` -> `F`). */
function dropTypeParams(s: string): string {
  if (!s.includes('[')) return s;
  let out = '';
  let depth = 0;
  for (const ch of s) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

/**
 * Pure: a linker symbol as a package path and a symbol the database would write:
 * `net/http.(*Client).Do` -> `net/http` + `Client.Do`; `pkg.F[...]` -> `F`; closures
 * (`F.func1`) and method values (`M-fm`) count as their function; `%2e` in the path's last
 * element (how the linker writes `gopkg.in/yaml.v3`) is a dot again.
 */
export function splitSymbol(name: string): { path: string; symbol: string } | undefined {
  const slash = name.lastIndexOf('/', name.indexOf('(') >= 0 ? name.indexOf('(') : name.indexOf('[') >= 0 ? name.indexOf('[') : undefined);
  const dot = name.indexOf('.', slash + 1);
  if (dot <= 0) return undefined;
  const path = name.slice(0, dot).replace(/%2e/gi, '.');
  let symbol = dropTypeParams(name.slice(dot + 1))
    .replace(/^\(\*?([^)]*)\)/, '$1')
    .replace(/-fm$/, '');
  symbol = symbol.replace(/(\.func\d+)+(\.\d+)*$/, '').replace(/\.gowrap\d+$/, '');
  if (!symbol || path.includes(':') || path.startsWith('go.') || path === 'type') return undefined;
  return { path, symbol };
}

/** Pure: the names a binary links, by package. */
export function linkedSymbols(names: readonly string[]): LinkedSymbols {
  const out: LinkedSymbols = new Map();
  for (const name of names) {
    const s = splitSymbol(name);
    if (!s) continue;
    let set = out.get(s.path);
    if (!set) out.set(s.path, (set = new Set()));
    set.add(s.symbol);
  }
  return out;
}

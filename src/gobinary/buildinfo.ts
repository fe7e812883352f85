/**
 * Go's build info, as every Go binary embeds it (what `go version -m` prints): found by its
 * magic as the file's bytes stream past, and parsed. Pure: bytes in, build info out.
 */
import { ELF_HEAD_BYTES } from './elf.js';
import type { LinkedSymbols } from './symbols.js';

/** A module in a Go binary's build info. */
export interface GoModule {
  path: string;
  version: string;
  /** `=> path version` when the module is replaced. */
  replacedBy?: { path: string; version: string };
}

/** What Go embeds in every binary it builds (the data `go version -m` prints). */
export interface GoBuildInfo {
  goVersion: string;
  /** The package path of `main`. */
  path: string;
  main?: GoModule;
  deps: GoModule[];
  settings: Record<string, string>;
}

/** A Go program: where it is, its build info, and the functions it links when they were read. */
export interface GoProgram {
  /** The file's path (in an image: its absolute path there). */
  path: string;
  buildInfo: GoBuildInfo;
  /** The functions it links, from its pclntab, when they were asked for and could be read (the vulnerability scan). */
  symbols?: LinkedSymbols;
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ELF_MAGIC = Buffer.from('\x7fELF', 'latin1');
const FLAGS_VERSION_INLINE = 0x2;

function readUvarint(buf: Buffer, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

/** Pure: parses the module text of build info (`path`, `mod`, `dep`, `=>`, `build` lines). */
export function parseModInfo(goVersion: string, text: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, path: '', deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    switch (f[0]) {
      case 'path':
        info.path = f[1] ?? '';
        break;
      case 'mod':
        info.main = { path: f[1] ?? '', version: f[2] ?? '' };
        last = info.main;
        break;
      case 'dep':
        last = { path: f[1] ?? '', version: f[2] ?? '' };
        info.deps.push(last);
        break;
      case '=>':
        if (last) last.replacedBy = { path: f[1] ?? '', version: f[2] ?? '' };
        break;
      case 'build': {
        const kv = f.slice(1).join('\t');
        const eq = kv.indexOf('=');
        if (eq > 0) info.settings[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
    }
  }
  return info;
}

/**
 * Pure: the build info in a buffer that starts at the magic. `more` when the buffer ends
 * before the strings do; `invalid` when this is not a real build-info blob (for example the
 * magic string itself inside a binary that imports debug/buildinfo).
 */
export function parseBuildInfoBlob(buf: Buffer): GoBuildInfo | 'more' | 'invalid' {
  if (buf.length < HEADER_SIZE) return 'more';
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return 'invalid';
  const ptrSize = buf[14]!;
  const flags = buf[15]!;
  if (ptrSize !== 4 && ptrSize !== 8) return 'invalid';
  // Before Go 1.18 the header held pointers into the binary instead of the strings.
  if ((flags & FLAGS_VERSION_INLINE) === 0) return 'invalid';
  const vlen = readUvarint(buf, HEADER_SIZE);
  if (!vlen) return 'more';
  if (vlen.next + vlen.value > buf.length) return 'more';
  const version = buf.subarray(vlen.next, vlen.next + vlen.value).toString('utf8');
  if (!/^(go1|devel)/.test(version)) return 'invalid';
  const mlen = readUvarint(buf, vlen.next + vlen.value);
  if (!mlen) return 'more';
  if (mlen.next + mlen.value > buf.length) return 'more';
  let mod = buf.subarray(mlen.next, mlen.next + mlen.value).toString('utf8');
  // cmd/go wraps the module text in 16-byte sentinels.
  if (mod.length >= 33 && mod[mod.length - 17] === '\n') mod = mod.slice(16, -16);
  else if (Buffer.byteLength(mod) >= 33) {
    const raw = buf.subarray(mlen.next, mlen.next + mlen.value);
    if (raw[raw.length - 17] === 0x0a) mod = raw.subarray(16, raw.length - 16).toString('utf8');
  }
  return parseModInfo(version, mod);
}

/** The largest build-info blob read before giving up (module text of very large programs). */
const MAX_BLOB = 8 << 20;

/**
 * Scans a file's bytes, as they stream past, for Go's build info. Keeps only a few bytes
 * between chunks until the magic shows up.
 */
export class BuildInfoScanner {
  private carry: Buffer = Buffer.alloc(0);
  private collecting: Buffer | undefined;
  result: GoBuildInfo | undefined;
  /** The file starts with the ELF magic (known once 4 bytes were seen). */
  sawElf = false;
  /** The file's first bytes (up to ELF_HEAD_BYTES): its ELF headers. */
  head: Buffer = Buffer.alloc(0);

  /** Whether the first bytes could still be, or are, an ELF header. */
  get maybeElf(): boolean {
    return this.head.length < 4 ? ELF_MAGIC.subarray(0, this.head.length).equals(this.head) : this.sawElf;
  }

  push(chunk: Buffer): void {
    if (this.result) return;
    if (this.head.length < ELF_HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, ELF_HEAD_BYTES - this.head.length)]);
      this.sawElf = this.head.length >= 4 && this.head.subarray(0, 4).equals(ELF_MAGIC);
    }
    if (this.collecting) {
      this.collecting = Buffer.concat([this.collecting, chunk]);
      this.tryParse();
      return;
    }
    let data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    for (;;) {
      const at = data.indexOf(MAGIC);
      if (at < 0) break;
      this.collecting = data.subarray(at);
      this.tryParse();
      if (this.result) return;
      if (this.collecting) return; // needs more bytes
      data = data.subarray(at + 1);
    }
    this.carry = Buffer.from(data.subarray(Math.max(0, data.length - (MAGIC.length - 1))));
  }

  private tryParse(): void {
    const buf = this.collecting!;
    const parsed = parseBuildInfoBlob(buf);
    if (parsed === 'more') {
      if (buf.length > MAX_BLOB) this.collecting = undefined;
      return;
    }
    if (parsed === 'invalid') {
      // Not the blob: keep scanning after this magic.
      this.collecting = undefined;
      const rest = buf.subarray(1);
      this.carry = Buffer.alloc(0);
      this.push(rest);
      return;
    }
    this.result = parsed;
    this.collecting = undefined;
  }
}

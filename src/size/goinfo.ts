import { createGunzip } from 'node:zlib';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { layerCompression } from '../oci/media-types.js';
import { TarStreamReader } from '../tar/stream.js';
import type { LayerSize } from './measure.js';
import type { BlobSource } from './source.js';
import { ELF_HEAD_BYTES, elfLinking, type ElfLinking } from './elf.js';
import { functionNames, linkedSymbols, type LinkedSymbols } from '../vuln/symbols.js';

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

export interface GoBinary {
  /** The file's path in the image. */
  path: string;
  sizeBytes: number;
  /** The layer that holds it. */
  layerDigest: string;
  buildInfo: GoBuildInfo;
  /** How it is linked (a dynamic program needs its loader in the image); absent when not read. */
  linking?: ElfLinking;
  /** The functions it links, from its pclntab, when they were asked for and could be read (the vulnerability scan). */
  symbols?: LinkedSymbols;
}

/** What reading a program keeps besides its build info. */
export interface ReadOptions {
  /** Read the whole program and its function table (for the vulnerability scan). */
  symbols?: boolean;
}

/** The largest program whose bytes are kept to read its function table. */
const MAX_PROGRAM = 512 << 20;

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

/** Pure: a tar path as an absolute image path. */
export function imagePath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

export interface LayerScan {
  binary?: { path: string; sizeBytes: number; buildInfo?: GoBuildInfo; head: Buffer; symbols?: LinkedSymbols };
  /** The wanted path was deleted in this layer (a whiteout): look no further down. */
  deleted: boolean;
}

/**
 * Streams one layer's tar and looks for the Go binary: the file at the entrypoint's path, or an
 * executable of the entrypoint's name (found through PATH), otherwise the first executable ELF
 * file with build info.
 * Stops reading as soon as it has the answer.
 */
export async function scanLayerTar(
  tar: AsyncIterable<Buffer>,
  target: ProgramTarget | undefined,
  opts: ReadOptions = {},
): Promise<LayerScan> {
  const wanted = target && 'path' in target ? target.path : undefined;
  const wantedName = target && 'name' in target ? target.name : undefined;
  const reader = new TarStreamReader(tar);
  for (let entry = await reader.next(); entry; entry = await reader.next()) {
    const name = imagePath(entry.name);
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (wanted && removedBy(name, base, wanted)) return { deleted: true };
    const regular = entry.type === '0' || entry.type === '7';
    const executable = (entry.mode & 0o111) !== 0 && entry.size > 0;
    const candidate = regular && (wanted ? name === wanted : wantedName ? executable && base === wantedName : executable);
    if (!candidate) continue;
    const scanner = new BuildInfoScanner();
    const keep = opts.symbols === true && entry.size <= MAX_PROGRAM;
    const kept: Buffer[] = [];
    // Stop once the build info is read (or the whole program, to read its functions), or at once for a file that is not a program.
    const whole = await reader.data((chunk) => {
      scanner.push(chunk);
      if (keep && scanner.maybeElf) kept.push(Buffer.from(chunk));
      return (scanner.result !== undefined && !(keep && scanner.maybeElf)) || (!wanted && !scanner.maybeElf);
    });
    if (!whole) return { deleted: false };
    const names = scanner.result && kept.length > 0 ? functionNames(Buffer.concat(kept)) : undefined;
    const symbols = names ? { symbols: linkedSymbols(names) } : {};
    if (wanted || scanner.result)
      return { binary: { path: name, sizeBytes: entry.size, buildInfo: scanner.result, head: scanner.head, ...symbols }, deleted: false };
  }
  return { deleted: false };
}

/** Pure: whether the entry `name` (file name `base`) is a whiteout that deletes `wanted`. */
function removedBy(name: string, base: string, wanted: string): boolean {
  if (!base.startsWith('.wh.')) return false;
  const dir = name.slice(0, name.lastIndexOf('/'));
  const removed = base === '.wh..wh..opq' ? dir : `${dir}/${base.slice(4)}`;
  return wanted === removed || wanted.startsWith(`${removed}/`);
}

/** A layer's tar, unpacked as it streams; undefined for a compression Node cannot read. */
export function decompress(stream: Readable, mediaType: string): AsyncIterable<Buffer> | undefined {
  switch (layerCompression(mediaType)) {
    case 'gzip':
      return stream.pipe(createGunzip());
    case 'zstd': {
      const make = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;
      return make ? (stream.pipe(make()) as unknown as AsyncIterable<Buffer>) : undefined;
    }
    case 'none':
      return stream;
    default:
      return undefined;
  }
}

/** The program an image runs: a path, or a bare name looked up through PATH. */
export type ProgramTarget = { path: string } | { name: string };

const LAUNCHERS = new Set(['sh', 'bash', 'ash', 'tini', 'dumb-init', 'env']);

/** Pure: where the program an image runs lives, from its entrypoint and working directory. */
export function entrypointPath(entrypoint: string[], workingDir: string): ProgramTarget | undefined {
  const first = entrypoint[0];
  if (!first || /\s/.test(first)) return undefined;
  // A shell or an init process: the Go program is somewhere else; search for it.
  if (LAUNCHERS.has(first.slice(first.lastIndexOf('/') + 1))) return undefined;
  if (first.startsWith('/')) return { path: imagePath(first) };
  if (first.includes('/')) return { path: imagePath(`${workingDir}/${first}`) };
  return { name: first };
}

async function scanLayer(source: BlobSource, layer: LayerSize, target: ProgramTarget | undefined, opts: ReadOptions): Promise<LayerScan> {
  const raw = await source.stream(layer.digest);
  const tar = decompress(raw, layer.mediaType);
  try {
    return tar ? await scanLayerTar(tar, target, opts) : { deleted: false };
  } finally {
    raw.destroy();
    (tar as Partial<Readable> | undefined)?.destroy?.();
  }
}

function found(scan: LayerScan, layer: LayerSize): GoBinary | undefined {
  const b = scan.binary;
  return b?.buildInfo
    ? {
        path: b.path,
        sizeBytes: b.sizeBytes,
        layerDigest: layer.digest,
        buildInfo: b.buildInfo,
        linking: elfLinking(b.head),
        ...(b.symbols ? { symbols: b.symbols } : {}),
      }
    : undefined;
}

/**
 * Pure: the layers to read, in order. Layers whose Dockerfile instruction names the program
 * (`COPY --from=build /out/app /app`) come first, so a large data layer above it is not read;
 * then every layer from the top down.
 */
export function layerReadOrder(
  layers: Pick<LayerSize, 'instruction'>[],
  target: ProgramTarget | undefined,
): { hinted: number[]; topDown: number[] } {
  const topDown = layers.map((_, i) => i).reverse();
  const hint = target ? ('path' in target ? target.path : target.name) : undefined;
  const hinted = hint ? topDown.filter((i) => layers[i]!.instruction?.includes(hint)) : [];
  return { hinted, topDown };
}

/**
 * Finds the Go binary of one platform. Layers are streamed one at a time, and reading stops
 * at the first layer that has the program: the layer whose instruction names it first, then
 * from the top down (where a whiteout above the program means it was deleted).
 */
export async function findGoBinary(
  source: BlobSource,
  layers: LayerSize[],
  entrypoint: string[],
  workingDir: string,
  opts: ReadOptions = {},
): Promise<GoBinary | undefined> {
  const target = entrypointPath(entrypoint, workingDir);
  const { hinted, topDown } = layerReadOrder(layers, target);
  for (const i of hinted) {
    const scan = await scanLayer(source, layers[i]!, target, opts);
    // Only the topmost hinted layer can hold the file the image runs, unless it holds none.
    if (scan.binary) return found(scan, layers[i]!);
  }
  for (const i of topDown) {
    if (hinted.includes(i)) continue;
    const scan = await scanLayer(source, layers[i]!, target, opts);
    if (scan.deleted) return undefined;
    // A file at the entrypoint that has no build info: the program is not a Go program.
    if (scan.binary) return found(scan, layers[i]!);
  }
  return undefined;
}

export interface ModuleChange {
  path: string;
  before?: string;
  after?: string;
}

export interface ModuleDiff {
  added: ModuleChange[];
  removed: ModuleChange[];
  changed: ModuleChange[];
}

/** Pure: a module's version as shown, with its replacement. */
export function moduleVersion(m: GoModule): string {
  return m.replacedBy ? `${m.version} => ${m.replacedBy.path} ${m.replacedBy.version}`.trim() : m.version;
}

/** Pure: which dependency modules were added, removed or changed version. */
export function diffModules(before: GoModule[], after: GoModule[]): ModuleDiff {
  const b = new Map(before.map((m) => [m.path, moduleVersion(m)]));
  const a = new Map(after.map((m) => [m.path, moduleVersion(m)]));
  const diff: ModuleDiff = { added: [], removed: [], changed: [] };
  for (const [path, version] of a) {
    const old = b.get(path);
    if (old === undefined) diff.added.push({ path, after: version });
    else if (old !== version) diff.changed.push({ path, before: old, after: version });
  }
  for (const [path, version] of b) if (!a.has(path)) diff.removed.push({ path, before: version });
  const byPath = (x: ModuleChange, y: ModuleChange): number => x.path.localeCompare(y.path);
  diff.added.sort(byPath);
  diff.removed.sort(byPath);
  diff.changed.sort(byPath);
  return diff;
}

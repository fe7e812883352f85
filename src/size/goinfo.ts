import { createGunzip } from 'node:zlib';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { layerCompression } from '../oci/media-types.js';
import { TarStreamReader } from '../tar/stream.js';
import type { LayerSize } from './measure.js';
import type { BlobSource } from './source.js';
import { elfLinking, type ElfLinking } from '../gobinary/elf.js';
import { BuildInfoScanner, type GoBuildInfo, type GoModule, type GoProgram } from '../gobinary/buildinfo.js';
import { functionNames, linkedSymbols, type LinkedSymbols } from '../gobinary/symbols.js';

/** A Go program found in an image's layers. */
export interface GoBinary extends GoProgram {
  sizeBytes: number;
  /** The layer that holds it. */
  layerDigest: string;
  /** How it is linked (a dynamic program needs its loader in the image); absent when not read. */
  linking?: ElfLinking;
}

/** What reading a program keeps besides its build info. */
export interface ReadOptions {
  /** Read the whole program and its function table (for the vulnerability scan). */
  symbols?: boolean;
}

/** The largest program whose bytes are kept to read its function table. */
const MAX_PROGRAM = 512 << 20;

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

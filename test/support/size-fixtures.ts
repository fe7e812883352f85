/** Synthetic Go programs and tar layers for the size tests: Go's build-info blob as the linker writes it (1.18+). */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from './temp.ts';
const START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

export function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** The blob Go's linker writes (1.18+): 32-byte header, then the version and module text inline. */
export function buildInfoBlob(version: string, modinfo: string, flags = 0x2): Buffer {
  const header = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header);
  header[14] = 8;
  header[15] = flags;
  const mod = modinfo ? Buffer.concat([START, Buffer.from(modinfo), END]) : Buffer.alloc(0);
  return Buffer.concat([header, uvarint(Buffer.byteLength(version)), Buffer.from(version), uvarint(mod.length), mod]);
}

export const MODINFO = [
  'path\texample.com/hello',
  'mod\texample.com/hello\t(devel)\t',
  'dep\texample.com/greeting\tv1.1.0\th1:abc=',
  'dep\tgolang.org/x/text\tv0.3.0\th1:def=',
  '=>\t../text\t(devel)\t',
  'build\t-compiler=gc',
  'build\tGOARCH=arm64',
  '',
].join('\n');

/** A fake program: ELF magic, filler, a decoy magic (as in binaries importing debug/buildinfo), then the real blob. */
export function fakeGoBinary(filler = 5000): Buffer {
  const decoy = Buffer.concat([Buffer.from('\xff Go buildinf:', 'latin1'), Buffer.from('not a header at all, just a string constant')]);
  return Buffer.concat([
    Buffer.from('\x7fELF', 'latin1'),
    Buffer.alloc(filler, 1),
    decoy,
    Buffer.alloc(filler, 2),
    buildInfoBlob('go1.24.4', MODINFO),
    Buffer.alloc(filler, 3),
  ]);
}

export function tarHeader(name: string, size: number, type = '0', mode = 0o755, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(linkname.slice(0, 100), 157, 'utf8');
  h.write(mode.toString(8).padStart(7, '0') + '\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

export function tarEntry(name: string, content: Buffer, type = '0', mode = 0o755, linkname = ''): Buffer {
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([tarHeader(name, content.length, type, mode, linkname), content, pad]);
}

/** A symbolic link entry (`name` -> `target`). */
export function tarLink(name: string, target: string): Buffer {
  return tarEntry(name, Buffer.alloc(0), '2', 0o777, target);
}

export function paxEntry(path: string): Buffer {
  const record = (len: number): string => `${len} path=${path}\n`;
  let len = record(0).length;
  while (record(len).length !== len) len = record(len).length;
  return tarEntry('PaxHeaders/x', Buffer.from(record(len)), 'x', 0o644);
}

export function tar(...entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

/**
 * Writes an OCI image layout, as `buildx --output type=oci,tar=false` does: index.json -> image
 * index -> one manifest per platform (+ an attestation manifest) -> config and gzip layers.
 */
export function writeOciLayout(
  platforms: {
    os: string;
    architecture: string;
    variant?: string;
    files: { name: string; content: Buffer; type?: string; linkname?: string }[][];
  }[],
): { dir: string; layerSizes: Record<string, number[]> } {
  const dir = tempDir('size-oci');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer | string): { digest: string; size: number } => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const hex = createHash('sha256').update(buf).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), buf);
    return { digest: `sha256:${hex}`, size: buf.length };
  };
  const layerSizes: Record<string, number[]> = {};
  const manifests = platforms.map((p) => {
    const entry = (f: { name: string; content: Buffer; type?: string; linkname?: string }): Buffer =>
      tarEntry(f.name, f.content, f.type ?? '0', 0o755, f.linkname ?? '');
    const layers = p.files.map((files) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      ...put(gzipSync(tar(...files.map(entry)))),
    }));
    const platform = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
    layerSizes[platform] = layers.map((l) => l.size);
    const config = put(
      JSON.stringify({
        os: p.os,
        architecture: p.architecture,
        config: { Entrypoint: ['/hello'] },
        history: p.files.map((files) => ({
          created_by: `COPY ${files.map((f) => f.name).join(' ')} / # buildkit`,
          comment: 'buildkit.dockerfile.v0',
        })),
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    );
    const manifest = put(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers,
      }),
    );
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) },
    };
  });
  const attestation = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put('{}') },
      layers: [],
    }),
  );
  const index = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        ...manifests,
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...attestation,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index }] }),
  );
  return { dir, layerSizes };
}

/**
 * An ELF program as a linker lays it out: the header, its program headers (a PT_LOAD, and a
 * PT_INTERP naming `interp` when given: a dynamically linked program), the loader's path, then `rest`.
 */
export function elfProgram(interp: string | undefined, rest: Buffer, is64 = true): Buffer {
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = interp ? 2 : 1;
  const head = Buffer.alloc(ehsize + phnum * phentsize);
  Buffer.from('\x7fELF', 'latin1').copy(head);
  head[4] = is64 ? 2 : 1;
  head[5] = 1;
  head[6] = 1;
  head.writeUInt16LE(2, 16);
  head.writeUInt16LE(is64 ? 62 : 40, 18);
  if (is64) head.writeBigUInt64LE(BigInt(ehsize), 32);
  else head.writeUInt32LE(ehsize, 28);
  head.writeUInt16LE(ehsize, is64 ? 52 : 40);
  head.writeUInt16LE(phentsize, is64 ? 54 : 42);
  head.writeUInt16LE(phnum, is64 ? 56 : 44);
  head.writeUInt32LE(1, ehsize);
  const path = interp ? Buffer.from(`${interp}\0`) : Buffer.alloc(0);
  if (interp) {
    const at = ehsize + phentsize;
    head.writeUInt32LE(3, at);
    if (is64) {
      head.writeBigUInt64LE(BigInt(head.length), at + 8);
      head.writeBigUInt64LE(BigInt(path.length), at + 32);
    } else {
      head.writeUInt32LE(head.length, at + 4);
      head.writeUInt32LE(path.length, at + 16);
    }
  }
  return Buffer.concat([head, path, rest]);
}

/** A Go program for `settings` (GOOS, GOARCH, CGO_ENABLED, …), dynamically linked against `interp` when given. */
export function goProgram(settings: Record<string, string>, interp?: string, filler = 20_000): Buffer {
  const modinfo = [
    'path\texample.com/hello',
    'mod\texample.com/hello\t(devel)\t',
    ...Object.entries(settings).map(([k, v]) => `build\t${k}=${v}`),
    '',
  ].join('\n');
  return elfProgram(interp, Buffer.concat([Buffer.alloc(filler, 1), buildInfoBlob('go1.24.4', modinfo), Buffer.alloc(filler, 3)]));
}

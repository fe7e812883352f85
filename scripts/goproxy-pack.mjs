#!/usr/bin/env node
// Packs module source trees named `<module path>@<version>` (below SRC) into the file-tree
// layout of the Go module proxy protocol (DEST/<module>/@v/{list,<v>.info,<v>.mod,<v>.zip}),
// so `GOPROXY=http://…` serves the project's own fixture modules with no third-party code.
// Usage: node scripts/goproxy-pack.mjs SRC DEST
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

/** Go's case encoding for module paths in proxy URLs: "A" becomes "!a". */
export function escapeModulePath(path) {
  return path.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
}

function walkFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walkFiles(full));
    else out.push(full);
  }
  return out;
}

/** A minimal zip writer (deflate), enough for Go's module zip reader. */
export function zipFiles(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const dosTime = 0,
    dosDate = ((2020 - 1980) << 9) | (1 << 5) | 1;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + compressed.length;
  }
  const centralBuf = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralBuf, end]);
}

/** Finds every `<module>@<version>` directory below src. */
export function findModuleDirs(src) {
  const found = [];
  const visit = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (!statSync(full).isDirectory()) continue;
      const at = name.lastIndexOf('@v');
      if (at > 0) {
        const modulePath = relative(src, join(dir, name.slice(0, at)))
          .split(sep)
          .join('/');
        found.push({ dir: full, modulePath, version: name.slice(at + 1) });
      } else visit(full);
    }
  };
  visit(src);
  return found;
}

export function packModule({ dir, modulePath, version }, dest) {
  const vdir = join(dest, escapeModulePath(modulePath), '@v');
  mkdirSync(vdir, { recursive: true });
  const prefix = `${modulePath}@${version}/`;
  const entries = walkFiles(dir).map((f) => ({ name: prefix + relative(dir, f).split(sep).join('/'), data: readFileSync(f) }));
  writeFileSync(join(vdir, `${version}.zip`), zipFiles(entries));
  writeFileSync(join(vdir, `${version}.mod`), readFileSync(join(dir, 'go.mod')));
  writeFileSync(join(vdir, `${version}.info`), JSON.stringify({ Version: version, Time: '2026-01-01T00:00:00Z' }) + '\n');
  const listFile = join(vdir, 'list');
  const versions = new Set(existsSync(listFile) ? readFileSync(listFile, 'utf8').split('\n').filter(Boolean) : []);
  versions.add(version);
  writeFileSync(listFile, [...versions].sort().join('\n') + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [src, dest] = process.argv.slice(2);
  if (!src || !dest) {
    console.error('usage: goproxy-pack.mjs SRC DEST');
    process.exit(2);
  }
  const mods = existsSync(src) ? findModuleDirs(src) : [];
  for (const m of mods) packModule(m, dest);
  console.error(`[goproxy] packed ${mods.length} module version(s) into ${dest}`);
}

/**
 * Keeps a Go build-cache archive under go-cache-max-size, dropping the least recently used
 * files first. "Recently used" is the tar header's mtime, which the archive keeps as each
 * file's last use: Go refreshes an entry's mtime when it uses one over an hour old (restored
 * files are dated back two hours, session.ts), the extract lists those as used, and here their
 * headers are dated to this build. Files the archive keeps but this build did not use keep
 * the date of the build that last did, across any number of runs.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { BLOCK, paddedSize } from '../tar/header.js';
import { lruKeep, type ArchiveFile } from './quota.js';
import { mergeTars, readTar } from './tar.js';

/** The end-of-archive blocks every archive ends with. */
const TRAILER = 2 * BLOCK;

/** Rewrites the mtime of the ustar header at `offset` (and its checksum), in place. */
function redate(fd: number, offset: number, mtime: number): void {
  const block = Buffer.alloc(BLOCK);
  readSync(fd, block, 0, BLOCK, offset);
  block.write(mtime.toString(8).padStart(11, '0') + '\0', 136, 12, 'ascii');
  block.fill(32, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  writeSync(fd, block, 0, BLOCK, offset);
}

/** What fitting an archive did. */
export interface Fitted {
  /** The archive's size afterwards. */
  bytes: number;
  files: number;
  /** Files dropped to fit, and the bytes they took. */
  dropped: number;
  droppedBytes: number;
}

/**
 * Dates the files this build used to `now`, then, when the archive is over `maxBytes`, rewrites
 * it with the most recently used files that fit (directories always kept).
 */
export async function fitArchive(archive: string, used: Set<string>, now: number, maxBytes: number): Promise<Fitted> {
  const files: ArchiveFile[] = [];
  const stale: number[] = [];
  let dirBytes = 0;
  const end = readTar(archive, (e, _data, offset, headerOffset) => {
    if (e.type === '5') dirBytes += headerOffset + BLOCK - offset;
    if (e.type !== '0') return;
    const mtime = used.has(e.name) && e.mtime < now ? now : e.mtime;
    if (mtime !== e.mtime) stale.push(headerOffset);
    files.push({ name: e.name, mtime, bytes: headerOffset - offset + BLOCK + paddedSize(e.size) });
  });
  if (stale.length > 0) {
    const fd = openSync(archive, 'r+');
    try {
      for (const offset of stale) redate(fd, offset, now);
    } finally {
      closeSync(fd);
    }
  }
  const size = end + TRAILER;
  if (size <= maxBytes) return { bytes: size, files: files.length, dropped: 0, droppedBytes: 0 };
  const keep = lruKeep(files, maxBytes - dirBytes - TRAILER);
  const next = `${archive}.fit`;
  const merged = mergeTars(next, [{ path: archive, keep: (e) => e.type === '5' || keep.has(e.name) }]);
  await rename(next, archive);
  const droppedBytes = files.filter((f) => !keep.has(f.name)).reduce((n, f) => n + f.bytes, 0);
  return { bytes: merged.bytes, files: merged.files, dropped: files.length - merged.files, droppedBytes };
}

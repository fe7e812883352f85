/**
 * Whether a file is in an image: its layers' tar entries merged as a container sees them
 * (lower layers first, whiteouts and opaque directories applied), then the path looked up
 * with symbolic links followed (`/lib64/ld-linux-x86-64.so.2` is often a link into
 * `/lib/x86_64-linux-gnu`, and `/lib` itself a link to `/usr/lib` on a merged-/usr base).
 */
import { TarStreamReader } from '../tar/stream.js';
import { decompress, imagePath } from './goinfo.js';
import type { LayerSize } from './measure.js';
import type { BlobSource } from './source.js';

type Kind = 'file' | 'dir' | 'symlink' | 'other';

interface TreeEntry {
  kind: Kind;
  /** A symbolic link's target, as written. */
  link?: string;
}

/** One tar entry of a layer, as far as the merge needs it. */
export interface LayerEntry {
  name: string;
  type: string;
  linkname: string;
}

/** Symbolic links followed before a path counts as a loop. */
const MAX_HOPS = 40;

function kindOf(type: string): Kind {
  if (type === '0' || type === '7' || type === '\0' || type === '' || type === '1') return 'file';
  if (type === '5') return 'dir';
  if (type === '2') return 'symlink';
  return 'other';
}

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/')) || '/';

/** Pure: the merged file tree of an image's layers. */
export class MergedTree {
  private readonly entries = new Map<string, TreeEntry>([['/', { kind: 'dir' }]]);

  /** Applies one layer on top of those before: its whiteouts first, then its own entries. */
  applyLayer(layer: readonly LayerEntry[]): void {
    for (const e of layer) {
      const path = imagePath(e.name);
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (!base.startsWith('.wh.')) continue;
      const dir = parentOf(path);
      if (base === '.wh..wh..opq') this.removeBelow(dir, false);
      else this.removeBelow(`${dir === '/' ? '' : dir}/${base.slice(4)}`, true);
    }
    for (const e of layer) {
      const path = imagePath(e.name);
      if (path.slice(path.lastIndexOf('/') + 1).startsWith('.wh.')) continue;
      this.addParents(path);
      const kind = kindOf(e.type);
      this.entries.set(path, kind === 'symlink' ? { kind, link: e.linkname } : { kind });
    }
  }

  /** Removes everything below `path` (and `path` itself when `self`). */
  private removeBelow(path: string, self: boolean): void {
    if (self) this.entries.delete(path);
    const prefix = path === '/' ? '/' : `${path}/`;
    for (const key of [...this.entries.keys()]) if (key !== '/' && key.startsWith(prefix)) this.entries.delete(key);
  }

  /** A layer may list a file without its directories: they exist all the same. */
  private addParents(path: string): void {
    for (let dir = parentOf(path); dir !== '/' && !this.entries.has(dir); dir = parentOf(dir)) this.entries.set(dir, { kind: 'dir' });
  }

  /** The file `path` leads to, symbolic links followed (in the path and at its end); undefined when there is none. */
  resolve(path: string, hops = 0): string | undefined {
    const parts = imagePath(path).split('/').filter(Boolean);
    let current = '';
    for (let i = 0; i < parts.length; i++) {
      current = `${current}/${parts[i]}`;
      const entry = this.entries.get(current);
      if (!entry) return undefined;
      if (entry.kind === 'symlink') {
        if (hops >= MAX_HOPS || !entry.link) return undefined;
        const target = entry.link.startsWith('/') ? entry.link : `${parentOf(current)}/${entry.link}`;
        return this.resolve([target, ...parts.slice(i + 1)].join('/'), hops + 1);
      }
      const last = i === parts.length - 1;
      if (!last && entry.kind !== 'dir') return undefined;
      if (last) return entry.kind === 'dir' ? undefined : current;
    }
    return undefined;
  }
}

/** The entries of one layer, read as it streams (file contents skipped); undefined for a compression that cannot be read. */
async function layerEntries(source: BlobSource, layer: LayerSize): Promise<LayerEntry[] | undefined> {
  const raw = await source.stream(layer.digest);
  const tar = decompress(raw, layer.mediaType);
  try {
    if (!tar) return undefined;
    const reader = new TarStreamReader(tar);
    const entries: LayerEntry[] = [];
    for (let e = await reader.next(); e; e = await reader.next()) entries.push({ name: e.name, type: e.type, linkname: e.linkname });
    return entries;
  } finally {
    raw.destroy();
    (tar as { destroy?: () => void } | undefined)?.destroy?.();
  }
}

/**
 * Whether the image of `layers` holds the file `path` (links followed): true or false, or a
 * reason it could not be told. Reads every layer's tar listing, so it is only asked for a
 * dynamically linked program.
 */
export async function imageHasFile(source: BlobSource, layers: readonly LayerSize[], path: string): Promise<boolean | { unknown: string }> {
  const tree = new MergedTree();
  for (const layer of layers) {
    const entries = await layerEntries(source, layer);
    if (!entries) return { unknown: `layer ${layer.digest.slice(0, 19)}… is compressed in a way that cannot be read (${layer.mediaType})` };
    tree.applyLayer(entries);
  }
  return tree.resolve(path) !== undefined;
}

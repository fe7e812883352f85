import type { Reporter } from '../reporter.js';
import { errorText } from '../errors.js';
import { findGoBinary, type GoBinary, type ReadOptions } from './goinfo.js';
import { imageHasFile } from './image-files.js';
import type { ImageSize, PlatformSize } from './measure.js';
import type { BlobSource } from './source.js';

/** The Go program of one platform, with what the platform check needs to judge it. */
export interface PlatformProgram {
  binary?: GoBinary;
  /** Why there is no program to judge: none found, or it could not be read. */
  missing?: string;
  /** A dynamically linked program: whether the image holds its loader, or why that could not be told. */
  loader?: { present: boolean } | { unknown: string };
}

async function loaderOf(source: BlobSource, p: PlatformSize, binary: GoBinary): Promise<PlatformProgram['loader']> {
  if (binary.linking?.kind !== 'dynamic') return undefined;
  try {
    const found = await imageHasFile(source, p.layers, binary.linking.interpreter);
    return typeof found === 'boolean' ? { present: found } : found;
  } catch (error) {
    return { unknown: `its layers could not be read: ${errorText(error)}` };
  }
}

/**
 * The Go program of each measured platform, by platform, and for a dynamically linked one
 * whether its loader is in the image. One that cannot be read is a warning, not a fault.
 */
export async function goPrograms(
  source: BlobSource,
  measured: ImageSize,
  reporter: Reporter,
  opts: ReadOptions = {},
): Promise<Record<string, PlatformProgram>> {
  const out: Record<string, PlatformProgram> = {};
  for (const p of measured.platforms) {
    let binary: GoBinary | undefined;
    try {
      binary = await findGoBinary(source, p.layers, p.entrypoint, p.workingDir, opts);
    } catch (error) {
      reporter.warning(`Could not read the Go binary of ${p.platform} from ${source.name}: ${errorText(error)}`);
      out[p.platform] = { missing: `its Go binary could not be read: ${errorText(error)}` };
      continue;
    }
    if (!binary) {
      reporter.debug(`${p.platform}: no Go binary found`);
      out[p.platform] = { missing: 'no Go binary found' };
      continue;
    }
    out[p.platform] = { binary, loader: await loaderOf(source, p, binary) };
  }
  return out;
}

/** The Go program of each platform of a baseline image (no loader check: only the report reads it). */
export async function goBinaries(
  source: BlobSource,
  measured: ImageSize,
  reporter: Reporter,
  opts: ReadOptions = {},
): Promise<Record<string, GoBinary | undefined>> {
  const out: Record<string, GoBinary | undefined> = {};
  for (const p of measured.platforms) {
    try {
      out[p.platform] = await findGoBinary(source, p.layers, p.entrypoint, p.workingDir, opts);
    } catch (error) {
      reporter.warning(`Could not read the Go binary of ${p.platform} from ${source.name}: ${errorText(error)}`);
    }
  }
  return out;
}

/** Pure: the Go binary of each platform, as the size report keeps it. */
export function binariesOf(programs: Record<string, PlatformProgram>): Record<string, GoBinary | undefined> {
  return Object.fromEntries(Object.entries(programs).map(([platform, p]) => [platform, p.binary]));
}

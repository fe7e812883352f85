import type { Reporter } from '../reporter.js';
import { errorText } from '../errors.js';
import { findGoBinary, type GoBinary } from './goinfo.js';
import type { ImageSize } from './measure.js';
import type { BlobSource } from './source.js';

/** The Go program of each measured platform, by platform; one that cannot be read is a warning, not a fault. */
export async function goBinaries(source: BlobSource, measured: ImageSize, reporter: Reporter): Promise<Record<string, GoBinary | undefined>> {
  const out: Record<string, GoBinary | undefined> = {};
  for (const p of measured.platforms) {
    try {
      out[p.platform] = await findGoBinary(source, p.layers, p.entrypoint, p.workingDir);
      if (!out[p.platform]) reporter.debug(`${p.platform}: no Go binary found`);
    } catch (error) {
      reporter.warning(`Could not read the Go binary of ${p.platform} from ${source.name}: ${errorText(error)}`);
    }
  }
  return out;
}

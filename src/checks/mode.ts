import { InputError } from '../errors.js';
import { INPUT_DEFAULTS } from '../input-table.js';

/** What the Dockerfile checks do with their findings. */
export const CHECK_MODES = ['warn', 'error', 'off'] as const;
export type CheckMode = (typeof CHECK_MODES)[number];

/** The `dockerfile-checks` input: warn (default), error (findings fail the step before the build) or off. */
export function parseCheckMode(raw: string): CheckMode {
  const v = raw.trim().toLowerCase();
  if (v === '') return INPUT_DEFAULTS['dockerfile-checks'];
  const mode = CHECK_MODES.find((m) => m === v);
  if (!mode) throw new InputError('dockerfile-checks', `'${raw.trim()}' is not a mode. Expected one of: ${CHECK_MODES.join(', ')}.`);
  return mode;
}

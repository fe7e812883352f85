import { InputError } from '../../src/errors.ts';
import { INPUT_DEFAULTS, type InputName } from '../../src/inputs.ts';

/** Reads inputs as a runner passes them: the given values, else action.yml's defaults (no token). */
export function inputReader(values: Partial<Record<InputName, string>>): (name: InputName) => string {
  return (name) => values[name] ?? (name === 'github-token' ? '' : INPUT_DEFAULTS[name]);
}

/** The InputError `parse` throws; fails the test when it throws nothing or something else. */
export function inputErrorOf(parse: () => unknown): InputError {
  try {
    parse();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

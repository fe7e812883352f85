/** A bad input: the message names the input and the form it expects. Shown without a stack. */
export class InputError extends Error {
  /** The name of the input, as in action.yml. */
  readonly input: string;
  constructor(input: string, message: string) {
    super(`Input '${input}': ${message}`);
    this.name = 'InputError';
    this.input = input;
  }
}

/** A failure the user can act on (a failed build, a missing tool). Shown without a stack. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

/** The text of anything thrown, for a warning or an error message. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The one message to fail with: user-facing errors as they are, anything else as unexpected. */
export function failureMessage(error: unknown): string {
  if (error instanceof InputError || error instanceof ActionError) return error.message;
  return `Unexpected error: ${errorText(error)}`;
}

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

/** The step was cancelled (SIGINT/SIGTERM) while a command ran: said as a cancel, never as what the killed command printed. */
export class CancelledError extends ActionError {
  readonly signal: string;
  /** `what`: what the step was doing ("docker buildx version ran"). */
  constructor(signal: string, what: string) {
    super(`Cancelled (${signal}) while ${what}.`);
    this.name = 'CancelledError';
    this.signal = signal;
  }
}

/** Throws a CancelledError when a command's failure was the cancel (`cancelled` holds its signal). */
export function throwIfCancelled(result: { ok: boolean; cancelled?: string }, what: string): void {
  if (!result.ok && result.cancelled) throw new CancelledError(result.cancelled, what);
}

/**
 * Pure: the failures to report once the step was cancelled by `signal` (undefined: not
 * cancelled, the failures as they are). After a cancel, what the killed commands made of it
 * (a missing plugin, a failed build) is not what happened: the cancel's own messages stay, or
 * one that says the step was cancelled.
 */
export function failuresAfterCancel(signal: string | undefined, failures: readonly string[]): string[] {
  if (!signal) return [...failures];
  const said = failures.filter((f) => f.startsWith(`Cancelled (${signal})`));
  return said.length > 0 ? said : [`Cancelled (${signal}): the step was stopped before it finished.`];
}

/**
 * An absolute path into a directory the action made for itself (mkdtemp): the run's work dir
 * (go-container-action-XXXXXX) or a cache call's (call-XXXXXX). Its prefix means nothing to the user.
 */
const INTERNAL_PATH = /(?:\/[^\s'"/]+)*\/(?:go-container-action|call)-[A-Za-z0-9]{6}\//g;

/** Pure: `text` with the machine's part of every internal path left out ("…/oci-layout/index.json"). */
export function hideInternalPaths(text: string): string {
  return text.replace(INTERNAL_PATH, '…/');
}

/** The text of anything thrown, for a warning or an error message (never an internal temp path). */
export function errorText(error: unknown): string {
  return hideInternalPaths(error instanceof Error ? error.message : String(error));
}

/** The one message to fail with: user-facing errors as they are, anything else as unexpected. */
export function failureMessage(error: unknown): string {
  if (error instanceof InputError || error instanceof ActionError) return error.message;
  return `Unexpected error: ${errorText(error)}`;
}

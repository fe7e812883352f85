/**
 * What a step does when the runner cancels it: the runner sends SIGINT, SIGTERM about 7.5 s
 * later, then kills. On the first signal every child is ended (its whole process group), an
 * optional cleanup runs, and the process exits with 130 (SIGINT) or 143 (SIGTERM). A step that
 * ends normally also exits explicitly, so a request abandoned after its deadline cannot hold it
 * open.
 */
import { errorText } from '../errors.js';
import { processChildren, type ChildRegistry } from './children.js';
import { formatDuration, withDeadline } from './deadline.js';
import { plural } from './plural.js';

/** SIGTERM, then SIGKILL after this long: all of it well before the runner's own kill. */
export const CANCEL_GRACE_MS = 3000;
/** The longest a cancelled step's own cleanup may take (the CLI's; the action has its post step). */
export const CANCEL_CLEANUP_MS = 20_000;

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type CancelSignal = keyof typeof EXIT_CODES;

/** What a stage undoes if the step is cancelled while it runs (tags put back), once the children are ended. */
export type Undo = (signal: CancelSignal) => Promise<void>;

/** The part of a cancellation a stage sees: it registers what to undo, and releases it once done. */
export interface CancelHooks {
  onCancel(undo: Undo): () => void;
}

export interface CancelDeps {
  registry: ChildRegistry;
  log: (message: string) => void;
  exit: (code: number) => void;
  graceMs: number;
  cleanupMs: number;
}

/** One step's cancellation: which signal came, and what to clean up once the children are gone. */
export class Cancellation implements CancelHooks {
  private received: CancelSignal | undefined;
  private cleanup: (() => Promise<void>) | undefined;
  private readonly undos = new Set<Undo>();
  private notify: (signal: CancelSignal) => void = () => undefined;
  /** Resolves with the first signal. */
  readonly requested = new Promise<CancelSignal>((resolve) => (this.notify = resolve));

  constructor(private readonly deps: CancelDeps) {}

  get signal(): CancelSignal | undefined {
    return this.received;
  }

  /** What to undo after a cancel, run with spawning allowed again (bounded by deps.cleanupMs). */
  setCleanup(cleanup: (() => Promise<void>) | undefined): void {
    this.cleanup = cleanup;
  }

  /** Registers what to undo on a cancel (run before the cleanup, bounded like it); returns its release. */
  onCancel(undo: Undo): () => void {
    this.undos.add(undo);
    return () => this.undos.delete(undo);
  }

  /** Called for each signal: the first one starts the stop, a second one kills at once. */
  receive(signal: CancelSignal): void {
    if (this.received) {
      this.deps.registry.killAll();
      return;
    }
    this.received = signal;
    // At once, not when stop() gets to run: nothing new starts after the signal.
    this.deps.registry.close(signal);
    this.notify(signal);
  }

  /** Ends the children, runs the cleanup; resolves with the exit code. Never throws. */
  async stop(): Promise<number> {
    const signal = this.received ?? 'SIGTERM';
    const { registry, log } = this.deps;
    log(`Cancelled (${signal}): ending ${plural(registry.size, 'running command')}.`);
    const left = await registry.stopAll(this.deps.graceMs);
    if (left.length > 0) log(`Could not end ${left.length === 1 ? 'process group' : 'process groups'} ${left.join(', ')}.`);
    for (const undo of [...this.undos]) {
      await withDeadline(`undoing after a cancel (${formatDuration(this.deps.cleanupMs)})`, this.deps.cleanupMs, () => undo(signal)).catch(
        (error: unknown) => log(`Undoing after the cancel: ${errorText(error)}`),
      );
    }
    const cleanup = this.cleanup;
    if (cleanup) {
      await registry
        .whileCleaningUp(() =>
          withDeadline(`the cleanup after a cancel (${formatDuration(this.deps.cleanupMs)})`, this.deps.cleanupMs, () => cleanup()),
        )
        .catch((error: unknown) => log(`Cleanup after the cancel: ${errorText(error)}`));
      // What the cleanup started (compose down) ends with the step, even when it ran out of time.
      await registry.stopAll(this.deps.graceMs);
    }
    return EXIT_CODES[signal];
  }
}

/**
 * Runs one step of the action or the CLI, then ends the process: on a signal once the
 * children are gone (130/143), otherwise with the step's `process.exitCode` after ending any
 * child still running.
 */
export async function runStep(step: (cancellation: Cancellation) => Promise<void>, overrides: Partial<CancelDeps> = {}): Promise<void> {
  const deps: CancelDeps = {
    registry: processChildren,
    log: (message) => process.stderr.write(`${message}\n`),
    exit: (code) => process.exit(code),
    graceMs: CANCEL_GRACE_MS,
    cleanupMs: CANCEL_CLEANUP_MS,
    ...overrides,
  };
  const cancellation = new Cancellation(deps);
  const onInt = (): void => cancellation.receive('SIGINT');
  const onTerm = (): void => cancellation.receive('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const work = step(cancellation).catch((error: unknown) => {
    deps.log(`Unexpected error: ${errorText(error)}`);
    process.exitCode = 1;
  });
  const first = await Promise.race([work.then(() => 'done' as const), cancellation.requested]);
  if (first !== 'done') {
    deps.exit(await cancellation.stop());
    return;
  }
  if (deps.registry.size > 0) await deps.registry.stopAll(deps.graceMs);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  // Explicitly: process.exit(undefined) exits 0 even when the step set process.exitCode.
  deps.exit(Number(process.exitCode ?? 0) || 0);
}

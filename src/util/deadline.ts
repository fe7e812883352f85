/**
 * Deadlines for calls to services outside the runner (the Actions cache service, the GitHub API,
 * a registry). A call that does not settle in time is abandoned with a message that says so; a
 * service that failed this way once is not waited for again in the same run, so one hung or
 * broken service costs at most its total budget.
 */

/**
 * The one switch that shortens every service deadline, for tests: a number in (0, 1], default 1.
 * Read once where the program starts (RunContext.deadlineScale) and handed to each guard, so a
 * fault test waits a fraction of the real deadlines and its margins stay ratios of them.
 */
export const DEADLINE_SCALE_ENV = 'GO_CONTAINER_ACTION_DEADLINE_SCALE';

/** Pure: the deadline scale from the variable's text; unset or empty is 1. Throws a message naming the variable. */
export function parseDeadlineScale(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const scale = Number(raw.trim());
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1)
    throw new Error(`${DEADLINE_SCALE_ENV} is '${raw}': expected a number greater than 0 and at most 1 (e.g. 0.1), or unset for 1.`);
  return scale;
}

/** Pure: `budget` with its deadlines multiplied by `scale` (see DEADLINE_SCALE_ENV). */
export function scaleBudget<B extends Omit<ServiceBudget, 'name'>>(budget: B, scale: number): B {
  if (scale === 1) return budget;
  return { ...budget, callMs: Math.max(1, Math.round(budget.callMs * scale)), totalMs: Math.max(1, Math.round(budget.totalMs * scale)) };
}

/** A call gave up: the message says which service, what, and after how long. */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/** Pure: "30 s", "1.5 s", "250 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/**
 * Runs `work` with an AbortSignal that fires after `ms`; rejects with a DeadlineError at that
 * moment even when the work ignores the signal (its sockets are then left to the process exit).
 */
export async function withDeadline<T>(what: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(`${what} did not answer in ${formatDuration(ms)}`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** How often a stall deadline looks at the progress of its work, at most: a tenth of a short (scaled) deadline. */
const STALL_POLL_MS = 1000;

/**
 * Like withDeadline, for work that moves data: `ms` is the longest the work may go without
 * progress (`progress()` returning a new value), not its whole length, so a slow but steady
 * transfer is never cut off. `onQuiet` hears each stretch of time that passed without progress.
 */
export async function withStallDeadline<T>(
  what: string,
  ms: number,
  progress: () => number,
  work: (signal: AbortSignal) => Promise<T>,
  onQuiet: (ms: number) => void = () => undefined,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let last = progress();
  let moved = false;
  let quiet = 0;
  const poll = Math.max(1, Math.min(STALL_POLL_MS, Math.round(ms / 10)));
  const expired = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const now = progress();
      if (now !== last) {
        last = now;
        moved = true;
        quiet = 0;
        return;
      }
      quiet += poll;
      onQuiet(poll);
      if (quiet < ms) return;
      const error = new DeadlineError(
        moved ? `${what} sent nothing for ${formatDuration(ms)}` : `${what} did not answer in ${formatDuration(ms)}`,
      );
      controller.abort(error);
      reject(error);
    }, poll);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearInterval(timer);
  }
}

export interface ServiceBudget {
  /** How the service is named in messages ("the cache service"). */
  name: string;
  /** The longest one call may take. */
  callMs: number;
  /** The longest all calls of a run may take together (wall time: calls in parallel count once) before the service is given up on. */
  totalMs: number;
}

/**
 * One service's deadlines for a whole run. Each call gets at most `callMs` and what is left of
 * `totalMs`; once a call failed by its deadline, or the total is spent, later calls fail at once
 * with the first reason, so the run goes on without the service instead of waiting again.
 */
export class ServiceGuard {
  readonly budget: ServiceBudget;
  private spentMs = 0;
  /** Calls under way, and since when at least one has been: parallel calls spend the run's time once. */
  private inFlight = 0;
  private busySince = 0;
  private downReason: string | undefined;
  private readonly clock: () => number;

  /** `scale`: RunContext.deadlineScale, applied to both of the budget's deadlines. */
  constructor(budget: ServiceBudget, clock: () => number = Date.now, scale = 1) {
    this.budget = scaleBudget(budget, scale);
    this.clock = clock;
  }

  /** Why the service is given up on for this run, if it is. */
  get down(): string | undefined {
    return this.downReason;
  }

  /** Marks the service as not to be asked again (e.g. after an answer that makes no sense). */
  giveUp(reason: string): void {
    this.downReason ??= reason;
  }

  /**
   * `progress`, for calls that move data: the call's limit then applies to time without
   * progress (withStallDeadline), and only that time counts against the run's total.
   * `said`: what the service last answered that was a fault (a status); a deadline then reports
   * that, since the service did answer.
   */
  async call<T>(
    what: string,
    work: (signal: AbortSignal) => Promise<T>,
    progress?: () => number,
    said?: () => string | undefined,
  ): Promise<T> {
    if (this.downReason) throw new DeadlineError(this.downReason);
    const left = this.budget.totalMs - this.spent();
    if (left <= 0) {
      this.giveUp(`${this.budget.name} used up its ${formatDuration(this.budget.totalMs)} for this run`);
      throw new DeadlineError(this.downReason!);
    }
    const ms = Math.min(this.budget.callMs, left);
    const label = `${this.budget.name} (${what})`;
    // A call that moves data counts only its silent time (below); the others count wall time.
    if (!progress && this.inFlight++ === 0) this.busySince = this.clock();
    try {
      return progress
        ? await withStallDeadline(label, ms, progress, work, (quiet) => (this.spentMs += quiet))
        : await withDeadline(label, ms, work);
    } catch (error) {
      if (!(error instanceof DeadlineError)) throw error;
      const answered = said?.();
      this.giveUp(answered ?? error.message);
      throw answered ? new DeadlineError(answered) : error;
    } finally {
      if (!progress && --this.inFlight === 0) this.spentMs += this.clock() - this.busySince;
    }
  }

  private spent(): number {
    return this.spentMs + (this.inFlight > 0 ? this.clock() - this.busySince : 0);
  }
}

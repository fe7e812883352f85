/** The time of day, as the entry points hand it down: tests freeze it, the action reads the system's. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

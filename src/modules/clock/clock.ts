/** Wall-clock time, behind a token so tests can stand on an exact second (expiries, buckets). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => Date.now() };

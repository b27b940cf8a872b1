/**
 * The wait before retrying a failed step: `first` after the first failure,
 * doubled after each further one, never more than `max`; a success resets it.
 * Pure (no timers, no clock): the runners own their timers and ask this only
 * how long to wait, so the sequence is tested on its own with exact values.
 */
export interface Backoff {
  readonly first: number;
  readonly max: number;
  /** The wait `next()` last returned; 0 before the first failure and after `reset()`. */
  readonly current: number;
  /** A step failed: the wait before retrying it (first, then doubled, capped at max). */
  next(): number;
  /** A step succeeded: the next failure waits `first` again. */
  reset(): void;
}

export function createBackoff({ first, max }: { first: number; max: number }): Backoff {
  let current = 0;
  return {
    first,
    max,
    get current() {
      return current;
    },
    next() {
      // The first wait is `first` even above `max`, as both runners always did.
      current = current === 0 ? first : Math.min(max, current * 2);
      return current;
    },
    reset() {
      current = 0;
    },
  };
}

/** Fixed durations, defined once. A local day is not always DAY_MS long (DST): use local-day.ts for day bounds. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Whole minutes of a duration; facts report minutes (FIGURES). */
export const toMinutes = (ms: number): number => Math.round(ms / MINUTE_MS);

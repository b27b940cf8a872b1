/**
 * Local calendar days. The county is in Asia/Shanghai (UTC+8, no DST since
 * 1991), so a fixed offset is exact; it is still a parameter, not a constant
 * buried in arithmetic.
 */
import type { DayWindow } from './types.js';

const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Longest window scored at once: a year is plenty for an inspection and bounds the work. */
export const MAX_WINDOW_DAYS = 366;

export class ScoringInputError extends Error {
  readonly code = 'SCORING_INPUT_INVALID';
  readonly statusCode = 400;
}

/** Milliseconds of UTC midnight of a 'YYYY-MM-DD' day, or NaN if it is not a real date. */
function dayStartUtc(day: string): number {
  if (!DAY_RE.test(day)) return Number.NaN;
  const ms = Date.parse(`${day}T00:00:00Z`);
  // Date.parse rolls 2021-02-30 over to March; a round trip catches it.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? Number.NaN : ms;
}

/** Every day of the window, in order; throws on a malformed or reversed window. */
export function daysOf(window: DayWindow): string[] {
  const from = dayStartUtc(window.from);
  const to = dayStartUtc(window.to);
  if (Number.isNaN(from)) throw new ScoringInputError(`window.from "${window.from}" is not a YYYY-MM-DD date`);
  if (Number.isNaN(to)) throw new ScoringInputError(`window.to "${window.to}" is not a YYYY-MM-DD date`);
  if (to < from) throw new ScoringInputError(`window.to ${window.to} is before window.from ${window.from}`);
  const count = (to - from) / DAY_MS + 1;
  if (count > MAX_WINDOW_DAYS) throw new ScoringInputError(`window spans ${count} days; at most ${MAX_WINDOW_DAYS}`);
  return Array.from({ length: count }, (_, i) => new Date(from + i * DAY_MS).toISOString().slice(0, 10));
}

/** The local day of an instant, for a zone at a fixed offset east of UTC. */
export function localDay(ms: number, utcOffsetMinutes: number): string {
  return new Date(ms + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

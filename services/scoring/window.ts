/**
 * The window of local calendar days an inspection scores. Days are calendar
 * dates; which instants belong to a day is the community's zone's business
 * (services/time/local-day.ts), never a fixed offset.
 */
import { CodedError } from '../domain/errors.js';
import { addDays, daysBetween, isDay } from '../time/local-day.js';
import type { DayWindow } from './types.js';

/** Longest window scored at once: a year is plenty for an inspection and bounds the work. */
export const MAX_WINDOW_DAYS = 366;

export class ScoringInputError extends CodedError {
  constructor(message: string) {
    super(400, 'SCORING_INPUT_INVALID', message);
  }
}

/** Every day of the window, in order; throws on a malformed or reversed window. */
export function daysOf(window: DayWindow): string[] {
  if (!isDay(window.from)) throw new ScoringInputError(`window.from "${window.from}" is not a YYYY-MM-DD date`);
  if (!isDay(window.to)) throw new ScoringInputError(`window.to "${window.to}" is not a YYYY-MM-DD date`);
  const count = daysBetween(window.from, window.to) + 1;
  if (count < 1) throw new ScoringInputError(`window.to ${window.to} is before window.from ${window.from}`);
  if (count > MAX_WINDOW_DAYS) throw new ScoringInputError(`window spans ${count} days; at most ${MAX_WINDOW_DAYS}`);
  return Array.from({ length: count }, (_, i) => addDays(window.from, i));
}

/**
 * A "now" for tests on the real clock whose readings reach back from it: when
 * they would cross a local midnight, two readings fall on different local days
 * and an assertion about one day's facts reads the wrong day (CI runs in the
 * first hour of a Shanghai day, 16:00-17:00 UTC, failed that way).
 */
import { HOUR_MS, MINUTE_MS } from '../../services/time/durations.js';
import { dayBounds, localDay } from '../../services/time/local-day.js';

/**
 * `t` (the real now), unless it is less than `backMs` after the local midnight of `zone`: then the last
 * minute of the day before, so that every instant of [result − backMs, result] is in one local day
 * whatever the hour the test runs. Never later than `t`: readings at it are never from the future.
 * `backMs` at most a few hours (the service refuses older readings); an hour by default.
 */
export function nowWithinOneLocalDay(backMs = HOUR_MS, zone = 'Asia/Shanghai', t = Date.now()): number {
  const [start] = dayBounds(localDay(t, zone), zone);
  return t - start < backMs ? start - MINUTE_MS : t;
}

/** Intervals in which a device's last reported state (from sorted events) satisfied `on`. */
import type { Interval } from '../intervals.js';

export function stateIntervals<T extends { eventTime: number }>(events: readonly T[], on: (e: T) => boolean, until: number): Interval[] {
  const out: Interval[] = [];
  let since: number | null = null;
  for (const e of events) {
    if (e.eventTime >= until) break;
    if (on(e)) since ??= e.eventTime;
    else if (since !== null) {
      out.push([since, e.eventTime]);
      since = null;
    }
  }
  if (since !== null) out.push([since, until]);
  return out;
}

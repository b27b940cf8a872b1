/**
 * When was a device reporting? SPEC device-health: silence is "no data",
 * never compliant nor violation. A reading at t vouches for the device over
 * [t, t + silence); a status "offline" or "fault" cuts that short, because
 * what the device reports after it cannot be trusted until it is heard again.
 */
import { union, type Interval } from './intervals.js';
import type { StoredReading } from './reading.js';

export function isCut(r: StoredReading): boolean {
  return r.kind === 'status' && r.payload.state !== 'online';
}

/**
 * heard: event times at which the device reported (sorted, not cuts).
 * cuts: event times of offline / fault statuses (sorted).
 */
export function coverageOf(heard: readonly number[], cuts: readonly number[], silenceMs: number): Interval[] {
  const spans: Interval[] = [];
  let c = 0;
  for (const t of heard) {
    while (c < cuts.length && (cuts[c] as number) <= t) c++;
    const cut = cuts[c] ?? Infinity;
    spans.push([t, Math.min(t + silenceMs, cut)]);
  }
  return union(spans);
}

/**
 * Event-time admission: late readings within the allowed lateness are accepted
 * (their day is re-evaluated); readings from further in the future than the
 * clock-skew allowance are rejected, since they would poison day boundaries.
 */
export interface TimingLimits {
  maxLatenessMs: number;
  maxClockSkewMs: number;
}

export type TimingVerdict = { ok: true } | { ok: false; code: 'EVENT_TOO_LATE' | 'EVENT_FROM_FUTURE'; reason: string };

export function admitEventTime(eventTime: number, receivedAt: number, limits: TimingLimits): TimingVerdict {
  if (eventTime > receivedAt + limits.maxClockSkewMs) {
    const s = Math.round((eventTime - receivedAt) / 1000);
    return { ok: false, code: 'EVENT_FROM_FUTURE', reason: `event time is ${s} s ahead of the service clock (allowed ${limits.maxClockSkewMs / 1000} s)` };
  }
  if (eventTime < receivedAt - limits.maxLatenessMs) {
    const h = ((receivedAt - eventTime) / 3_600_000).toFixed(1);
    return { ok: false, code: 'EVENT_TOO_LATE', reason: `event time is ${h} h old (allowed ${limits.maxLatenessMs / 3_600_000} h)` };
  }
  return { ok: true };
}

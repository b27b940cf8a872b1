/** The public shape of an alarm (API responses, webhook JSON): times as ISO 8601. */
import type { AlarmBody } from '../../schemas/src/http.js';
import type { Alarm } from '../domain/alarm.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function alarmToBody(a: Alarm): AlarmBody {
  return {
    ...a,
    firstEventTime: iso(a.firstEventTime),
    lastEventTime: iso(a.lastEventTime),
    openedAt: iso(a.openedAt),
    acknowledgedAt: isoOrNull(a.acknowledgedAt),
    resolvedAt: isoOrNull(a.resolvedAt),
  };
}


/**
 * Local wall time in a community's IANA time zone. Scenarios are written in
 * local times ("09:00 on 2021-02-03 in Asia/Shanghai"); devices write ISO 8601
 * with an explicit offset, as the contract requires. Days, offsets and
 * durations come from services/time, the one model of a local day the service
 * judges and scores by (a pure leaf: the simulator still talks to the service
 * only over HTTP and MQTT).
 */
import { MINUTE_MS } from '../services/time/durations.js';
import { offsetMs } from '../services/time/local-day.js';

export { MINUTE_MS } from '../services/time/durations.js';
export { addDays, dayBounds, localInstant, localDay as localDayOf } from '../services/time/local-day.js';

const pad = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, '0');

/** "HH:MM" or "HH:MM:SS" to minutes after midnight. */
export function hhmm(time: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!m) throw new Error(`not a wall time (HH:MM[:SS]): ${time}`);
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3] ?? 0) / 60;
}

/** ISO 8601 with the zone's offset at that instant, second precision: 2021-02-03T08:15:00+08:00. */
export function isoInZone(ms: number, tz: string): string {
  const off = offsetMs(ms, tz);
  const local = new Date(Math.floor(ms / 1000) * 1000 + off).toISOString().slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const mins = Math.abs(off) / MINUTE_MS;
  return `${local}${sign}${pad(Math.floor(mins / 60))}:${pad(mins % 60)}`;
}

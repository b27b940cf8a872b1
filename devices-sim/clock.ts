/**
 * Local wall time in a community's IANA time zone, on Intl only. Scenarios
 * are written in local times ("09:00 on 2021-02-03 in Asia/Shanghai"); devices
 * write ISO 8601 with an explicit offset, as the contract requires.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Offset of local time from UTC at instant ms, in ms (local = utc + offset). */
export function offsetMs(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return local - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, '0');

function parseDay(day: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The instant of a local wall time: `minutes` after local midnight of `day` (may exceed a day or be negative). */
export function localInstant(day: string, minutes: number, tz: string): number {
  const [y, mo, d] = parseDay(day);
  const guess = Date.UTC(y, mo - 1, d) + Math.round(minutes * MINUTE_MS);
  const first = guess - offsetMs(guess, tz);
  return guess - offsetMs(first, tz);
}

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

/** The local calendar day of instant ms. */
export function localDayOf(ms: number, tz: string): string {
  return isoInZone(ms, tz).slice(0, 10);
}

/** Calendar arithmetic on days. */
export function addDays(day: string, n: number): string {
  const [y, mo, d] = parseDay(day);
  return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

/** [start, end) of a local day. */
export function dayBounds(day: string, tz: string): [number, number] {
  return [localInstant(day, 0, tz), localInstant(addDays(day, 1), 0, tz)];
}

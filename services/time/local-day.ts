/**
 * Local days in a community's IANA time zone, on Intl only (no dependency:
 * Node's Intl carries the full tz database; Temporal polyfills would add a
 * second one). Every day boundary is the community's local midnight (SPEC:
 * times are local), so 23:59:59 and 00:00:00 local are different days
 * whatever the UTC date. Never a fixed offset: the zone comes from the
 * community (registry `timeZone`).
 *
 * The one model of a local day for rules, scoring, inspections, the InfluxDB
 * sinks and the simulator. Pure: no clock, no I/O.
 */
import { DAY_MS, MINUTE_MS } from './durations.js';

/** The county's zone (SPEC): the default of a community that names none, and of county-wide dates. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface Civil {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function civil(ms: number, tz: string): Civil {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(ms)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year ?? 0, mo: out.month ?? 0, d: out.day ?? 0, h: out.hour ?? 0, mi: out.minute ?? 0, s: out.second ?? 0 };
}

/** Offset of local time from UTC at instant ms, in ms (local = utc + offset). */
export function offsetMs(ms: number, tz: string): number {
  const c = civil(ms, tz);
  return Date.UTC(c.y, c.mo - 1, c.d, c.h, c.mi, c.s) - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * The last day looked up per time zone, with its bounds: nearly every reading
 * falls in the day of the one before, and Intl's formatToParts costs
 * microseconds per call (it was the biggest single cost of ingest).
 */
const lastDay = new Map<string, { start: number; end: number; day: string }>();

/** Local calendar day of instant ms in tz, 'YYYY-MM-DD'. */
export function localDay(ms: number, tz: string): string {
  const hit = lastDay.get(tz);
  if (hit && ms >= hit.start && ms < hit.end) return hit.day;
  const c = civil(ms, tz);
  const day = `${pad(c.y, 4)}-${pad(c.mo)}-${pad(c.d)}`;
  const [start, end] = dayBounds(day, tz);
  if (ms >= start && ms < end) lastDay.set(tz, { start, end, day });
  return day;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDay(day: string): [number, number, number] {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** A real calendar day written 'YYYY-MM-DD' (2021-02-30 is not). */
export function isDay(day: string): boolean {
  const m = DAY_RE.exec(day);
  if (!m) return false;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return t.getUTCFullYear() === Number(m[1]) && t.getUTCMonth() + 1 === Number(m[2]) && t.getUTCDate() === Number(m[3]);
}

/**
 * The instant of a local wall time: `minutes` after local midnight of `day`
 * (may exceed a day or be negative). Two passes settle a DST change.
 */
export function localInstant(day: string, minutes: number, tz: string): number {
  const [y, mo, d] = parseDay(day);
  const guess = Date.UTC(y, mo - 1, d) + Math.round(minutes * MINUTE_MS);
  const first = guess - offsetMs(guess, tz);
  return guess - offsetMs(first, tz);
}

const bounds = new Map<string, readonly [number, number]>();

/** [start, end) in ms of the local day in tz (remembered: rules ask for the same few days all the time). */
export function dayBounds(day: string, tz: string): [number, number] {
  const key = `${tz}|${day}`;
  const known = bounds.get(key);
  if (known) return [known[0], known[1]];
  const b = [localInstant(day, 0, tz), localInstant(addDays(day, 1), 0, tz)] as const;
  if (bounds.size >= 10_000) bounds.clear();
  bounds.set(key, b);
  return [b[0], b[1]];
}

/** Local midnight starting day in tz, in ms. */
export const dayStart = (day: string, tz: string): number => dayBounds(day, tz)[0];

/** The day n days after (or before) day, calendar arithmetic. */
export function addDays(day: string, n: number): string {
  const [y, mo, d] = parseDay(day);
  const t = new Date(Date.UTC(y, mo - 1, d + n));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Whole calendar days from `from` to `to` (0 when equal, negative when to is before from). */
export function daysBetween(from: string, to: string): number {
  const [y1, m1, d1] = parseDay(from);
  const [y2, m2, d2] = parseDay(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / DAY_MS);
}

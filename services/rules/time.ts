/**
 * Local-day helpers on Intl only (no dependencies). Every day boundary is the
 * community's local midnight (SPEC: times are local), so 23:59:59 and 00:00:00
 * local are different days whatever the UTC date.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

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

/** Offset of local time from UTC at instant ms (local = utc + offset). */
function offsetMs(ms: number, tz: string): number {
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

function parseDay(day: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The instant of local midnight starting y-mo-d (two passes settle a DST change). */
function localMidnight(y: number, mo: number, d: number, tz: string): number {
  const guess = Date.UTC(y, mo - 1, d);
  const first = guess - offsetMs(guess, tz);
  return guess - offsetMs(first, tz);
}

const bounds = new Map<string, readonly [number, number]>();

/** [start, end) in ms of the local day in tz (remembered: rules ask for the same few days all the time). */
export function dayBounds(day: string, tz: string): [number, number] {
  const key = `${tz}|${day}`;
  const known = bounds.get(key);
  if (known) return [known[0], known[1]];
  const [y, mo, d] = parseDay(day);
  const b = [localMidnight(y, mo, d, tz), localMidnight(y, mo, d + 1, tz)] as const;
  if (bounds.size >= 10_000) bounds.clear();
  bounds.set(key, b);
  return [b[0], b[1]];
}

/** The day n days after (or before) day, calendar arithmetic. */
export function addDays(day: string, n: number): string {
  const [y, mo, d] = parseDay(day);
  const t = new Date(Date.UTC(y, mo - 1, d + n));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Whole minutes of a duration; facts report minutes (FIGURES). */
export const toMinutes = (ms: number): number => Math.round(ms / MINUTE_MS);

/**
 * The engine's state: plain JSON (no Map, Set or class), so it round-trips
 * through JSON.stringify / JSON.parse exactly.
 *
 * Readings are kept as sets, bucketed by UTC day of event time and by device:
 * facts are computed from the sets at read time, sorted, so they do not
 * depend on arrival order; a reading already held (same device-day and seq)
 * is not stored twice.
 *
 * Compact by kind, because memory per reading bounds the ingest rate a
 * process can sustain (BENCHMARKS.md):
 * - heartbeats (status "online") keep only their time: that is all
 *   device-health needs, and at a county's rates they are most of the traffic;
 * - temperature readings (most of the rest; all of the bench's) are rows of
 *   TEMP_STRIDE numbers in one flat array per device-day, their strings
 *   interned in the day bucket's `strings`: about 60 bytes each in V8, against
 *   about 380 as objects keyed by seq strings. The payload's `ts` is dropped
 *   (eventTime is what every rule reads); collect() rebuilds the objects;
 * - every other reading is kept whole (without `ts`), in arrival order.
 * Lookups the JSON form does not carry (seq -> row, string -> index) are
 * derived caches outside the state (WeakMaps), rebuilt on demand after a
 * restore: the state alone decides every result.
 *
 * Ownership: evaluate() and tick() update the state they are given in place
 * and return it (the engine owns it; the adapter keeps only the returned
 * reference). Copy-on-write per reading made a busy device-day quadratic:
 * 40 000 readings took 12 s. Outputs still depend only on the inputs.
 */
import type { DeviceMessage, MessageKind } from '../../schemas/src/device-messages.js';
import { isCut } from './coverage.js';
import type { RuleId } from './facts.js';
import type { StoredOf, StoredReading } from './reading.js';
import { DAY_MS } from '../time/durations.js';

export type { StoredReading, StoredOf } from './reading.js';

/** The engine input: a journal row (readings table) as the adapter hands it over. */
export type ReadingInput = DeviceMessage & { readingId: number; eventTime: number; receivedAt: number };

/**
 * A temperature reading's row in DeviceDay.temps: seq, eventTime, readingId,
 * temperatureC, gate (index into the bucket's strings) * 4 + subject (index
 * into SUBJECTS), personRef (index into the bucket's strings).
 */
export const TEMP_STRIDE = 6;
/**
 * Rows per chunk of DeviceDay.temps: 12,288 numbers, about 98 KB, so a busy
 * device-day grows by small arrays (no copy of one huge array, no length limit).
 */
export const TEMP_CHUNK = 2048;
const CHUNK_LENGTH = TEMP_CHUNK * TEMP_STRIDE;
const SUBJECTS = ['resident', 'visitor', 'staff'] as const;

export interface DeviceDay {
  /** Event times of heartbeats, sorted, unique. */
  heard: number[];
  /** Temperature readings, TEMP_STRIDE numbers each, in arrival order, TEMP_CHUNK rows per chunk. */
  temps: number[][];
  /** Every other reading, in arrival order. */
  recs: StoredReading[];
  /** How many of recs are of each kind (lets collect() skip device-days). */
  kinds: Partial<Record<MessageKind, number>>;
  /** Highest seq in temps and recs (-1: none): a higher one is new without a lookup. */
  top: number;
}

/** One UTC day of a community: its devices' readings and the strings their rows point to. */
export interface DayBucket {
  devices: Record<string, DeviceDay>;
  strings: string[];
}

export interface OpenAlarm {
  rule: RuleId;
  subject: string;
  eventTime: number;
}

export interface CommunityState {
  /** UTC day number (floor(eventTime / day)) -> readings of that day. */
  buckets: Record<string, DayBucket>;
  /** Last service-clock receipt per device, for silence alarms in tick(). */
  lastRx: Record<string, number>;
  /** First tick that saw this community: devices never heard are silent since then. */
  watchSince: number | null;
  /** Alarms this engine raised and will clear, by alarmKey(). */
  open: Record<string, OpenAlarm>;
  /**
   * The event-time watermark (watermark.ts): the latest min(eventTime, receivedAt) of the
   * community's readings. Absent until the first reading (and in states written before it).
   */
  mark?: number;
  /** Service-clock receipt of the reading that last moved `mark`: tick() reads event time on from there. */
  markAt?: number;
  /** Latest event time each device was heard at (any reading but an offline / fault status), for watermark.ts. */
  heardAt?: Record<string, number>;
  /** Each device's own watermark: what a device reports is judged on it (watermark.ts). */
  deviceMarks?: Record<string, number>;
  /** When each device's own watermark last moved (service clock). */
  deviceMarksAt?: Record<string, number>;
}

export interface RulesState {
  version: 2;
  communities: Record<string, CommunityState>;
}

export function createInitialState(): RulesState {
  return { version: 2, communities: {} };
}

export function emptyCommunity(): CommunityState {
  return { buckets: {}, lastRx: {}, watchSince: null, open: {} };
}

export const bucketOf = (ms: number): number => Math.floor(ms / DAY_MS);

export function isHeartbeat(m: { kind: MessageKind; payload: unknown }): boolean {
  return m.kind === 'status' && (m.payload as { state: string }).state === 'online';
}

// Derived lookups, never serialised: rebuilt from the state when missing.
const stringIndex = new WeakMap<string[], Map<string, number>>();
/** seq -> row number in temps (>= 0, counted across chunks) or -(index in recs) - 1. */
const seqIndex = new WeakMap<DeviceDay, Map<number, number>>();

function indexOf(strings: string[]): Map<string, number> {
  let index = stringIndex.get(strings);
  if (!index) {
    index = new Map(strings.map((v, i) => [v, i]));
    stringIndex.set(strings, index);
  }
  return index;
}

function intern(strings: string[], s: string): number {
  const index = indexOf(strings);
  let i = index.get(s);
  if (i === undefined) {
    i = strings.length;
    strings.push(s);
    index.set(s, i);
  }
  return i;
}

/** Index of s in strings without adding it; -1 when absent. */
function lookup(strings: string[], s: string): number {
  return indexOf(strings).get(s) ?? -1;
}

function seqsOf(day: DeviceDay): Map<number, number> {
  let index = seqIndex.get(day);
  if (!index) {
    index = new Map();
    day.temps.forEach((rows, c) => {
      for (let i = 0; i < rows.length; i += TEMP_STRIDE) index?.set(rows[i] as number, c * TEMP_CHUNK + i / TEMP_STRIDE);
    });
    day.recs.forEach((r, k) => index?.set(r.payload.seq, -k - 1));
    seqIndex.set(day, index);
  }
  return index;
}

function toStored(input: ReadingInput): StoredReading {
  const { ts: _ts, ...payload } = input.payload;
  return { kind: input.kind, deviceId: input.deviceId, payload, readingId: input.readingId, eventTime: input.eventTime } as StoredReading;
}

/** Inserts t into the sorted list in place; false when it is already there. Mostly an append. */
function insertSorted(list: number[], t: number): boolean {
  const last = list[list.length - 1];
  if (last === undefined || last < t) {
    list.push(t);
    return true;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === t) return false;
  list.splice(lo, 0, t);
  return true;
}

/** Appends a temperature reading's row; false when it does not fit one (then it is kept whole). */
function pushRow(day: DeviceDay, input: ReadingInput, strings: string[]): boolean {
  if (input.kind !== 'temperature') return false;
  const p = input.payload;
  // Only the three most frequent subjects fit a row (2 bits); the others are kept whole.
  const subject = (SUBJECTS as readonly string[]).indexOf(p.subject);
  if (subject < 0) return false;
  let rows = day.temps[day.temps.length - 1];
  if (rows === undefined || rows.length >= CHUNK_LENGTH) day.temps.push((rows = []));
  rows.push(p.seq, input.eventTime, input.readingId, p.temperatureC, intern(strings, p.gateId) * 4 + subject, intern(strings, p.personRef));
  return true;
}

/** Adds the reading to its device-day in place; false when it is a duplicate. */
function addToDevice(bucket: DayBucket, day: DeviceDay, input: ReadingInput): boolean {
  if (isHeartbeat(input)) return insertSorted(day.heard, input.eventTime);
  const seq = input.payload.seq;
  if (seq <= day.top) {
    const at = seqsOf(day).get(seq);
    if (at !== undefined) {
      // Same (device, seq): keep the lowest journal id so evidence does not depend on arrival order.
      if (at >= 0) {
        const rows = day.temps[Math.floor(at / TEMP_CHUNK)] as number[];
        const i = (at % TEMP_CHUNK) * TEMP_STRIDE + 2;
        if (input.readingId < (rows[i] as number)) rows[i] = input.readingId;
      } else {
        const held = day.recs[-at - 1] as StoredReading;
        if (input.readingId < held.readingId) day.recs[-at - 1] = { ...held, readingId: input.readingId };
      }
      return false;
    }
  } else day.top = seq;
  const cached = seqIndex.get(day);
  const rowNo = Math.max(0, day.temps.length - 1) * TEMP_CHUNK + (day.temps[day.temps.length - 1]?.length ?? 0) / TEMP_STRIDE;
  if (pushRow(day, input, bucket.strings)) cached?.set(seq, rowNo);
  else {
    cached?.set(seq, -day.recs.length - 1);
    day.recs.push(toStored(input));
    day.kinds[input.kind] = (day.kinds[input.kind] ?? 0) + 1;
  }
  return true;
}

/**
 * Records a reading in the community state, in place (the engine owns its
 * state; copying it per reading made a busy day quadratic). Returns whether
 * it was a duplicate (nothing counted twice).
 */
export function recordReading(cs: CommunityState, input: ReadingInput): { cs: CommunityState; duplicate: boolean } {
  const bk = String(bucketOf(input.eventTime));
  const bucket = (cs.buckets[bk] ??= { devices: {}, strings: [] });
  const day = (bucket.devices[input.deviceId] ??= { heard: [], temps: [], recs: [], kinds: {}, top: -1 });
  cs.lastRx[input.deviceId] = Math.max(cs.lastRx[input.deviceId] ?? -Infinity, input.receivedAt);
  return { cs, duplicate: !addToDevice(bucket, day, input) };
}

/** Buckets that may hold event times in [from, to). */
function bucketsIn(cs: CommunityState, from: number, to: number): DayBucket[] {
  const out: DayBucket[] = [];
  for (const [bk, bucket] of Object.entries(cs.buckets)) {
    const b = Number(bk);
    if ((b + 1) * DAY_MS <= from || b * DAY_MS >= to) continue;
    out.push(bucket);
  }
  return out;
}

function rowToReading(rows: number[], i: number, deviceId: string, strings: string[]): StoredOf<'temperature'> {
  const gs = rows[i + 4] as number;
  const subject = gs % 4;
  return {
    kind: 'temperature',
    deviceId,
    payload: {
      seq: rows[i] as number,
      gateId: strings[(gs - subject) / 4] as string,
      temperatureC: rows[i + 3] as number,
      subject: SUBJECTS[subject] as (typeof SUBJECTS)[number],
      personRef: strings[rows[i + 5] as number] as string,
    },
    readingId: rows[i + 2] as number,
    eventTime: rows[i + 1] as number,
  };
}

/** Rebuilds the temperature readings of a device-day with eventTime in [from, to) (and of personRef, when given) into out. */
function pushTemps(out: StoredReading[], day: DeviceDay, deviceId: string, strings: string[], from: number, to: number, personRef?: number): void {
  for (const rows of day.temps) {
    for (let i = 0; i < rows.length; i += TEMP_STRIDE) {
      const t = rows[i + 1] as number;
      if (t >= from && t < to && (personRef === undefined || rows[i + 5] === personRef)) out.push(rowToReading(rows, i, deviceId, strings));
    }
  }
}

const byTimeThenId = (a: StoredReading, b: StoredReading) => a.eventTime - b.eventTime || a.readingId - b.readingId;

export interface CollectOptions {
  /** Temperature readings only from this narrower range (a busy day holds mostly them, and they carry no state). */
  temperaturesIn?: readonly [number, number];
}

/**
 * Readings with eventTime in [from, to), sorted by (eventTime, readingId);
 * only those of `kind` when given (device-days without it are skipped unread,
 * which keeps the periodic ticks cheap on busy thermometer days).
 */
export function collect(cs: CommunityState, from: number, to: number, kind?: MessageKind, opts: CollectOptions = {}): StoredReading[] {
  const out: StoredReading[] = [];
  const withTemps = kind === undefined || kind === 'temperature';
  const [tFrom, tTo] = opts.temperaturesIn ?? [from, to];
  for (const bucket of bucketsIn(cs, from, to)) {
    for (const [deviceId, day] of Object.entries(bucket.devices)) {
      if (withTemps && day.temps.length > 0) pushTemps(out, day, deviceId, bucket.strings, Math.max(from, tFrom), Math.min(to, tTo));
      if (kind !== undefined && !day.kinds[kind]) continue;
      for (const r of day.recs) {
        if (r.eventTime < from || r.eventTime >= to || (kind !== undefined && r.kind !== kind)) continue;
        if (r.kind === 'temperature' && (r.eventTime < tFrom || r.eventTime >= tTo)) continue;
        out.push(r);
      }
    }
  }
  return out.sort(byTimeThenId);
}

/** Temperature readings of one person with eventTime in [from, to), sorted by (eventTime, readingId). */
export function temperaturesOf(cs: CommunityState, personRef: string, from: number, to: number): StoredOf<'temperature'>[] {
  const out: StoredReading[] = [];
  for (const bucket of bucketsIn(cs, from, to)) {
    const ref = lookup(bucket.strings, personRef);
    for (const [deviceId, day] of Object.entries(bucket.devices)) {
      if (ref >= 0 && day.temps.length > 0) pushTemps(out, day, deviceId, bucket.strings, from, to, ref);
      if (!day.kinds.temperature) continue;
      for (const r of day.recs) {
        if (r.kind === 'temperature' && r.payload.personRef === personRef && r.eventTime >= from && r.eventTime < to) out.push(r);
      }
    }
  }
  return out.sort(byTimeThenId) as StoredOf<'temperature'>[];
}

/** Does any temperature row of the device-day have an event time that passes `within`? */
function anyRowIn(day: DeviceDay, within: (t: number) => boolean): boolean {
  for (const rows of day.temps) for (let i = 1; i < rows.length; i += TEMP_STRIDE) if (within(rows[i] as number)) return true;
  return false;
}

/** Devices that sent a reading of `kind` (heartbeats: status) with eventTime in [from, to), sorted. */
export function senders(cs: CommunityState, kind: MessageKind, from: number, to: number): string[] {
  const out = new Set<string>();
  const within = (t: number) => t >= from && t < to;
  for (const bucket of bucketsIn(cs, from, to)) {
    for (const [deviceId, day] of Object.entries(bucket.devices)) {
      if (out.has(deviceId)) continue;
      let sent = kind === 'status' && day.heard.some(within);
      if (!sent && kind === 'temperature') sent = anyRowIn(day, within);
      if (!sent && day.kinds[kind]) sent = day.recs.some((r) => r.kind === kind && within(r.eventTime));
      if (sent) out.add(deviceId);
    }
  }
  return [...out].sort();
}

/** Was the device heard (a heartbeat, or any reading but an offline / fault status) with eventTime in [from, to)? */
export function heardIn(cs: CommunityState, deviceId: string, from: number, to: number): boolean {
  const within = (t: number) => t >= from && t < to;
  for (const bucket of bucketsIn(cs, from, to)) {
    const day = bucket.devices[deviceId];
    if (!day) continue;
    if (day.heard.some(within)) return true;
    if (anyRowIn(day, within)) return true;
    if (day.recs.some((r) => within(r.eventTime) && !isCut(r))) return true;
  }
  return false;
}

/** Heartbeat times of a device in [from, to), sorted. */
export function heardTimes(cs: CommunityState, deviceId: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (const bucket of bucketsIn(cs, from, to)) for (const t of bucket.devices[deviceId]?.heard ?? []) if (t >= from && t < to) out.push(t);
  return out.sort((a, b) => a - b);
}

/** Drop buckets wholly older than keepFrom. */
export function prune(cs: CommunityState, keepFrom: number): CommunityState {
  for (const bk of Object.keys(cs.buckets)) if ((Number(bk) + 1) * DAY_MS <= keepFrom) delete cs.buckets[bk];
  return cs;
}

/**
 * The engine's state: plain JSON (no Map, Set or class), so it round-trips
 * through JSON.stringify / JSON.parse exactly.
 *
 * Readings are kept as sets, bucketed by UTC day of event time and by device:
 * facts are computed from the sets at read time, sorted, so they do not
 * depend on arrival order; a reading already held (same device and seq, or
 * same readingId) is not stored twice. Heartbeats (status "online") keep only
 * their time: that is all device-health needs, and they are most of the traffic.
 */
import type { DeviceMessage, MessageKind } from '../../schemas/src/device-messages.js';
import type { RuleId } from './facts.js';
import { DAY_MS } from './time.js';

type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A reading as held: the validated message with its journal id and event time (ms). */
export type StoredReading = DistOmit<DeviceMessage, 'communityId'> & { readingId: number; eventTime: number };
export type StoredOf<K extends MessageKind> = Extract<StoredReading, { kind: K }>;

/** The engine input: a journal row (readings table) as the adapter hands it over. */
export type ReadingInput = DeviceMessage & { readingId: number; eventTime: number; receivedAt: number };

export interface DeviceDay {
  /** Event times of heartbeats, sorted, unique. */
  heard: number[];
  /** Every other reading, by seq. */
  recs: Record<string, StoredReading>;
}

export interface OpenAlarm {
  rule: RuleId;
  subject: string;
  eventTime: number;
}

export interface CommunityState {
  /** UTC day number (floor(eventTime / day)) -> deviceId -> readings. */
  buckets: Record<string, Record<string, DeviceDay>>;
  /** Last service-clock receipt per device, for silence alarms in tick(). */
  lastRx: Record<string, number>;
  /** First tick that saw this community: devices never heard are silent since then. */
  watchSince: number | null;
  /** Alarms this engine raised and will clear, by alarmKey(). */
  open: Record<string, OpenAlarm>;
}

export interface RulesState {
  version: 1;
  communities: Record<string, CommunityState>;
}

export function createInitialState(): RulesState {
  return { version: 1, communities: {} };
}

export function emptyCommunity(): CommunityState {
  return { buckets: {}, lastRx: {}, watchSince: null, open: {} };
}

export const bucketOf = (ms: number): number => Math.floor(ms / DAY_MS);

export function isHeartbeat(m: { kind: MessageKind; payload: unknown }): boolean {
  return m.kind === 'status' && (m.payload as { state: string }).state === 'online';
}

function toStored(input: ReadingInput): StoredReading {
  const { communityId: _c, receivedAt: _r, ...rest } = input;
  return rest as StoredReading;
}

function insertSorted(list: readonly number[], t: number): number[] | null {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === t) return null;
  return [...list.slice(0, lo), t, ...list.slice(lo)];
}

/** New DeviceDay with the reading, or null when it is a duplicate. */
function addToDevice(day: DeviceDay, input: ReadingInput): DeviceDay | null {
  if (isHeartbeat(input)) {
    const heard = insertSorted(day.heard, input.eventTime);
    return heard ? { heard, recs: day.recs } : null;
  }
  const seq = String(input.payload.seq);
  const held = day.recs[seq];
  if (held) {
    // Same (device, seq): keep the lowest journal id so evidence does not depend on arrival order.
    if (input.readingId >= held.readingId) return null;
    return { heard: day.heard, recs: { ...day.recs, [seq]: { ...held, readingId: input.readingId } } };
  }
  if (Object.values(day.recs).some((r) => r.readingId === input.readingId)) return null;
  return { heard: day.heard, recs: { ...day.recs, [seq]: toStored(input) } };
}

/** Record a reading (copy-on-write along its path). duplicate: nothing changed. */
export function recordReading(cs: CommunityState, input: ReadingInput): { cs: CommunityState; duplicate: boolean } {
  const bk = String(bucketOf(input.eventTime));
  const bucket = cs.buckets[bk] ?? {};
  const next = addToDevice(bucket[input.deviceId] ?? { heard: [], recs: {} }, input);
  const lastRx = Math.max(cs.lastRx[input.deviceId] ?? -Infinity, input.receivedAt);
  const rx = { ...cs.lastRx, [input.deviceId]: lastRx };
  if (!next) return { cs: { ...cs, lastRx: rx }, duplicate: true };
  return {
    cs: { ...cs, lastRx: rx, buckets: { ...cs.buckets, [bk]: { ...bucket, [input.deviceId]: next } } },
    duplicate: false,
  };
}

/** Readings with eventTime in [from, to), sorted by (eventTime, readingId). */
export function collect(cs: CommunityState, from: number, to: number): StoredReading[] {
  const out: StoredReading[] = [];
  for (const [bk, bucket] of Object.entries(cs.buckets)) {
    const b = Number(bk);
    if ((b + 1) * DAY_MS <= from || b * DAY_MS >= to) continue;
    for (const day of Object.values(bucket)) {
      for (const r of Object.values(day.recs)) if (r.eventTime >= from && r.eventTime < to) out.push(r);
    }
  }
  return out.sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
}

/** Heartbeat times of a device in [from, to), sorted. */
export function heardTimes(cs: CommunityState, deviceId: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (const [bk, bucket] of Object.entries(cs.buckets)) {
    const b = Number(bk);
    if ((b + 1) * DAY_MS <= from || b * DAY_MS >= to) continue;
    for (const t of bucket[deviceId]?.heard ?? []) if (t >= from && t < to) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/** Drop buckets wholly older than keepFrom. */
export function prune(cs: CommunityState, keepFrom: number): CommunityState {
  const keep = Object.entries(cs.buckets).filter(([bk]) => (Number(bk) + 1) * DAY_MS > keepFrom);
  if (keep.length === Object.keys(cs.buckets).length) return cs;
  return { ...cs, buckets: Object.fromEntries(keep) };
}

/**
 * The engine's state: plain JSON (no Map, Set or class), so it round-trips
 * through JSON.stringify / JSON.parse exactly.
 *
 * Readings are kept as sets, bucketed by UTC day of event time and by device:
 * facts are computed from the sets at read time, sorted, so they do not
 * depend on arrival order; a reading already held (same device and seq) is
 * not stored twice. Heartbeats (status "online") keep only their time: that is
 * all device-health needs, and they are most of the traffic.
 *
 * Ownership: evaluate() and tick() update the state they are given in place
 * and return it (the engine owns it; the adapter keeps only the returned
 * reference). Copy-on-write per reading made a busy device-day quadratic:
 * 40 000 readings took 12 s. Outputs still depend only on the inputs.
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
  /** How many of recs are of each kind (lets collect() skip device-days). */
  kinds: Partial<Record<MessageKind, number>>;
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

/** Adds the reading to its device-day in place; false when it is a duplicate. */
function addToDevice(day: DeviceDay, input: ReadingInput): boolean {
  if (isHeartbeat(input)) return insertSorted(day.heard, input.eventTime);
  const seq = String(input.payload.seq);
  const held = day.recs[seq];
  if (held) {
    // Same (device, seq): keep the lowest journal id so evidence does not depend on arrival order.
    if (input.readingId < held.readingId) day.recs[seq] = { ...held, readingId: input.readingId };
    return false;
  }
  day.recs[seq] = toStored(input);
  day.kinds[input.kind] = (day.kinds[input.kind] ?? 0) + 1;
  return true;
}

/**
 * Records a reading in the community state, in place (the engine owns its
 * state; copying it per reading made a busy day quadratic). Returns whether
 * it was a duplicate (nothing counted twice).
 */
export function recordReading(cs: CommunityState, input: ReadingInput): { cs: CommunityState; duplicate: boolean } {
  const bk = String(bucketOf(input.eventTime));
  const bucket = (cs.buckets[bk] ??= {});
  const day = (bucket[input.deviceId] ??= { heard: [], recs: {}, kinds: {} });
  cs.lastRx[input.deviceId] = Math.max(cs.lastRx[input.deviceId] ?? -Infinity, input.receivedAt);
  return { cs, duplicate: !addToDevice(day, input) };
}

/**
 * Readings with eventTime in [from, to), sorted by (eventTime, readingId);
 * only those of `kind` when given (device-days without it are skipped unread,
 * which keeps the periodic ticks cheap on busy thermometer days).
 */
export function collect(cs: CommunityState, from: number, to: number, kind?: MessageKind): StoredReading[] {
  const out: StoredReading[] = [];
  for (const [bk, bucket] of Object.entries(cs.buckets)) {
    const b = Number(bk);
    if ((b + 1) * DAY_MS <= from || b * DAY_MS >= to) continue;
    for (const day of Object.values(bucket)) {
      if (kind !== undefined && !day.kinds[kind]) continue;
      for (const r of Object.values(day.recs)) if (r.eventTime >= from && r.eventTime < to && (kind === undefined || r.kind === kind)) out.push(r);
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
  for (const bk of Object.keys(cs.buckets)) if ((Number(bk) + 1) * DAY_MS <= keepFrom) delete cs.buckets[bk];
  return cs;
}

/**
 * Pure mapping of journal readings, alarm events, rule outcomes and daily
 * facts to InfluxDB line protocol (as the client's `Point` writes it). The
 * schema is documented in ./README.md; keep both in step.
 *
 * - Tags are low-cardinality: community, device, gate / area / room, and the
 *   enums of each payload. Person refs (personRef, staffRef, operatorRef, an
 *   alarm's subject) are never written at all: not as tags (cardinality,
 *   privacy), not as fields (the journal in SQLite keeps them).
 * - Field types never change: measured values are always floats, flags and
 *   counters always integers (`i`), free text always strings.
 * - Timestamps are nanoseconds: event time in ms * 1e6 plus a sub-ms part
 *   from the record's own id (seq mod 1e6 for readings). Two readings of one
 *   device in the same ms stay two points, and a resend of the same reading
 *   lands on the same point (same series, same time, same fields): a
 *   redelivery overwrites itself instead of adding a point.
 */
import { MESSAGE_KINDS, type DeviceMessage, type MessageKind } from '../../schemas/src/device-messages.js';
import { FIGURES, WHOLE_COMMUNITY, type DailyFact } from '../rules/facts.js';
import type { Alarm } from '../domain/alarm.js';
import { dayStart, isDay } from '../time/local-day.js';

const SUB_MS = 1_000_000;

/** A journal reading (readings table) with its payload parsed. */
export type JournalReading = DeviceMessage & { seq: number; eventTime: number };

/** A row of the readings table as better-sqlite3 returns it. */
export interface ReadingRow {
  community_id: string;
  device_id: string;
  kind: string;
  seq: number;
  event_time: number;
  payload: string;
}

/** Where something happened, as low-cardinality tags. Never a person. */
export interface Place {
  gateId?: string;
  areaId?: string;
  roomId?: string;
  deviceId?: string;
}

/** A change in an alarm's life, as stored in the alarms table. */
export interface AlarmEvent {
  alarmId: number;
  communityId: string;
  rule: string;
  severity: string;
  event: 'opened' | 'repeated' | 'acknowledged' | 'resolved';
  /** Event time in unix ms: the reading's time for opened/repeated, the service clock for acknowledged/resolved. */
  eventTime: number;
  occurrences: number;
  title: string;
  /** Place tags when the alarm is about a place; the alarm's subject itself is never written (it may be a person). */
  place?: Place;
}

/** A rule's decision about one reading (e.g. staff-fever "violation", gate-staffed "unstaffed"). */
export interface RuleOutcomePoint {
  communityId: string;
  rule: string;
  /** A low-cardinality enum chosen by the rule. */
  outcome: string;
  eventTime: number;
  /** Journal id of the reading that caused it: the point's identity. */
  readingId: number;
  place?: Place;
  values?: Record<string, number>;
}

/** Nanosecond timestamp: ms * 1e6 + (discriminator mod 1e6), as a decimal string. */
export function nanos(ms: number, discriminator: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`event time must be an integer of ms, got ${ms}`);
  if (!Number.isSafeInteger(discriminator) || discriminator < 0) throw new RangeError(`discriminator must be a non-negative integer, got ${discriminator}`);
  return (BigInt(ms) * BigInt(SUB_MS) + BigInt(discriminator % SUB_MS)).toString();
}

/** What one point carries; undefined values (and non-finite floats) are left out. */
interface PointSpec {
  tags: Record<string, string | undefined>;
  floats?: Record<string, number | undefined>;
  ints?: Record<string, number>;
  strings?: Record<string, string | undefined>;
}

/**
 * Line protocol cannot carry a newline: control characters become spaces.
 * Spaces, commas and `=` in tags are escaped, quotes and backslashes in
 * string fields, but a backslash in a tag value would escape the character
 * after it (`a\\ b` ends the value early): in tags each backslash becomes `/`
 * (ids and enums never hold one).
 */
const CONTROL = /[\r\n\t\f\v]/g;
const clean = (value: string): string => value.replace(CONTROL, ' ');
const cleanTag = (value: string): string => clean(value).replace(/\\/g, '/');
const TAG_SPECIAL = /[ ,=]/g;
const escapeTag = (value: string): string => value.replace(TAG_SPECIAL, '\\$&');
const quote = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;
// Most values need none of it: one test, then the replaces only when it matches.
const TAG_NEEDS = /[\r\n\t\f\v\\ ,=]/;
const STRING_NEEDS = /[\r\n\t\f\v"\\]/;
const tagValue = (value: string): string => (TAG_NEEDS.test(value) ? escapeTag(cleanTag(value)) : value);
const stringValue = (value: string): string => (STRING_NEEDS.test(value) ? quote(clean(value)) : `"${value}"`);
const byKey = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * One line, exactly as the client's `Point` writes it (test/influx/points.test.ts
 * compares the two): tags and fields sorted by key, empty tag values left out,
 * floats as `String(n)`, integers as `<floor>i`. Written by hand because `Point`
 * cost 7-18 µs a line, most of a reading's projection (bench/influx-writer.ts).
 */
function toLine(measurement: string, spec: PointSpec, time: string): string {
  const fields: [string, string][] = [];
  for (const [k, v] of Object.entries(spec.floats ?? {})) if (v !== undefined && Number.isFinite(v)) fields.push([k, String(v)]);
  for (const [k, v] of Object.entries(spec.ints ?? {})) {
    if (!Number.isFinite(v) || Math.abs(v) >= 9223372036854776e3) throw new Error(`invalid integer value for field '${k}': '${v}'!`);
    fields.push([k, `${Math.floor(v)}i`]);
  }
  for (const [k, v] of Object.entries(spec.strings ?? {})) if (v !== undefined) fields.push([k, stringValue(v)]);
  if (fields.length === 0) throw new Error(`${measurement} point has no fields`);
  const tags: [string, string][] = [];
  for (const [k, v] of Object.entries(spec.tags)) if (v !== undefined && v !== '') tags.push([k, tagValue(v)]);
  // Point writes a later duplicate key over an earlier one; the specs never repeat a key.
  fields.sort(byKey);
  tags.sort(byKey);
  let line = measurement.replace(/[ ,]/g, '\\$&');
  for (const [k, v] of tags) line += `,${tagValue(k)}=${v}`;
  line += ' ';
  for (let i = 0; i < fields.length; i++) line += `${i === 0 ? '' : ','}${tagValue(fields[i]![0])}=${fields[i]![1]}`;
  return `${line} ${time}`;
}

const flag = (value: boolean): number => (value ? 1 : 0);

const placeTags = (place: Place | undefined) => ({ gate: place?.gateId, area: place?.areaId, room: place?.roomId, device: place?.deviceId });

const MEASUREMENT: Record<MessageKind, string> = {
  temperature: 'temperature',
  access: 'access',
  shift: 'shift',
  disinfection: 'disinfection',
  ventilation: 'ventilation',
  broadcast: 'broadcast',
  door: 'door',
  status: 'device_status',
};

/** Per kind: tags and fields beyond community, device and seq. */
function readingSpec(r: DeviceMessage): PointSpec {
  switch (r.kind) {
    case 'temperature': {
      const m = r.payload;
      return { tags: { gate: m.gateId, subject: m.subject }, floats: { temperature_c: m.temperatureC } };
    }
    case 'access': {
      const { gateId, direction, role, decision, checks } = r.payload;
      // An exit may carry no checks: no check fields then, rather than zeros that read as "not checked".
      return {
        tags: { gate: gateId, direction, role, decision },
        ints: checks
          ? {
              temperature_checked: flag(checks.temperature),
              identity_checked: flag(checks.identity),
              itinerary_checked: flag(checks.itinerary),
              fully_checked: flag(checks.temperature && checks.identity && checks.itinerary),
            }
          : {},
      };
    }
    case 'shift':
      return { tags: { gate: r.payload.gateId, event: r.payload.event } };
    case 'disinfection': {
      const m = r.payload;
      return {
        tags: { area: m.areaId, target: m.target, agent: m.agent },
        floats: { concentration_mg_per_l: m.concentrationMgPerL, duration_s: m.durationS },
        strings: { location: m.location },
      };
    }
    case 'ventilation':
      return { tags: { area: r.payload.areaId }, floats: { duration_s: r.payload.durationS }, strings: { location: r.payload.location } };
    case 'broadcast':
      return { tags: { state: r.payload.state }, ints: { playing: flag(r.payload.state === 'playing') } };
    case 'door':
      return { tags: { room: r.payload.roomId, state: r.payload.state }, ints: { open: flag(r.payload.state === 'open') } };
    case 'status': {
      const m = r.payload;
      return {
        tags: { state: m.state },
        floats: { battery_pct: m.batteryPct, rssi_dbm: m.rssiDbm, uptime_s: m.uptimeS },
        ints: { online: flag(m.state === 'online') },
        strings: { firmware: m.firmware },
      };
    }
  }
}

/** One journal reading as one line. */
export function readingToLine(r: JournalReading): string {
  const spec = readingSpec(r);
  return toLine(
    MEASUREMENT[r.kind],
    { ...spec, tags: { community: r.communityId, device: r.deviceId, ...spec.tags }, ints: { ...spec.ints, seq: r.seq } },
    nanos(r.eventTime, r.seq),
  );
}

/** A readings-table row (payload as stored JSON) as one line. The journal holds validated payloads only. */
export function readingRowToLine(row: ReadingRow): string {
  if (!(MESSAGE_KINDS as string[]).includes(row.kind)) throw new Error(`unknown reading kind "${row.kind}"`);
  return readingToLine({
    kind: row.kind as MessageKind,
    communityId: row.community_id,
    deviceId: row.device_id,
    seq: row.seq,
    eventTime: row.event_time,
    payload: JSON.parse(row.payload) as never,
  });
}

/** An alarm as stored (services/store/alarms-repo) at one step of its life; the time is that step's. */
export function alarmToEvent(alarm: Alarm, event: AlarmEvent['event'], place?: Place): AlarmEvent {
  const eventTime = event === 'acknowledged' ? alarm.acknowledgedAt : event === 'resolved' ? alarm.resolvedAt : alarm.lastEventTime;
  if (eventTime === null) throw new Error(`alarm ${alarm.id} has no ${event} time`);
  const { id: alarmId, communityId, rule, severity, occurrences, title } = alarm;
  return { alarmId, communityId, rule, severity, event, eventTime, occurrences, title, place };
}

export function alarmEventToLine(a: AlarmEvent): string {
  return toLine(
    'alarm',
    {
      tags: { community: a.communityId, rule: a.rule, severity: a.severity, event: a.event, ...placeTags(a.place) },
      ints: { alarm_id: a.alarmId, occurrences: a.occurrences },
      strings: { title: a.title },
    },
    nanos(a.eventTime, a.alarmId),
  );
}

export function ruleOutcomeToLine(o: RuleOutcomePoint): string {
  return toLine(
    'rule_outcome',
    {
      tags: { community: o.communityId, rule: o.rule, outcome: o.outcome, ...placeTags(o.place) },
      floats: o.values,
      ints: { reading_id: o.readingId },
    },
    nanos(o.eventTime, o.readingId),
  );
}

const PLACE_TAG: Record<string, string | undefined> = { gateId: 'gate', areaId: 'area', roomId: 'room', deviceId: 'device' };

/**
 * A daily fact at local midnight of its day. Its status is a field, not a tag:
 * when a fact is recomputed (fail -> pass) the new point must overwrite the
 * old one, which a changed tag would not. Facts about a person (staffRef
 * places) carry no place tag; they are kept apart by a sub-second offset that
 * is a hash of the place (FNV-1a mod 1e9 ns; two staff of one community
 * collide with odds ~n²/2e9).
 */
export function dailyFactToLine(f: DailyFact, timeZone: string): string {
  if (!isDay(f.day)) throw new RangeError(`fact day must be YYYY-MM-DD, got "${f.day}"`);
  const midnight = dayStart(f.day, timeZone);
  const placeTag = PLACE_TAG[FIGURES[f.rule].place];
  const offset = placeTag !== undefined || f.place === WHOLE_COMMUNITY ? 0 : fnv1a(f.place) % 1_000_000_000;
  return toLine(
    'daily_fact',
    {
      tags: { community: f.communityId, rule: f.rule, ...(placeTag === undefined ? {} : { [placeTag]: f.place }) },
      floats: f.figures,
      ints: { readings: f.readingIds.length },
      strings: { status: f.status, summary: f.summary },
    },
    (BigInt(midnight) * BigInt(SUB_MS) + BigInt(offset)).toString(),
  );
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/**
 * The dashboards' community picker lists names, not ids, but must filter by
 * id: Grafana's InfluxDB variables take one string per option, so `label`
 * holds both, `<id> <name>` (an id is a slug, never a space), and the
 * variable's regex splits it into value and text (dashboards/common.ts). A
 * rename is a new point of the same series: `last("label")` is the latest name.
 */
export function communityToLine(community: { id: string; name: string }, atMs: number): string {
  const name = community.name.trim() || community.id;
  return toLine('community', { tags: { community: community.id }, strings: { name, label: `${community.id} ${name}` } }, nanos(atMs, 0));
}

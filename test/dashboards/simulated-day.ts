/**
 * A simulated day for the dashboard tests: readings of two communities'
 * devices, the alarm events, daily facts and checklist scores that go with
 * them, on one local day (Asia/Shanghai) with a little of the day before. Every
 * figure the dashboards must show is worked out by hand in queries.test.ts.
 */
import type { DeviceMessage } from '../../schemas/src/device-messages.js';
import type { DailyFact } from '../../services/rules/facts.js';
import type { AlarmEvent } from '../../services/influx/points.js';
import { CHECKLIST } from '../../services/scoring/checklist.js';
import type { InspectionTotal } from '../../services/scoring/inspection.js';
import { legacyText } from '../../services/i18n/index.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const iso = (ms: number): string => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;

/** The simulated day's clock: any local day (the service only takes recent ones). */
export interface SimClock {
  /** Local midnight of the simulated day (Asia/Shanghai). */
  DAY0: number;
  /** YYYY-MM-DD of it, and of the day before. */
  DAY0_ISO: string;
  DAY_BEFORE_ISO: string;
  /** "now" as the dashboards see it: 20:00 local on the simulated day. */
  NOW: number;
  /** Local time on the simulated day (dayOffset -1: the day before). */
  at(h: number, m?: number, dayOffset?: number): number;
}

export function simClock(localDay: string): SimClock {
  const DAY0 = Date.parse(`${localDay}T00:00:00+08:00`);
  if (!Number.isFinite(DAY0)) throw new RangeError(`not a day: ${localDay}`);
  return {
    DAY0,
    DAY0_ISO: localDay,
    DAY_BEFORE_ISO: iso(DAY0 - DAY).slice(0, 10),
    NOW: DAY0 + 20 * HOUR,
    at: (h, m = 0, dayOffset = 0) => DAY0 + dayOffset * DAY + h * HOUR + m * 60_000,
  };
}

/** The fixed day of the sink-path test. */
export const FIXED_DAY = simClock('2021-02-03');

export type SimReading = DeviceMessage & { seq: number; eventTime: number };

type Payload<K extends DeviceMessage['kind']> = Omit<Extract<DeviceMessage, { kind: K }>['payload'], 'seq' | 'ts'>;

/** Readings in order of event time, each device numbering its own seq from 1. */
export function simulatedReadings({ at }: SimClock): SimReading[] {
  const out: Array<{ kind: DeviceMessage['kind']; communityId: string; deviceId: string; t: number; payload: object }> = [];
  const add = <K extends DeviceMessage['kind']>(kind: K, communityId: string, deviceId: string, t: number, payload: Payload<K>) =>
    out.push({ kind, communityId, deviceId, t, payload });
  const C1 = 'hc-001';
  const C2 = 'hc-002';

  // Gate temperatures. 37.3 is not a fever; 45.0 is implausible (a device fault).
  const temp = (c: string, device: string, gate: string, t: number, temperatureC: number) =>
    add('temperature', c, device, t, { gateId: gate, temperatureC, subject: 'resident', personRef: `p-${String(Math.round(t / 60_000) % 1000).padStart(4, '0')}` });
  temp(C1, 'therm-g1', 'g1', at(15, 0, -1), 38.5);
  temp(C1, 'therm-g1', 'g1', at(8), 36.5);
  temp(C1, 'therm-g1', 'g1', at(9), 37.3);
  temp(C1, 'therm-g1', 'g1', at(10), 38.1);
  temp(C1, 'therm-g1', 'g1', at(12), 36.8);
  temp(C1, 'therm-g1', 'g1', at(13), 45.0);
  temp(C1, 'therm-g2', 'g2', at(8, 30), 36.6);
  temp(C1, 'therm-g2', 'g2', at(11), 37.5);
  temp(C2, 'therm-b1', 'g1', at(10), 39.0);

  // Entries. g1: 4 residents (one without itinerary check), a food rider let in, two couriers refused,
  // 5 contractors in (3 at 09:00, 2 at 10:00), one refused, 2 out at 11:15, 3 out at 17:00. g2: 2 residents.
  const full = { temperature: true, identity: true, itinerary: true };
  const none = { temperature: false, identity: false, itinerary: false };
  type Access = Payload<'access'>;
  const access = (device: string, t: number, p: Omit<Access, 'checks'> & { checks?: Access['checks'] }) =>
    add('access', C1, device, t, { checks: full, ...p });
  for (const [h, m] of [[7, 0], [7, 30], [8, 10]] as const) access('panel-g1', at(h, m), { gateId: 'g1', direction: 'in', role: 'resident', decision: 'allowed', personRef: 'p-0001' });
  access('panel-g1', at(8, 20), { gateId: 'g1', direction: 'in', role: 'resident', decision: 'allowed', checks: { ...full, itinerary: false } });
  access('panel-g1', at(9, 30), { gateId: 'g1', direction: 'out', role: 'resident', decision: 'allowed', checks: none });
  access('panel-g1', at(9, 40), { gateId: 'g1', direction: 'in', role: 'visitor', decision: 'denied', checks: none });
  access('panel-g1', at(11, 0), { gateId: 'g1', direction: 'in', role: 'courier', decision: 'denied', checks: none });
  access('panel-g1', at(11, 5), { gateId: 'g1', direction: 'in', role: 'courier', decision: 'denied', checks: none });
  access('panel-g1', at(11, 10), { gateId: 'g1', direction: 'in', role: 'food_delivery', decision: 'allowed' });
  for (const [h, m] of [[9, 0], [9, 1], [9, 2], [10, 0], [10, 1]] as const) access('panel-g1', at(h, m), { gateId: 'g1', direction: 'in', role: 'contractor', decision: 'allowed' });
  access('panel-g1', at(10, 30), { gateId: 'g1', direction: 'in', role: 'contractor', decision: 'denied', checks: none });
  for (const [h, m] of [[11, 15], [11, 16], [17, 0], [17, 1], [17, 2]] as const) access('panel-g1', at(h, m), { gateId: 'g1', direction: 'out', role: 'contractor', decision: 'allowed', checks: none });
  access('panel-g2', at(8, 40), { gateId: 'g2', direction: 'in', role: 'resident', decision: 'allowed' });
  access('panel-g2', at(9, 50), { gateId: 'g2', direction: 'in', role: 'resident', decision: 'allowed' });

  // Shifts. g1: night shift from yesterday 20:00 to 08:00, day shift 08:00-16:00, evening from 17:00. g2: 08:00-18:00.
  const shift = (device: string, gate: string, t: number, event: 'start' | 'end', staffRef: string) => add('shift', C1, device, t, { gateId: gate, event, staffRef });
  shift('panel-g1', 'g1', at(20, 0, -1), 'start', 'staff-a');
  shift('panel-g1', 'g1', at(8), 'end', 'staff-a');
  shift('panel-g1', 'g1', at(8), 'start', 'staff-b');
  shift('panel-g1', 'g1', at(16), 'end', 'staff-b');
  shift('panel-g1', 'g1', at(17), 'start', 'staff-c');
  shift('panel-g2', 'g2', at(8), 'start', 'staff-d');
  shift('panel-g2', 'g2', at(18), 'end', 'staff-d');

  // Disinfection. b2-lobby: 250 (valid, boundary), 600 (too strong), 500 (valid); b3-corridor: 300;
  // parking only yesterday; a touch-point wipe and a garbage session (other targets).
  const spray = (device: string, area: string, t: number, target: 'area' | 'touch_points' | 'garbage', agent: 'chlorine' | 'alcohol_75', mg?: number) =>
    add('disinfection', C1, device, t, {
      areaId: area, location: area, target, agent, startedAt: iso(t - 10 * 60_000), durationS: 600, operatorRef: 'staff-e',
      ...(mg === undefined ? {} : { concentrationMgPerL: mg }),
    });
  spray('sprayer-2', 'parking', at(9, 0, -1), 'area', 'chlorine', 400);
  spray('sprayer-2', 'bins', at(7), 'garbage', 'chlorine', 500);
  spray('sprayer-1', 'b2-lobby', at(8), 'area', 'chlorine', 250);
  spray('sprayer-2', 'b3-corridor', at(9), 'area', 'chlorine', 300);
  spray('sprayer-1', 'b2-lobby', at(10), 'touch_points', 'alcohol_75');
  spray('sprayer-1', 'b2-lobby', at(12), 'area', 'chlorine', 600);
  spray('sprayer-1', 'b2-lobby', at(15), 'area', 'chlorine', 500);

  // Ventilation: b2-lobby 20 + 30 + 40 min today (30 min yesterday), b3-corridor 15 min.
  const vent = (device: string, area: string, t: number, durationS: number) => add('ventilation', C1, device, t, { areaId: area, location: area, startedAt: iso(t - durationS * 1000), durationS });
  vent('vent-b2', 'b2-lobby', at(10, 0, -1), 1800);
  vent('vent-b2', 'b2-lobby', at(8, 20), 1200);
  vent('vent-b3', 'b3-corridor', at(9, 20), 900);
  vent('vent-b2', 'b2-lobby', at(13), 1800);
  vent('vent-b2', 'b2-lobby', at(15, 20), 2400);

  // Device status: therm-g2 goes offline at 14:00, hc-002's therm-b1 at 12:00.
  const status = (c: string, device: string, t: number, state: 'online' | 'offline') => add('status', c, device, t, { state, batteryPct: 80 });
  status(C1, 'therm-g1', at(0), 'online');
  status(C1, 'therm-g2', at(0), 'online');
  status(C2, 'therm-b1', at(0), 'online');
  status(C2, 'therm-b1', at(12), 'offline');
  status(C1, 'therm-g2', at(14), 'offline');

  const seqs = new Map<string, number>();
  return out
    .sort((a, b) => a.t - b.t)
    .map((r) => {
      const seq = (seqs.get(r.deviceId) ?? 0) + 1;
      seqs.set(r.deviceId, seq);
      return { kind: r.kind, communityId: r.communityId, deviceId: r.deviceId, seq, eventTime: r.t, payload: { seq, ts: iso(r.t), ...r.payload } } as SimReading;
    });
}

/** Alarm events: hc-001 ends the day with 4 open alarms (1 device-health), hc-002 with 1 (none device-health). */
export function simulatedAlarmEvents({ at }: SimClock): AlarmEvent[] {
  const ev = (alarmId: number, communityId: string, rule: string, severity: string, event: AlarmEvent['event'], eventTime: number, title: string): AlarmEvent => ({
    alarmId, communityId, rule, severity, event, eventTime, occurrences: 1, title,
  });
  return [
    ev(6, 'hc-001', 'gate-staffed', 'high', 'opened', at(23, 0, -1), 'Gate g3 unstaffed'),
    ev(5, 'hc-002', 'device-health', 'medium', 'opened', at(9, 0, -1), 'Device therm-b9 offline: silent for 15 min'),
    ev(5, 'hc-002', 'device-health', 'medium', 'resolved', at(10, 0, -1), 'Device therm-b9 offline: silent for 15 min'),
    ev(1, 'hc-001', 'fever', 'critical', 'opened', at(10), 'Fever 38.1 °C at gate g1'),
    ev(3, 'hc-002', 'fever', 'critical', 'opened', at(10), 'Fever 39.0 °C at gate g1'),
    ev(1, 'hc-001', 'fever', 'critical', 'acknowledged', at(10, 5), 'Fever 38.1 °C at gate g1'),
    ev(1, 'hc-001', 'fever', 'critical', 'resolved', at(10, 30), 'Fever 38.1 °C at gate g1'),
    ev(2, 'hc-001', 'fever', 'critical', 'opened', at(11), 'Fever 37.5 °C at gate g2'),
    ev(7, 'hc-001', 'staff-fever', 'high', 'opened', at(12, 30), 'Staff member on duty after a fever'),
    ev(4, 'hc-001', 'device-health', 'medium', 'opened', at(14), 'Device therm-g2 reported offline'),
  ];
}

function fact(day: string, rule: DailyFact['rule'], place: string, status: DailyFact['status'], figures: Record<string, number>): DailyFact {
  return { communityId: 'hc-001', day, rule, place, status, figures, summary: `${place}: ${status}`, summaryMessage: legacyText(`${place}: ${status}`), readingIds: [] };
}

/** Daily facts of hc-001 as the rules engine would write them at 20:00. */
export function simulatedFacts({ DAY0_ISO, DAY_BEFORE_ISO }: SimClock): DailyFact[] {
  return [
    fact(DAY_BEFORE_ISO, 'gate-staffed', 'g1', 'pass', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0 }),
    fact(DAY0_ISO, 'gate-staffed', 'g1', 'fail', { staffedMinutes: 1140, unstaffedMinutes: 60, noDataMinutes: 0 }),
    fact(DAY0_ISO, 'gate-staffed', 'g2', 'fail', { staffedMinutes: 600, unstaffedMinutes: 600, noDataMinutes: 0 }),
    fact(DAY_BEFORE_ISO, 'ventilation', 'b2-lobby', 'fail', { validPeriods: 1, shortPeriods: 0, required: 2 }),
    fact(DAY0_ISO, 'ventilation', 'b2-lobby', 'pass', { validPeriods: 2, shortPeriods: 1, required: 2 }),
    fact(DAY0_ISO, 'ventilation', 'b3-corridor', 'fail', { validPeriods: 0, shortPeriods: 1, required: 2 }),
  ];
}

/** An inspection total of `total` points (items filled in checklist order). */
export function inspectionOf(total: number): InspectionTotal {
  let left = total;
  const items = CHECKLIST.map((item) => {
    const final = Math.min(item.points, left);
    left -= final;
    return { itemId: item.id, fill: item.fill, points: item.points, auto: null, manual: final, override: null, final, source: 'manual' as const };
  });
  return { items, total, passed: total >= 60, missing: [], unconfirmed: [], complete: true };
}

/** Telemetry item scores: full marks except the given ones (null = insufficient data). */
export { telemetryScores } from '../scoring/fixtures.js';

/** Inspections: hc-001 72 then 58 (fails), hc-002 85, hc-003 40 (fails) and an old 90 outside 30 days. */
export function inspections({ DAY0 }: SimClock): Array<{ communityId: string; day: string; total: number }> {
  const dayOf = (back: number) => iso(DAY0 - back * DAY).slice(0, 10);
  return [
    { communityId: 'hc-003', day: dayOf(64), total: 90 },
    { communityId: 'hc-001', day: dayOf(2), total: 72 },
    { communityId: 'hc-002', day: dayOf(1), total: 85 },
    { communityId: 'hc-001', day: dayOf(0), total: 58 },
    { communityId: 'hc-003', day: dayOf(0), total: 40 },
  ];
}

/**
 * The scenarios: pure functions (seed, day, time zone, community) -> messages.
 * Each starts from the compliant day and breaks one thing, the way it goes
 * wrong in a real community. What each should make the service conclude is
 * written next to it (and asserted by test/golden).
 */
import { CLEANERS, GATES, PUBLIC_KINDS, areasOfKind, guardRef } from '../community.js';
import { MINUTE_MS } from '../clock.js';
import type { SimMessage } from '../messages.js';
import { compliantDay, entry, exit, type Day, type ScenarioInput } from './baseline.js';

export type Scenario = (input: ScenarioInput) => SimMessage[];
/** One thing that goes wrong, applied to the compliant day before it is built. */
type Tweak = (d: Day) => void;

const publicAreas = (d: Day) => areasOfKind(d.c, PUBLIC_KINDS);
const only = <T>(list: readonly T[], what: string): T => {
  if (list.length === 0) throw new Error(`the community has no ${what}`);
  return list[0]!;
};

/** Everything done right: full marks on every telemetry item. */
const compliant: Tweak = () => {};

/**
 * The corridor is sprayed only once; the parking garage's second session used
 * 150 mg/L (under strength, does not count). area-disinfection fails for both.
 */
const missedDisinfection: Tweak = (d) => {
  const [, corridor, parking] = publicAreas(d);
  d.b.drop((m) => m.tag === `disinfect:${corridor}:2` || m.tag === `vent-after:${corridor}:2`);
  const weak = d.b.one(`disinfect:${parking}:2`);
  weak.body = { ...weak.body, concentrationMgPerL: 150 };
};

/** The lobby's afternoon spraying is followed by only 10 minutes of ventilation: post-ventilation fails. */
const noVentilation: Tweak = (d) => {
  const lobby = only(publicAreas(d), 'public area');
  const vent = d.b.one(`vent-after:${lobby}:2`);
  const startedAt = Date.parse(String(vent.body?.startedAt));
  vent.body = { ...vent.body, durationS: 600 };
  vent.eventTime = startedAt + 10 * MINUTE_MS;
};

/** Two residents above 37.3 °C are turned away; one at exactly 37.3 °C is not a fever. */
const residentFevers: Tweak = (d) => {
  const { b } = d;
  const turnedAway = (gateId: string, time: string, c: number, ref: string) => {
    const at = b.t(time);
    b.add(d.ids.thermometer(gateId), 'temperature', at, { gateId, temperatureC: c, subject: 'resident', personRef: ref }, { tag: `fever:${ref}` });
    b.add(d.ids.panel(gateId), 'access', at + 20_000, {
      gateId, direction: 'in', role: 'resident', personRef: ref, decision: 'denied', checks: { temperature: true, identity: true, itinerary: true },
    }, { tag: `fever:${ref}:denied` });
  };
  turnedAway('g1', '10:12', 37.8, 'p-fever-01');
  turnedAway(GATES[1].id, '18:40', 38.4, 'p-fever-02');
  entry(d, 'g1', b.t('12:03'), { personRef: 'p-edge-373', temperatureC: 37.3, tag: 'edge-37.3' });
};

/** A cleaner measures 37.9 °C at 07:47 and goes home; the other cleaner does the afternoon. Proper conduct. */
const staffFever: Tweak = (d) => {
  const sick = CLEANERS[1];
  const check = d.b.one(`staffcheck:${sick}`);
  check.body = { ...check.body, temperatureC: 37.9 };
  for (const m of d.b.all()) {
    if (m.kind === 'disinfection' && m.body?.operatorRef === sick) m.body = { ...m.body, operatorRef: CLEANERS[0] };
  }
};

/** A gate attendant measures 38.1 °C at 05:50 and starts the 06:00 shift anyway: staff-fever violation. */
const feverOnDuty: Tweak = (d) => {
  const ref = guardRef('g1', 'a');
  const check = d.b.one(`staffcheck:${ref}`);
  check.body = { ...check.body, temperatureC: 38.1 };
};

/** Gate g2's night attendant leaves at 02:00 and the day attendant arrives at 05:20: 200 unstaffed minutes. */
const unstaffedNight: Tweak = (d) => {
  const gate = GATES[1].id;
  d.b.one(`shift:${gate}:c:end`).eventTime = d.b.t('02:00');
  d.b.one(`shift:${gate}:a:start`).eventTime = d.b.t('05:20');
  d.b.one(`staffcheck:${guardRef(gate, 'a')}`).eventTime = d.b.t('05:15');
};

/** A courier and a food-delivery rider are let in at g1 (三(三) forbids it). */
const couriersWalkIn: Tweak = (d) => {
  const { b } = d;
  for (const [i, role, time] of [[0, 'courier', '11:42'], [1, 'food_delivery', '18:15']] as const) {
    b.add(d.ids.panel('g1'), 'access', b.t(time), {
      gateId: 'g1', direction: 'in', role, decision: 'allowed', checks: { temperature: true, identity: false, itinerary: false },
    }, { tag: `courier-in:${i}` });
  }
};

/** Two more renovation workers arrive while three are on site: five at once, the limit is four. */
const fifthContractor: Tweak = (d) => {
  const { b } = d;
  for (let i = 3; i < 5; i++) {
    const ref = `w-extra-${i}`;
    entry(d, GATES[1].id, b.t('10:00') + i * 5 * MINUTE_MS, { role: 'contractor', personRef: ref, tag: `contractor:${i}` });
    exit(d, GATES[1].id, b.t('15:00') + i * MINUTE_MS, 'contractor', ref, `contractor:${i}:out`);
  }
};

/** The activity room is opened at 19:00 and closed at 21:30 (三(六): it stays closed). */
const openActivityRoom: Tweak = (d) => {
  const { b } = d;
  const room = only(areasOfKind(d.c, ['activity_room']), 'activity room');
  b.add(d.ids.door(room), 'door', b.t('19:00'), { roomId: room, state: 'open' }, { tag: `door:${room}:open` });
  b.add(d.ids.door(room), 'door', b.t('21:30'), { roomId: room, state: 'closed' }, { tag: `door:${room}:closed-again` });
};

/** The broadcast stops at 21:00 and does not resume: 180 minutes not playing. */
const broadcastStops: Tweak = (d) => {
  d.b.add(d.ids.speaker, 'broadcast', d.b.t('21:00'), { state: 'stopped' }, { tag: 'broadcast:stopped' });
};

/**
 * The garbage sprayer reports "offline" at 12:00 and is silent for the rest of
 * the day; its 19:10 session never arrives. Garbage is "no data", not a fail.
 */
const deviceOffline: Tweak = (d) => {
  const { b } = d;
  const bins = only(areasOfKind(d.c, ['garbage']), 'garbage area');
  const dev = d.ids.sprayer(bins);
  const at = b.t('12:00');
  b.drop((m) => m.deviceId === dev && m.eventTime >= at);
  b.add(dev, 'status', at, { state: 'offline' }, { tag: `offline:${dev}` });
};

/**
 * Gate g1's thermometer loses its uplink from 10:00 to 12:00 and uploads what
 * it buffered at 12:05, oldest first. Same facts as the compliant day.
 */
const lateUploads: Tweak = (d) => {
  const { b } = d;
  const dev = d.ids.thermometer('g1');
  const [from, to, upload] = [b.t('10:00'), b.t('12:00'), b.t('12:05')];
  for (const m of b.all()) if (m.deviceId === dev && m.eventTime >= from && m.eventTime < to) m.sendAt = upload;
};

/**
 * Malformed payloads from real devices at 12:30, and one resent message (a
 * lost PUBACK). Each bad one is dead-lettered with its reason; the day's
 * facts are those of the compliant day.
 */
const malformed: Tweak = (d) => {
  const { b } = d;
  const at = b.t('12:30');
  const therm = d.ids.thermometer('g1');
  const ts = b.iso(at);
  const bad: [string, string, string][] = [
    [therm, 'temperature', '{"seq":1,"ts":"' + ts + '","gateId":"g1","temperatureC":36.6'],
    [therm, 'temperature', JSON.stringify({ seq: 2, ts, gateId: 'g1', temperatureC: '36.6', subject: 'resident', personRef: 'p-abcdef' })],
    [therm, 'temperature', JSON.stringify({ seq: 3, ts, gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: '13912345678' })],
    [therm, 'temperature', JSON.stringify({ seq: 4, ts: ts.slice(0, 19), gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-abcdef' })],
    [therm, 'temperature', JSON.stringify({ seq: 5, ts, gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-abcdef', name: '张三' })],
    [therm, 'temperature', JSON.stringify({ seq: 6, ts: '2099-01-01T00:00:00+08:00', gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-abcdef' })],
    [d.ids.sprayer(only(publicAreas(d), 'public area')), 'disinfection', JSON.stringify({
      seq: 7, ts, areaId: only(publicAreas(d), 'public area'), location: 'lobby', target: 'area', agent: 'chlorine', startedAt: ts, durationS: 600, operatorRef: CLEANERS[0],
    })],
    [d.ids.speaker, 'humidity', JSON.stringify({ seq: 8, ts, relativeHumidity: 40 })],
    [d.ids.speaker, 'broadcast', JSON.stringify({ seq: 9, ts, state: 'playing', padding: 'x'.repeat(20_000) })],
  ];
  bad.forEach(([dev, kind, raw], i) => b.raw(dev, kind, at + i * 1000, raw, `malformed:${i}`));
  const resent = b.find('entry:g1:0:in')[0];
  if (resent) b.resend(resent, at + 30_000);
};

/** Every scenario by its command-line name. */
const TWEAKS: Record<string, { tweak: Tweak; summary: string }> = {
  compliant: { tweak: compliant, summary: 'everything done right' },
  'missed-disinfection': { tweak: missedDisinfection, summary: 'a corridor sprayed once, a garage sprayed at 150 mg/L' },
  'no-ventilation': { tweak: noVentilation, summary: 'a lobby spraying followed by only 10 min of ventilation' },
  'resident-fevers': { tweak: residentFevers, summary: 'two residents above 37.3 °C turned away, one at exactly 37.3' },
  'staff-fever': { tweak: staffFever, summary: 'a feverish cleaner goes home' },
  'fever-on-duty': { tweak: feverOnDuty, summary: 'a feverish gate attendant works the shift anyway' },
  'unstaffed-night': { tweak: unstaffedNight, summary: 'gate g2 unattended 02:00-05:20' },
  couriers: { tweak: couriersWalkIn, summary: 'a courier and a rider let in' },
  'fifth-contractor': { tweak: fifthContractor, summary: 'five renovation workers on site at once' },
  'open-activity-room': { tweak: openActivityRoom, summary: 'the activity room open 19:00-21:30' },
  'broadcast-stops': { tweak: broadcastStops, summary: 'the broadcast stops at 21:00' },
  'device-offline': { tweak: deviceOffline, summary: 'the garbage sprayer goes offline at 12:00' },
  'late-uploads': { tweak: lateUploads, summary: 'a thermometer uploads two hours of readings late' },
  malformed: { tweak: malformed, summary: 'nine malformed payloads and a resent message' },
};

/** The compliant day with these tweaks applied in order. */
function scenarioOf(tweaks: readonly Tweak[]): Scenario {
  return (input) => {
    const d = compliantDay(input);
    for (const t of tweaks) t(d);
    return d.b.build();
  };
}

export const SCENARIOS: Record<string, { scenario: Scenario; summary: string }> = Object.fromEntries(
  Object.entries(TWEAKS).map(([name, t]) => [name, { scenario: scenarioOf([t.tweak]), summary: t.summary }]),
);

export const SCENARIO_NAMES = Object.keys(SCENARIOS);

/** A scenario by name; "a+b" is the compliant day with both a and b going wrong. */
export function scenarioByName(name: string): Scenario {
  const parts = name.split('+').map((p) => p.trim());
  const tweaks = parts.map((p) => {
    const t = TWEAKS[p];
    if (!t) throw new Error(`unknown scenario "${p}"; one of: ${SCENARIO_NAMES.join(', ')} (combine with +)`);
    return t.tweak;
  });
  return scenarioOf(tweaks);
}


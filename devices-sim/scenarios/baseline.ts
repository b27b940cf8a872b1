/**
 * A fully compliant day of one community, as tagged messages in a DayBuilder:
 * every device heard every 10 minutes, gates staffed around the clock in
 * three shifts, every entry measured and checked, every public area sprayed
 * twice at 250-500 mg/L and ventilated after, touch points and bins done
 * twice, the indoor hall aired twice for 30+ minutes, the broadcast playing,
 * the activity room shut, staff measured daily. Scenarios start from it and
 * break one thing each.
 */
import { CLEANERS, GATES, MANAGER, PUBLIC_KINDS, areasOfKind, deviceIds, guardRef, type SimCommunity } from '../community.js';
import { MINUTE_MS } from '../clock.js';
import { DayBuilder } from '../messages.js';
import { createRng, hash32, type Rng } from '../prng.js';

export interface ScenarioInput {
  seed: number;
  /** Local day simulated, YYYY-MM-DD. */
  day: string;
  /** The community's IANA time zone (its local midnight bounds the day). */
  timeZone: string;
  community: SimCommunity;
}

export interface Day {
  b: DayBuilder;
  rng: Rng;
  c: SimCommunity;
  ids: ReturnType<typeof deviceIds>;
  residents: string[];
}

const HEARTBEAT_MIN = 10;

/** Per-community randomness: the same seed gives each community its own, stable day. */
export function startDay(input: ScenarioInput): Day {
  const rng = createRng((input.seed ^ hash32(`${input.community.id}|${input.day}`)) >>> 0);
  const b = new DayBuilder(input.community.id, input.day, input.timeZone);
  const residents = Array.from({ length: 150 }, () => `p-${rng.hex(6)}`);
  return { b, rng, c: input.community, ids: deviceIds(input.community.id), residents };
}

const minutes = (n: number) => n * MINUTE_MS;

function heartbeats(d: Day): void {
  const { b, rng } = d;
  const end = b.t('00:00', 1);
  for (const dev of d.c.devices) {
    const jitter = rng.int(0, 59) * 1000;
    const rssi = -rng.int(45, 75);
    for (let t = b.t('23:50', -1) + jitter; t < end; t += minutes(HEARTBEAT_MIN)) {
      b.add(dev.id, 'status', t, { state: 'online', rssiDbm: rssi }, { tag: `hb:${dev.id}` });
    }
  }
}

function shifts(d: Day): void {
  const { b, ids } = d;
  for (const g of GATES) {
    const panel = ids.panel(g.id);
    const shift = (time: string, event: 'start' | 'end', who: 'a' | 'b' | 'c', tag: string, dayOffset = 0) =>
      b.add(panel, 'shift', b.t(time, dayOffset), { gateId: g.id, event, staffRef: guardRef(g.id, who) }, { tag: `shift:${g.id}:${tag}` });
    shift('21:58', 'start', 'c', 'c:start-prev', -1);
    shift('05:58', 'start', 'a', 'a:start');
    shift('06:02', 'end', 'c', 'c:end');
    shift('13:58', 'start', 'b', 'b:start');
    shift('14:02', 'end', 'a', 'a:end');
    shift('21:58', 'start', 'c', 'c:start');
    shift('22:02', 'end', 'b', 'b:end');
  }
}

const normalTemp = (rng: Rng): number => Math.round((36.0 + rng.int(0, 11) / 10) * 10) / 10;

/** A staff member measured at a gate thermometer (staff ledger, 附件 7.2). */
export function staffCheck(d: Day, ref: string, gateId: string, at: number, temperatureC?: number): void {
  d.b.add(d.ids.thermometer(gateId), 'temperature', at, { gateId, temperatureC: temperatureC ?? normalTemp(d.rng), subject: 'staff', personRef: ref }, { tag: `staffcheck:${ref}` });
}

function staffChecks(d: Day): void {
  const { b } = d;
  for (const g of GATES) {
    staffCheck(d, guardRef(g.id, 'a'), g.id, b.t('05:50'));
    staffCheck(d, guardRef(g.id, 'b'), g.id, b.t('13:50'));
    staffCheck(d, guardRef(g.id, 'c'), g.id, b.t('21:50'));
  }
  staffCheck(d, CLEANERS[0], 'g1', b.t('07:45'));
  staffCheck(d, CLEANERS[1], 'g1', b.t('07:47'));
  staffCheck(d, MANAGER, 'g1', b.t('08:20'));
}

const ALL_CHECKS = { temperature: true, identity: true, itinerary: true };
const NO_CHECKS = { temperature: false, identity: false, itinerary: false };

/** One person measured and let in at a gate ("一测二问三核查"). */
export function entry(d: Day, gateId: string, at: number, opts: { role?: 'resident' | 'visitor' | 'contractor' | 'courier' | 'food_delivery'; personRef?: string; temperatureC?: number; tag: string }): void {
  const role = opts.role ?? 'resident';
  const personRef = opts.personRef ?? `p-${d.rng.hex(6)}`;
  const subject = role === 'resident' ? 'resident' : 'visitor';
  d.b.add(d.ids.thermometer(gateId), 'temperature', at, { gateId, temperatureC: opts.temperatureC ?? normalTemp(d.rng), subject, personRef }, { tag: `${opts.tag}:temp` });
  d.b.add(d.ids.panel(gateId), 'access', at + 6000, { gateId, direction: 'in', role, personRef, decision: 'allowed', checks: ALL_CHECKS }, { tag: `${opts.tag}:in` });
}

export function exit(d: Day, gateId: string, at: number, role: 'resident' | 'visitor' | 'contractor', personRef: string, tag: string): void {
  d.b.add(d.ids.panel(gateId), 'access', at, { gateId, direction: 'out', role, personRef, decision: 'allowed', checks: NO_CHECKS }, { tag });
}

function traffic(d: Day): void {
  const { b, rng } = d;
  for (const g of GATES) {
    const n = rng.int(40, 60);
    const times = Array.from({ length: n }, () => b.t('06:30') + rng.int(0, 15 * 60) * MINUTE_MS + rng.int(0, 59) * 1000).sort((x, y) => x - y);
    times.forEach((t, i) => {
      const visitor = rng.chance(0.15);
      entry(d, g.id, t, { role: visitor ? 'visitor' : 'resident', personRef: visitor ? `v-${rng.hex(6)}` : rng.pick(d.residents), tag: `entry:${g.id}:${i}` });
    });
    const outs = rng.int(30, 50);
    for (let i = 0; i < outs; i++) {
      exit(d, g.id, b.t('06:15') + rng.int(0, 15 * 60) * MINUTE_MS, 'resident', rng.pick(d.residents), `exit:${g.id}:${i}`);
    }
  }
  // Couriers and riders are stopped at the gate and hand over at the designated point (三(三)).
  const roles = ['courier', 'food_delivery'] as const;
  roles.forEach((role, i) => {
    const at = b.t(i === 0 ? '11:00' : '17:30') + rng.int(0, 90) * MINUTE_MS;
    b.add(d.ids.panel('g1'), 'access', at, { gateId: 'g1', direction: 'in', role, decision: 'denied', checks: NO_CHECKS }, { tag: `courier-refused:${i}` });
  });
  // Three renovation workers: within the limit of four (三(六)).
  for (let i = 0; i < 3; i++) {
    const ref = `w-${rng.hex(6)}`;
    entry(d, 'g2', b.t('08:30') + minutes(4 * i), { role: 'contractor', personRef: ref, tag: `contractor:${i}` });
    exit(d, 'g2', b.t('17:00') + minutes(3 * i), 'contractor', ref, `contractor:${i}:out`);
  }
}

/** A public-area spraying reported at its end, then ventilation reported at its end. */
export function spraySession(d: Day, areaId: string, n: number, start: number, opts: { mg?: number; operator: string; ventMinutes?: number | null }): void {
  const { b, rng } = d;
  const durationS = rng.int(15, 20) * 60;
  const end = start + durationS * 1000;
  const mg = opts.mg ?? rng.pick([300, 400, 500]);
  const area = d.c.areas.find((a) => a.id === areaId);
  b.add(
    d.ids.sprayer(areaId), 'disinfection', end,
    { areaId, location: area?.name ?? areaId, target: 'area', agent: 'chlorine', concentrationMgPerL: mg, startedAt: b.iso(start), durationS, operatorRef: opts.operator },
    { tag: `disinfect:${areaId}:${n}` },
  );
  const ventMinutes = opts.ventMinutes === undefined ? rng.int(16, 20) : opts.ventMinutes;
  if (ventMinutes === null) return;
  const vStart = end + minutes(1 + rng.int(0, 2));
  b.add(
    d.ids.ventilation(areaId), 'ventilation', vStart + minutes(ventMinutes),
    { areaId, location: area?.name ?? areaId, startedAt: b.iso(vStart), durationS: ventMinutes * 60 },
    { tag: `vent-after:${areaId}:${n}` },
  );
}

function publicAreas(d: Day): void {
  const { b, rng } = d;
  areasOfKind(d.c, PUBLIC_KINDS).forEach((areaId, i) => {
    spraySession(d, areaId, 1, b.t('08:30') + minutes(25 * i + rng.int(0, 4)), { operator: CLEANERS[0] });
    spraySession(d, areaId, 2, b.t('14:30') + minutes(25 * i + rng.int(0, 4)), { operator: CLEANERS[1] });
  });
}

function session(d: Day, areaId: string, tag: string, start: number, durationMin: number, target: 'touch_points' | 'garbage', agent: 'chlorine' | 'alcohol_75', mg: number | undefined, operator: string): void {
  const { b } = d;
  const area = d.c.areas.find((a) => a.id === areaId);
  b.add(
    d.ids.sprayer(areaId), 'disinfection', start + minutes(durationMin),
    { areaId, location: area?.name ?? areaId, target, agent, ...(mg === undefined ? {} : { concentrationMgPerL: mg }), startedAt: b.iso(start), durationS: durationMin * 60, operatorRef: operator },
    { tag },
  );
}

function touchPointsAndBins(d: Day): void {
  const { b } = d;
  for (const areaId of areasOfKind(d.c, ['touch_points'])) {
    session(d, areaId, `wipe:${areaId}:1`, b.t('10:30'), 6, 'touch_points', 'alcohol_75', undefined, CLEANERS[0]);
    session(d, areaId, `wipe:${areaId}:2`, b.t('16:30'), 6, 'touch_points', 'chlorine', 250, CLEANERS[1]);
  }
  for (const areaId of areasOfKind(d.c, ['garbage'])) {
    session(d, areaId, `garbage:${areaId}:1`, b.t('07:10'), 10, 'garbage', 'chlorine', 500, CLEANERS[0]);
    session(d, areaId, `garbage:${areaId}:2`, b.t('19:10'), 10, 'garbage', 'chlorine', 500, CLEANERS[1]);
  }
}

function indoorAir(d: Day): void {
  const { b } = d;
  for (const areaId of areasOfKind(d.c, ['indoor'])) {
    const area = d.c.areas.find((a) => a.id === areaId)!;
    [['10:00', 40], ['16:00', 35]].forEach(([time, mins], i) => {
      const start = b.t(time as string);
      b.add(d.ids.ventilation(areaId), 'ventilation', start + minutes(mins as number), { areaId, location: area.name, startedAt: b.iso(start), durationS: (mins as number) * 60 }, { tag: `ventilate:${areaId}:${i + 1}` });
    });
  }
}

function venuesAndBroadcast(d: Day): void {
  const { b } = d;
  b.add(d.ids.speaker, 'broadcast', b.t('23:55', -1), { state: 'playing' }, { tag: 'broadcast:playing' });
  for (const roomId of areasOfKind(d.c, ['activity_room'])) {
    b.add(d.ids.door(roomId), 'door', b.t('06:00'), { roomId, state: 'closed' }, { tag: `door:${roomId}:closed` });
  }
}

/** The compliant day, not yet built: scenarios change it, then call d.b.build(). */
export function compliantDay(input: ScenarioInput): Day {
  const d = startDay(input);
  heartbeats(d);
  shifts(d);
  staffChecks(d);
  traffic(d);
  publicAreas(d);
  touchPointsAndBins(d);
  indoorAir(d);
  venuesAndBroadcast(d);
  return d;
}

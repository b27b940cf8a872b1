/** A recorded day of one community: every message kind, a few hundred readings plus heartbeats. */
import type { ReadingInput } from '../../services/rules/index.js';
import { at, Journal } from './fixtures.js';

/** Deterministic PRNG (mulberry32), so shuffles are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(list: readonly T[], rand: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1));
    [out[i], out[k]] = [out[k] as T, out[i] as T];
  }
  return out;
}

const minute = 60_000;

export function recordedDay(): ReadingInput[] {
  const j = new Journal();
  const rand = rng(42);
  j.allOnline();
  const readings = () => j.readings;
  j.broadcast(at('23:55', '2021-02-02'), 'playing');
  j.broadcast(at('13:00'), 'stopped');
  j.broadcast(at('13:20'), 'playing');
  j.shift(at('20:00', '2021-02-02'), 'start', 's-guard-01');
  j.shift(at('08:00'), 'start', 's-guard-02');
  j.shift(at('08:02'), 'end', 's-guard-01');
  j.shift(at('20:00'), 'end', 's-guard-02');
  j.shift(at('20:09'), 'start', 's-guard-01');
  for (let i = 0; i < 180; i++) {
    const t = at('06:00') + Math.floor(rand() * 15 * 60) * minute;
    const c = i === 17 ? 38.2 : i === 99 ? 33.0 : Math.round((36 + rand() * 1.3) * 10) / 10;
    j.temp(t, c, `p-${1000 + i}`);
    const missing = i % 23 === 0;
    j.access(t + 10_000, i % 31 === 0 ? 'visitor' : 'resident', 'in', {
      personRef: `p-${1000 + i}`,
      checks: { temperature: true, identity: true, itinerary: !missing },
    });
    if (i % 3 === 0) j.access(t + 3 * 3_600_000, 'resident', 'out', { personRef: `p-${1000 + i}` });
  }
  j.temp(at('07:45'), 36.4, 's-guard-02', 'staff');
  j.temp(at('07:46'), 37.8, 's-clean-03', 'staff');
  j.spray(at('08:30'), 20, { operatorRef: 's-clean-03' }); // duty after a fever
  j.access(at('11:00'), 'courier', 'in', { decision: 'denied' });
  j.access(at('11:05'), 'food_delivery', 'in');
  for (let i = 0; i < 6; i++) j.access(at('09:00') + i * 10 * minute, 'contractor', 'in', { personRef: `w-${100 + i}` });
  for (let i = 0; i < 6; i++) j.access(at('17:00') + i * minute, 'contractor', 'out', { personRef: `w-${100 + i}` });
  j.spray(at('14:00'), 15, { concentrationMgPerL: 600 });
  j.spray(at('16:00'), 15, { concentrationMgPerL: 300 });
  j.vent(at('08:50'), 20);
  j.vent(at('16:15'), 10);
  j.spray(at('09:00'), 5, { target: 'touch_points', areaId: 'tp-1', agent: 'alcohol_75', concentrationMgPerL: undefined }, 'sprayer-tp');
  j.spray(at('15:00'), 5, { target: 'touch_points', areaId: 'tp-1', concentrationMgPerL: 250 }, 'sprayer-tp');
  j.spray(at('07:00'), 10, { target: 'garbage', areaId: 'bins-1' }, 'sprayer-bins');
  j.spray(at('19:00'), 10, { target: 'garbage', areaId: 'bins-1', concentrationMgPerL: 400 }, 'sprayer-bins');
  j.vent(at('10:00'), 40, 'hall', 'vent-hall');
  j.vent(at('15:00'), 31, 'hall', 'vent-hall');
  j.door(at('00:00'), 'closed');
  j.door(at('19:30'), 'open');
  j.door(at('19:45'), 'closed');
  j.status(at('12:00'), 'offline', 'vent-hall');
  j.status(at('12:40'), 'fault', 'sprayer-bins');
  // The speaker's heartbeats between 03:00 and 04:00 never arrived; vent-hall went offline 12:00-12:40.
  const gap = (r: ReadingInput, dev: string, from: string, to: string) =>
    r.deviceId === dev && r.kind === 'status' && r.payload.state === 'online' && r.eventTime >= at(from) && r.eventTime < at(to);
  return readings().filter((r) => !gap(r, 'speaker-1', '03:00', '04:00') && !gap(r, 'vent-hall', '12:00', '12:40'));
}

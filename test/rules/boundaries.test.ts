/** Threshold boundaries from the plan, one table per rule. */
import { describe, expect, it } from 'vitest';
import { classifyTiming, DEFAULT_RULES_CONFIG } from '../../services/rules/index.js';
import { at, factOf, feed, online } from './fixtures.js';

describe('fever 三(三)/三(七): above 37.3 exclusive; outside 34..43 a device fault', () => {
  it.each([
    { c: 37.3, measured: 1, fevers: 0, implausible: 0, alarm: null },
    { c: 37.4, measured: 1, fevers: 1, implausible: 0, alarm: ['fever', 'person:p-7f3a9c', 'critical'] },
    { c: 34.0, measured: 1, fevers: 0, implausible: 0, alarm: null },
    { c: 43.0, measured: 1, fevers: 1, implausible: 0, alarm: ['fever', 'person:p-7f3a9c', 'critical'] },
    { c: 33.9, measured: 0, fevers: 0, implausible: 1, alarm: ['device-health', 'device:therm-g1:fault', 'medium'] },
    { c: 43.1, measured: 0, fevers: 0, implausible: 1, alarm: ['device-health', 'device:therm-g1:fault', 'medium'] },
  ])('$c °C', ({ c, measured, fevers, implausible, alarm }) => {
    const j = online();
    const r = j.temp(at('08:15'), c);
    const { state, outcomes } = feed(j.readings);
    expect(factOf(state, 'fever', 'g1').figures).toEqual({ measured, fevers, implausible });
    const alarms = outcomes.filter((o) => o.type === 'alarm').map((o) => [o.rule, o.subject, o.type === 'alarm' ? o.severity : '']);
    expect(alarms).toEqual(alarm ? [alarm] : []);
    if (alarm) expect(outcomes[0]).toMatchObject({ eventTime: at('08:15'), readingIds: [r.readingId], communityId: 'hc-001' });
  });
});

describe('chlorine 250–500 mg/L inclusive 三(四)1-3', () => {
  it.each([
    [249, 0, 1],
    [250, 1, 0],
    [500, 1, 0],
    [501, 0, 1],
  ])('%i mg/L -> valid %i, invalid %i', (mg, valid, invalid) => {
    const j = online();
    j.spray(at('09:05'), 15, { concentrationMgPerL: mg });
    j.spray(at('15:05'), 15, { target: 'touch_points', areaId: 'tp-1', concentrationMgPerL: mg }, 'sprayer-tp');
    const { state } = feed(j.readings);
    expect(factOf(state, 'area-disinfection', 'b2-lobby').figures).toEqual({ validSessions: valid, invalidSessions: invalid, required: 2, noDataMinutes: 0 });
    expect(factOf(state, 'touch-points', 'tp-1').figures).toEqual({ validWipes: valid, invalidWipes: invalid, required: 2, noDataMinutes: 0 });
  });

  it('two valid sessions pass, one fails; 75 % alcohol counts for touch points only', () => {
    const j = online();
    j.spray(at('09:05'), 15);
    j.spray(at('10:05'), 15, { agent: 'alcohol_75', concentrationMgPerL: undefined });
    j.spray(at('09:00'), 5, { target: 'touch_points', areaId: 'tp-1', agent: 'alcohol_75', concentrationMgPerL: undefined }, 'sprayer-tp');
    j.spray(at('16:00'), 5, { target: 'touch_points', areaId: 'tp-1', concentrationMgPerL: 250 }, 'sprayer-tp');
    const { state } = feed(j.readings);
    expect(factOf(state, 'area-disinfection', 'b2-lobby')).toMatchObject({ status: 'fail', figures: { validSessions: 1, invalidSessions: 1 } });
    expect(factOf(state, 'touch-points', 'tp-1')).toMatchObject({ status: 'pass', figures: { validWipes: 2, invalidWipes: 0 } });
  });
});

describe('garbage 三(五)1: at least 500 mg/L, twice', () => {
  it.each([
    [499, 'chlorine', 0],
    [500, 'chlorine', 1],
    [1000, 'chlorine', 1],
    [undefined, 'alcohol_75', 0],
  ] as const)('%s mg/L %s -> %i valid', (mg, agent, valid) => {
    const j = online();
    j.spray(at('07:00'), 10, { target: 'garbage', areaId: 'bins-1', agent, concentrationMgPerL: mg }, 'sprayer-bins');
    j.spray(at('19:00'), 10, { target: 'garbage', areaId: 'bins-1' }, 'sprayer-bins');
    const { state } = feed(j.readings);
    const f = factOf(state, 'garbage', 'bins-1');
    expect(f.figures).toEqual({ validSessions: valid + 1, invalidSessions: 1 - valid, required: 2, noDataMinutes: 0 });
    expect(f.status).toBe(valid ? 'pass' : 'fail');
  });
});

describe('post-ventilation 三(四)1: >= 15 min after each session', () => {
  it.each([
    [15, 1, 'pass'],
    [14, 0, 'fail'],
    [20, 1, 'pass'],
  ] as const)('%i min -> %i ventilated', (minutes, ventilated, status) => {
    const j = online();
    j.spray(at('09:05'), 15); // ends 09:20
    j.vent(at('09:20'), minutes);
    const { state } = feed(j.readings);
    const f = factOf(state, 'post-ventilation', 'b2-lobby');
    expect(f.figures).toEqual({ sessions: 1, ventilatedSessions: ventilated, pendingSessions: 0 });
    expect(f.status).toBe(status);
  });

  it('ventilation that ran during the spraying counts only after it ends; late start within 60 min counts', () => {
    const j = online();
    j.spray(at('09:05'), 15); // ends 09:20
    j.vent(at('09:10'), 24); // 09:10-09:34: 14 min after the end
    j.spray(at('14:00'), 10); // ends 14:10
    j.vent(at('14:50'), 20); // starts 40 min later: counts
    const { state } = feed(j.readings);
    expect(factOf(state, 'post-ventilation', 'b2-lobby').figures).toEqual({ sessions: 2, ventilatedSessions: 1, pendingSessions: 0 });
  });

  it('a session whose window is still open at asOf is pending, not failed', () => {
    const j = online();
    j.spray(at('09:05'), 15);
    const { state } = feed(j.readings);
    const f = factOf(state, 'post-ventilation', 'b2-lobby', '2021-02-03', at('09:40'));
    expect(f).toMatchObject({ status: 'pass', figures: { sessions: 0, ventilatedSessions: 0, pendingSessions: 1 } });
  });
});

describe('indoor ventilation 三(四)4: >= 30 min, twice', () => {
  it.each([
    [30, 2, 0, 'pass'],
    [29, 1, 1, 'fail'],
  ] as const)('second period of %i min', (minutes, valid, short, status) => {
    const j = online();
    j.vent(at('08:00'), 45, 'hall', 'vent-hall');
    j.vent(at('16:00'), minutes, 'hall', 'vent-hall');
    const { state } = feed(j.readings);
    const f = factOf(state, 'ventilation', 'hall');
    expect(f.figures).toEqual({ validPeriods: valid, shortPeriods: short, required: 2, noDataMinutes: 0 });
    expect(f.status).toBe(status);
  });
});

describe('classifyTiming: 24 h lateness, 5 min skew', () => {
  const now = at('12:00');
  it.each([
    [now, 'ok'],
    [now + 5 * 60_000, 'ok'],
    [now + 5 * 60_000 + 1, 'from_future'],
    [now - 24 * 3_600_000, 'ok'],
    [now - 24 * 3_600_000 - 1, 'too_late'],
  ] as const)('event %i -> %s', (eventTime, expected) => {
    expect(classifyTiming(eventTime, now, DEFAULT_RULES_CONFIG)).toBe(expected);
  });
});

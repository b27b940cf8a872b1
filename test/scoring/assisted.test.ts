import { describe, expect, it } from 'vitest';
import { parseScoringPolicy } from '../../services/scoring/policy.js';
import { scoreItems } from '../../services/scoring/score.js';
import type { DutyRecord } from '../../services/scoring/types.js';
import { COMMUNITY, D1, D2, alarm, at, fact, facts, scoreOf, ZONE } from './fixtures.js';

describe('1.4 risk screening (1-3, assisted, from fever alarms)', () => {
  const measured = facts('fever', [D1], ['g1'], 'pass', { measured: 120, fevers: 0, implausible: 0 });

  it('3 when every fever alarm was acknowledged within 30 minutes', () => {
    const s = scoreOf('1.4', { facts: measured, alarms: [alarm(1, at(D1, '08:00'), 5), alarm(2, at(D1, '20:00'), 30)] });
    expect(s).toMatchObject({ score: 3, proposed: true });
    expect(s.evidence.alarmIds).toEqual([1, 2]);
  });

  it('2 when all were acknowledged but one late', () => {
    expect(scoreOf('1.4', { facts: measured, alarms: [alarm(1, at(D1, '08:00'), 5), alarm(2, at(D1, '09:00'), 31)] }).score).toBe(2);
  });

  it('2 for a resolved alarm whose acknowledgement time is unknown', () => {
    expect(scoreOf('1.4', { facts: measured, alarms: [alarm(1, at(D1, '08:00'), undefined, { status: 'resolved' })] }).score).toBe(2);
  });

  it('1 when any is still unacknowledged', () => {
    expect(scoreOf('1.4', { facts: measured, alarms: [alarm(1, at(D1, '08:00'), 5), alarm(2, at(D1, '09:00'))] }).score).toBe(1);
  });

  it('3 with no alarms and the thermometers measuring; insufficient when they were silent', () => {
    expect(scoreOf('1.4', { facts: measured }).score).toBe(3);
    expect(scoreOf('1.4', { facts: facts('fever', [D1], ['g1'], 'no_data') }).status).toBe('insufficient_data');
    expect(scoreOf('1.4', { facts: measured, window: { from: D1, to: D2 } }).status).toBe('insufficient_data');
  });

  it('counts only fever alarms of this community whose first event is in the window (local days)', () => {
    const alarms = [
      alarm(1, at(D1, '00:05')), // local D1, though UTC D0
      alarm(2, at(D2, '00:05')), // next day: outside
      alarm(3, at(D1, '10:00'), undefined, { communityId: 'c2' }),
      alarm(4, at(D1, '10:00'), undefined, { rule: 'gate-staffed' }),
    ];
    const s = scoreOf('1.4', { facts: measured, alarms });
    expect(s.evidence.alarmIds).toEqual([1]);
    expect(s.score).toBe(1);
  });

  it("puts an alarm on the community's own local day: Asia/Urumqi (UTC+6), not +08:00", () => {
    // 2021-02-04 01:00 in Beijing is 2021-02-03 23:00 in Urumqi: D1 there, D2 in Beijing.
    const late = alarm(1, Date.parse('2021-02-03T23:00:00+06:00'), 5);
    expect(scoreOf('1.4', { facts: measured, alarms: [late], timeZone: 'Asia/Urumqi' }).evidence.alarmIds).toEqual([1]);
    expect(scoreOf('1.4', { facts: measured, alarms: [late], timeZone: 'Asia/Shanghai' }).evidence.alarmIds).toEqual([]);
  });

  it('the acknowledgement limit is configurable', () => {
    const policy = parseScoringPolicy({ feverAckWithinMinutes: 60 });
    const all = scoreItems({ communityId: COMMUNITY, timeZone: ZONE, window: { from: D1, to: D1 }, facts: measured, alarms: [alarm(1, at(D1, '08:00'), 45)] }, policy);
    expect(all.find((s) => s.itemId === '1.4')?.score).toBe(3);
  });
});

describe('7.3 proper conduct (2, assisted, from staff-fever)', () => {
  it('0 when a staff member worked after a fever', () => {
    const f = [fact('staff-fever', D1, 's-001', 'fail', { fevers: 1, dutyEventsAfterFever: 3 }), fact('staff-ledger', D1, 's-002', 'pass')];
    expect(scoreOf('7.3', { facts: f })).toMatchObject({ score: 0, proposed: true });
  });

  it('2 when staff were measured and none worked with a fever', () => {
    expect(scoreOf('7.3', { facts: facts('staff-ledger', [D1], ['s-001']) }).score).toBe(2);
    expect(scoreOf('7.3', { facts: facts('staff-fever', [D1], ['s-001'], 'pass', { fevers: 1, dutyEventsAfterFever: 0 }) }).score).toBe(2);
  });

  it('insufficient when no staff member was measured on some day', () => {
    const s = scoreOf('7.3', { window: { from: D1, to: D2 }, facts: facts('staff-ledger', [D1], ['s-001']) });
    expect(s.status).toBe('insufficient_data');
    expect(s.explanation).toContain(D2);
  });
});

describe('4.2 named people (5, assisted, deduct)', () => {
  const activity = [
    fact('gate-staffed', D1, 'g1', 'pass', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0 }),
    fact('area-disinfection', D1, 'b1-lobby', 'pass', { validSessions: 2, invalidSessions: 0, required: 2 }),
  ];
  const duty = (kind: DutyRecord['kind'], ref: string): DutyRecord => ({ kind, day: D1, place: 'x', ref, readingIds: [900] });
  const staffRefs = ['s-guard-01', 's-clean-03'];

  it('5 when both duties were done by registered staff', () => {
    const s = scoreOf('4.2', { facts: activity, staffRefs, duties: [duty('gate_shift', 's-guard-01'), duty('disinfection', 's-clean-03')] });
    expect(s).toMatchObject({ score: 5, proposed: true });
    expect(s.evidence.unknownRefs).toEqual([]);
    expect(s.evidence.readingIds).toContain(900);
  });

  it('deducts 1 per unregistered operator ref and lists them', () => {
    const duties = [duty('gate_shift', 's-guard-01'), duty('disinfection', 's-clean-03'), duty('disinfection', 's-temp-77'), duty('gate_shift', 's-temp-78')];
    const s = scoreOf('4.2', { facts: activity, staffRefs, duties });
    expect(s.score).toBe(3);
    expect(s.evidence.unknownRefs).toEqual(['s-temp-77', 's-temp-78']);
  });

  it('deducts 3 when a duty has no registered person, capped at 5', () => {
    expect(scoreOf('4.2', { facts: activity, staffRefs, duties: [duty('gate_shift', 's-guard-01')] }).score).toBe(2);
    expect(scoreOf('4.2', { facts: activity, staffRefs, duties: [duty('gate_shift', 's-x1'), duty('disinfection', 's-x2')] }).score).toBe(0);
  });

  it('without duty records, falls back to the facts and says registration was not checked', () => {
    const s = scoreOf('4.2', { facts: activity });
    expect(s.score).toBe(5);
    expect(s.explanation).toContain('not checked');
    const idle = [activity[0]!, fact('area-disinfection', D1, 'b1-lobby', 'fail', { validSessions: 0, invalidSessions: 0, required: 2 })];
    expect(scoreOf('4.2', { facts: idle }).score).toBe(2);
  });

  it('insufficient when a duty has no data and the cap is not reached', () => {
    const s = scoreOf('4.2', { facts: [activity[0]!], staffRefs, duties: [duty('gate_shift', 's-guard-01')] });
    expect(s.status).toBe('insufficient_data');
  });
});

describe('scoreItems', () => {
  it('returns every auto and assisted item, in order, and rejects a bad window', () => {
    const all = scoreItems({ communityId: COMMUNITY, timeZone: ZONE, window: { from: D1, to: D1 }, facts: [], alarms: [] });
    expect(all.map((s) => s.itemId)).toEqual(['1.4', '2.1', '3.1', '3.2', '3.3', '4.1', '4.2', '4.3', '6.1', '7.2', '7.3']);
    expect(all.every((s) => s.status === 'insufficient_data' && s.score === null)).toBe(true);
    const bad = (from: string, to: string) => () => scoreItems({ communityId: COMMUNITY, timeZone: ZONE, window: { from, to }, facts: [], alarms: [] });
    expect(bad(D2, D1)).toThrow(/before/);
    expect(bad('2021-02-30', '2021-03-01')).toThrow(/not a YYYY-MM-DD date/);
    expect(bad('2020-01-01', '2021-12-31')).toThrow(/at most 366/);
  });

  it('is deterministic', () => {
    const input = { communityId: COMMUNITY, timeZone: ZONE, window: { from: D1, to: D2 }, facts: facts('garbage', [D1, D2], ['bins-n']), alarms: [] };
    expect(scoreItems(input)).toEqual(scoreItems(input));
  });
});

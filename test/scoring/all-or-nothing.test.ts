import { describe, expect, it } from 'vitest';
import { D1, D2, D3, fact, facts, scoreOf } from './fixtures.js';

const GATES = ['g1', 'g2'];
const AREAS = ['b1-lobby', 'b2-lobby'];

describe('3.1 gate staffed + entry checks (8, auto, all or nothing)', () => {
  const good = () => [...facts('gate-staffed', [D1], GATES), ...facts('entry-checks', [D1], GATES)];

  it('8 when every gate passes both rules', () => {
    const s = scoreOf('3.1', { facts: good() });
    expect(s).toMatchObject({ score: 8, status: 'scored', proposed: false, fill: 'auto', points: 8 });
    expect(s.evidence.rules).toEqual(['gate-staffed', 'entry-checks']);
    expect(s.evidence.lines).toHaveLength(4);
    expect(s.evidence.readingIds).toHaveLength(4);
  });

  it('0 when one gate misses an entry check', () => {
    const f = [...facts('gate-staffed', [D1], GATES), fact('entry-checks', D1, 'g1', 'pass'), fact('entry-checks', D1, 'g2', 'fail')];
    const s = scoreOf('3.1', { facts: f });
    expect(s.score).toBe(0);
    expect(s.explanation).toContain('g2');
  });

  it('insufficient data when a gate thermometer panel is silent and nothing failed', () => {
    const f = [...facts('gate-staffed', [D1], GATES), fact('entry-checks', D1, 'g1', 'pass'), fact('entry-checks', D1, 'g2', 'no_data')];
    expect(scoreOf('3.1', { facts: f })).toMatchObject({ score: null, status: 'insufficient_data' });
  });

  it('a fail wins over silence elsewhere', () => {
    const f = [fact('gate-staffed', D1, 'g1', 'fail'), fact('gate-staffed', D1, 'g2', 'no_data')];
    expect(scoreOf('3.1', { facts: f }).score).toBe(0);
  });

  it('insufficient data when a rule has no facts at all', () => {
    expect(scoreOf('3.1', { facts: facts('gate-staffed', [D1], GATES) }).status).toBe('insufficient_data');
  });

  it('ignores facts of other communities and days outside the window', () => {
    const other = { ...fact('entry-checks', D1, 'g1', 'fail'), communityId: 'c2' };
    const s = scoreOf('3.1', { facts: [...good(), other, fact('entry-checks', D2, 'g1', 'fail')] });
    expect(s.score).toBe(8);
  });
});

describe('multi-day windows', () => {
  const window = { from: D1, to: D3 };

  it('3.2 needs every day: one bad day of three gives 0', () => {
    const f = [...facts('no-couriers', [D1, D3], GATES), fact('no-couriers', D2, 'g1', 'pass'), fact('no-couriers', D2, 'g2', 'fail')];
    expect(scoreOf('3.2', { window, facts: f }).score).toBe(0);
    expect(scoreOf('3.2', { window, facts: facts('no-couriers', [D1, D2, D3], GATES) }).score).toBe(2);
  });

  it('a gate absent on one day is a gap, not a pass', () => {
    const f = [...facts('no-couriers', [D1, D2, D3], ['g1']), ...facts('no-couriers', [D1, D3], ['g2'])];
    const s = scoreOf('3.2', { window, facts: f });
    expect(s.status).toBe('insufficient_data');
    expect(s.evidence.missing).toEqual([{ day: D2, place: 'g2', rule: 'no-couriers' }]);
  });

  it('a whole day without facts is a gap', () => {
    const s = scoreOf('6.1', { window, facts: facts('venues-closed', [D1, D3], ['room-1']) });
    expect(s.status).toBe('insufficient_data');
  });

  it('evidence lines are ordered by day then place', () => {
    const f = facts('venues-closed', [D3, D2, D1], ['room-b', 'room-a']);
    const lines = scoreOf('6.1', { window, facts: f }).evidence.lines.map((l) => `${l.day} ${l.place}`);
    expect(lines).toEqual([...lines].sort());
    expect(lines).toHaveLength(6);
  });
});

describe('4.1 public-area disinfection + post-ventilation (10, auto)', () => {
  it('10 when both pass everywhere, 0 when one area lacks ventilation after a session', () => {
    const ok = [...facts('area-disinfection', [D1], AREAS), ...facts('post-ventilation', [D1], AREAS)];
    expect(scoreOf('4.1', { facts: ok }).score).toBe(10);
    const bad = [...facts('area-disinfection', [D1], AREAS), fact('post-ventilation', D1, 'b1-lobby', 'pass'), fact('post-ventilation', D1, 'b2-lobby', 'fail', { sessions: 2, ventilatedSessions: 1 })];
    const s = scoreOf('4.1', { facts: bad });
    expect(s.score).toBe(0);
    expect(s.evidence.lines.find((l) => l.status === 'fail')?.figures).toEqual({ sessions: 2, ventilatedSessions: 1 });
  });

  it('a duplicate pass cannot hide a fail for the same day and place', () => {
    const f = [...facts('area-disinfection', [D1], ['b1-lobby']), fact('post-ventilation', D1, 'b1-lobby', 'fail'), fact('post-ventilation', D1, 'b1-lobby', 'pass')];
    expect(scoreOf('4.1', { facts: f }).score).toBe(0);
  });
});

describe('6.1 venues closed (2, auto)', () => {
  it('2 closed, 0 opened, null silent', () => {
    expect(scoreOf('6.1', { facts: facts('venues-closed', [D1], ['room-1']) }).score).toBe(2);
    expect(scoreOf('6.1', { facts: [fact('venues-closed', D1, 'room-1', 'fail', { openMinutes: 40, openings: 1 })] }).score).toBe(0);
    expect(scoreOf('6.1', { facts: facts('venues-closed', [D1], ['room-1'], 'no_data') }).score).toBeNull();
  });
});

describe('7.2 staff ledger (2, auto)', () => {
  it('2 when every staff member was checked', () => {
    expect(scoreOf('7.2', { facts: facts('staff-ledger', [D1], ['s-001', 's-002']), staffRefs: ['s-001', 's-002'] }).score).toBe(2);
  });

  it('0 when one was not checked', () => {
    const f = [fact('staff-ledger', D1, 's-001', 'pass'), fact('staff-ledger', D1, 's-002', 'fail', { checks: 0 })];
    expect(scoreOf('7.2', { facts: f }).score).toBe(0);
  });

  it('a registered staff member with no fact at all is a gap', () => {
    const s = scoreOf('7.2', { facts: facts('staff-ledger', [D1], ['s-001']), staffRefs: ['s-001', 's-002'] });
    expect(s.status).toBe('insufficient_data');
    expect(s.evidence.missing).toEqual([{ day: D1, place: 's-002', rule: 'staff-ledger' }]);
  });
});

describe('2.1 broadcast (8, assisted)', () => {
  it('proposes 8 when broadcasts played every day, 0 on any silence, null when speakers were silent', () => {
    const window = { from: D1, to: D2 };
    const ok = scoreOf('2.1', { window, facts: facts('broadcast', [D1, D2], ['spk-1']) });
    expect(ok).toMatchObject({ score: 8, proposed: true, fill: 'assisted' });
    const bad = [fact('broadcast', D1, 'spk-1', 'pass'), fact('broadcast', D2, 'spk-1', 'fail', { silentMinutes: 90 })];
    expect(scoreOf('2.1', { window, facts: bad }).score).toBe(0);
    const silent = [fact('broadcast', D1, 'spk-1', 'pass'), fact('broadcast', D2, 'spk-1', 'no_data')];
    expect(scoreOf('2.1', { window, facts: silent })).toMatchObject({ score: null, status: 'insufficient_data', proposed: true });
  });
});

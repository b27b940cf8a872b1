import { describe, expect, it } from 'vitest';
import { parseScoringPolicy } from '../../services/scoring/policy.js';
import { scoreItems } from '../../services/scoring/score.js';
import { COMMUNITY, D1, D2, D3, fact, facts, scoreOf, ZONE } from './fixtures.js';

const staffed = (gate: string, day: string, unstaffedMinutes: number) =>
  fact('gate-staffed', day, gate, unstaffedMinutes > 0 ? 'fail' : 'pass', {
    staffedMinutes: 1440 - unstaffedMinutes,
    unstaffedMinutes,
    noDataMinutes: 0,
  });

describe('3.3 gate duty (10, assisted, deduct per started 30 unstaffed minutes)', () => {
  it('10 with no unstaffed minutes', () => {
    expect(scoreOf('3.3', { facts: [staffed('g1', D1, 0), staffed('g2', D1, 0)] })).toMatchObject({ score: 10, proposed: true });
  });

  it('1 minute deducts 1, 30 deducts 1, 31 deducts 2', () => {
    expect(scoreOf('3.3', { facts: [staffed('g1', D1, 1)] }).score).toBe(9);
    expect(scoreOf('3.3', { facts: [staffed('g1', D1, 30)] }).score).toBe(9);
    expect(scoreOf('3.3', { facts: [staffed('g1', D1, 31)] }).score).toBe(8);
  });

  it('sums over gates and days: 20 + 25 + 50 = 95 minutes deducts 4', () => {
    const window = { from: D1, to: D2 };
    const f = [staffed('g1', D1, 20), staffed('g2', D1, 25), staffed('g1', D2, 50), staffed('g2', D2, 0)];
    const s = scoreOf('3.3', { window, facts: f });
    expect(s.score).toBe(6);
    expect(s.explanation).toContain('95 unstaffed');
  });

  it('caps the deduction at 10', () => {
    const s = scoreOf('3.3', { facts: [staffed('g1', D1, 600)] });
    expect(s.score).toBe(0);
    expect(s.explanation).toContain('capped at 10');
  });

  it('a silent gate makes it insufficient unless the cap is already reached', () => {
    const silent = fact('gate-staffed', D1, 'g2', 'no_data', { staffedMinutes: 0, unstaffedMinutes: 0, noDataMinutes: 1440 });
    expect(scoreOf('3.3', { facts: [staffed('g1', D1, 45), silent] }).status).toBe('insufficient_data');
    expect(scoreOf('3.3', { facts: [staffed('g1', D1, 300), silent] }).score).toBe(0);
  });

  it('the minutes per point are configurable', () => {
    const policy = parseScoringPolicy({ unstaffedMinutesPerPoint: 60 });
    const all = scoreItems({ communityId: COMMUNITY, timeZone: ZONE, window: { from: D1, to: D1 }, facts: [staffed('g1', D1, 61)], alarms: [] }, policy);
    expect(all.find((s) => s.itemId === '3.3')?.score).toBe(8);
  });
});

describe('4.3 garbage disinfection (5, auto, deduct 1 per failing day/place)', () => {
  const BINS = ['bins-n', 'bins-s'];

  it('5 when all pass', () => {
    expect(scoreOf('4.3', { facts: facts('garbage', [D1], BINS) })).toMatchObject({ score: 5, proposed: false });
  });

  it('deducts 1 per failing day/place over the window', () => {
    const window = { from: D1, to: D3 };
    const f = [...facts('garbage', [D1, D3], BINS), fact('garbage', D2, 'bins-n', 'fail'), fact('garbage', D2, 'bins-s', 'fail')];
    expect(scoreOf('4.3', { window, facts: f }).score).toBe(3);
  });

  it('caps at 5: seven failures give 0', () => {
    const window = { from: D1, to: D3 };
    const f = [...facts('garbage', [D1, D2, D3], BINS, 'fail'), fact('garbage', D1, 'bins-w', 'fail'), fact('garbage', D2, 'bins-w', 'no_data'), fact('garbage', D3, 'bins-w', 'pass')];
    expect(scoreOf('4.3', { window, facts: f }).score).toBe(0);
  });

  it('insufficient data when bins are silent and the cap is not reached', () => {
    const f = [fact('garbage', D1, 'bins-n', 'fail'), fact('garbage', D1, 'bins-s', 'no_data')];
    expect(scoreOf('4.3', { facts: f }).status).toBe('insufficient_data');
    expect(scoreOf('4.3', { facts: [] }).status).toBe('insufficient_data');
  });
});

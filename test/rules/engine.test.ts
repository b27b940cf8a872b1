/** Engine contract: config defaults and errors, purity (no mutation), facts per FIGURES. */
import { describe, expect, it } from 'vitest';
import { FIGURES, parseRulesConfig, RULE_IDS, tick } from '../../services/rules/index.js';
import { at, ctx, facts, feed, online } from './fixtures.js';

describe('config', () => {
  it('defaults are the plan values', () => {
    expect(parseRulesConfig({})).toMatchObject({
      feverAboveC: 37.3,
      plausibleMinC: 34,
      plausibleMaxC: 43,
      chlorineMinMgPerL: 250,
      chlorineMaxMgPerL: 500,
      disinfectionsPerDay: 2,
      postVentilationMinMinutes: 15,
      ventilationMinMinutes: 30,
      ventilationsPerDay: 2,
      touchPointWipesPerDay: 2,
      garbageDisinfectionsPerDay: 2,
      garbageChlorineMinMgPerL: 500,
      contractorsMaxOnSite: 4,
      lateAfterHours: 24,
      defaultTimeZone: 'Asia/Shanghai',
    });
    expect(Object.isFrozen(parseRulesConfig({}))).toBe(true);
  });

  it.each([
    [{ defaultTimeZone: 'Mars/Olympus' }, 'defaultTimeZone'],
    [{ chlorineMinMgPerL: 600 }, 'chlorineMinMgPerL'],
    [{ feverAboveC: 'hot' }, 'feverAboveC'],
    [{ unknownKnob: 1 }, 'unknownKnob'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => parseRulesConfig(input)).toThrow(field);
  });
});

describe('determinism and ownership', () => {
  // evaluate() and tick() own the state and update it in place (copy-on-write
  // per reading was quadratic); what must hold is that outputs depend only on inputs.
  it('the same inputs give the same state, outcomes and facts, run after run', () => {
    const j = online();
    j.shift(at('20:00', '2021-02-02'), 'start');
    j.shift(at('12:00'), 'end');
    j.temp(at('08:00'), 38.0);
    j.door(at('10:00'), 'open');
    const run = () => {
      const fed = feed(j.readings);
      const ticked = tick(fed.state, at('12:30'), ctx);
      return { state: JSON.stringify(ticked.state), outcomes: [...fed.outcomes, ...ticked.outcomes], facts: facts(ticked.state) };
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.outcomes.map((o) => `${o.type}:${o.rule}`)).toEqual(expect.arrayContaining(['alarm:fever', 'alarm:venues-closed', 'alarm:gate-staffed']));
  });

  it('updates the state it owns in place instead of copying it per reading', () => {
    const j = online();
    j.temp(at('08:00'), 36.5);
    const { state } = feed(j.readings.slice(0, 10));
    const community = state.communities['hc-001'];
    const next = feed(j.readings.slice(10), state).state;
    expect(next).toBe(state);
    expect(next.communities['hc-001']).toBe(community);
  });
});

describe('facts follow FIGURES', () => {
  it('every rule has facts; every fact carries at least its contract figures', () => {
    const { state } = feed(online().readings);
    const all = facts(state);
    expect([...new Set(all.map((f) => f.rule))]).toEqual([...RULE_IDS]);
    for (const f of all) {
      expect(Object.keys(f.figures)).toEqual(expect.arrayContaining([...FIGURES[f.rule].figures]));
      expect(f).toMatchObject({ communityId: 'hc-001', day: '2021-02-03' });
    }
  });
});

/** Engine contract: config defaults and errors, purity (no mutation), facts per FIGURES. */
import { describe, expect, it } from 'vitest';
import { FIGURES, parseRulesConfig, RULE_IDS, tick, type RulesState } from '../../services/rules/index.js';
import { at, ctx, facts, feed, online } from './fixtures.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

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

describe('purity', () => {
  it('evaluate and tick never mutate the state they are given', () => {
    const j = online();
    j.shift(at('20:00', '2021-02-02'), 'start');
    j.shift(at('12:00'), 'end');
    j.temp(at('08:00'), 38.0);
    j.door(at('10:00'), 'open');
    const half = feed(j.readings.slice(0, 1000)).state;
    const snapshot = JSON.stringify(half);
    const frozen: RulesState = deepFreeze(half);
    const rest = feed(j.readings.slice(1000), frozen);
    tick(rest.state, at('12:30'), ctx);
    expect(JSON.stringify(frozen)).toBe(snapshot);
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

/**
 * The layout is an input (issue 14 step 4): the pure engine judges with the
 * layout it is given and nothing else, so the same readings with another
 * layout give other results, and `rules` picks the rule modules that run.
 */
import { describe, expect, it } from 'vitest';
import { createInitialState, evaluate, rebuildState, tick, RULES, type CommunityLayout, type Outcome } from '../../services/rules/index.js';
import { C, Journal, at, ctx, layout } from './fixtures.js';

const subjectsOf = (outcomes: Outcome[], rule: string) => outcomes.filter((o) => o.type === 'alarm' && o.rule === rule).map((o) => o.subject).sort();

describe('the layout as an input', () => {
  it('tick watches the devices of the layouts it is given, and no others', () => {
    const watched = tick(createInitialState(), at('08:00'), { ...ctx, communityIds: [C] }).state;
    const withLayout = tick(watched, at('08:20'), { ...ctx, communityIds: [C] });
    expect(subjectsOf(withLayout.outcomes, 'device-health')).toEqual(layout.devices.map((d) => `device:${d.id}`).sort());

    const unknown = tick(tick(createInitialState(), at('08:00'), { ...ctx, layouts: new Map(), communityIds: [C] }).state, at('08:20'), { ...ctx, layouts: new Map(), communityIds: [C] });
    expect(unknown.outcomes).toEqual([]);
  });

  it('after a rebuild, a smaller layout watches fewer devices; `rules` chooses what runs', () => {
    const j = new Journal();
    j.temp(at('09:00'), 38.6);
    const oneGate: CommunityLayout = { ...layout, devices: layout.devices.filter((d) => d.id === 'therm-g1') };
    const state = rebuildState(j.readings, { ...ctx, layouts: new Map([[C, oneGate]]) });
    const watched = tick(state, at('09:00'), { ...ctx, layouts: new Map([[C, oneGate]]), communityIds: [C] }).state;
    // Only the one device of the given layout can fall silent.
    expect(subjectsOf(tick(watched, at('09:30'), { ...ctx, layouts: new Map([[C, oneGate]]) }).outcomes, 'device-health')).toEqual(['device:therm-g1']);

    const fresh = new Journal().temp(at('09:00'), 38.6, 'p-000001');
    expect(evaluate(createInitialState(), fresh, { ...ctx, rules: [] }).outcomes).toEqual([]);
    expect(subjectsOf(evaluate(createInitialState(), fresh, { ...ctx, rules: RULES }).outcomes, 'fever')).toEqual(['person:p-000001']);
  });
});

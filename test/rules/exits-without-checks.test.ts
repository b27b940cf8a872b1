/**
 * entry-checks judges entries (allowed "in" passes) only: exits without a
 * checks record (allowed since 2026-12) change nothing; a courier measured at
 * the gate (a subject accepted since 2026-12) counts for the fever rule and
 * survives the state's JSON round trip.
 */
import { describe, expect, it } from 'vitest';
import { restoreState, serializeState } from '../../services/rules/index.js';
import { at, factOf, feed, online } from './fixtures.js';

describe('exits without checks, couriers as thermometer subjects', () => {
  it('entry-checks counts the entries only; exits without checks are not entries', () => {
    const j = online();
    j.access(at('08:00'), 'resident', 'in');
    const partial = j.access(at('08:05'), 'resident', 'in', { checks: { temperature: true, identity: false, itinerary: true } });
    j.access(at('09:00'), 'resident', 'out', { checks: undefined });
    j.access(at('09:10'), 'courier', 'out', { checks: null });
    const { state } = feed(j.readings);
    const f = factOf(state, 'entry-checks', 'g1');
    expect([f.status, f.figures]).toEqual([
      'fail',
      { entries: 2, fullyChecked: 1, missingTemperature: 0, missingIdentity: 1, missingItinerary: 0, noDataMinutes: 0 },
    ]);
    expect(f.readingIds).toEqual([partial.readingId]);
  });

  it('a courier with a fever raises the fever alarm and is in the fever fact, also after a restore', () => {
    const j = online();
    j.add('temperature', 'therm-g1', at('10:00'), { gateId: 'g1', temperatureC: 38.4, subject: 'courier', personRef: 'w-0007' });
    j.add('temperature', 'therm-g1', at('10:01'), { gateId: 'g1', temperatureC: 36.4, subject: 'food_delivery', personRef: 'w-0008' });
    const { state, outcomes } = feed(j.readings);
    expect(outcomes.filter((o) => o.type === 'alarm').map((o) => [o.rule, o.subject])).toEqual([['fever', 'person:w-0007']]);
    const restored = restoreState(serializeState(state));
    for (const s of [state, restored]) expect(factOf(s, 'fever', 'g1').figures).toMatchObject({ measured: 2, fevers: 1 });
  });
});

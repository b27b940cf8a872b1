/**
 * Memory per reading bounds the rate one process can ingest (BENCHMARKS.md):
 * an ordinary temperature reading is a row of numbers in the state, not
 * objects. Counted, not timed: objects held and JSON bytes per reading are
 * deterministic. Held as objects by seq (state version 1) it was 2 objects
 * and about 230 JSON bytes per reading here (about 380 bytes of heap in
 * bench/rules-memory.ts); as rows it is no object and about 40 bytes (about
 * 60 of heap).
 */
import { describe, expect, it } from 'vitest';
import { createInitialState, serializeState, type RulesState } from '../../services/rules/index.js';
import { at, facts, feed, Journal } from './fixtures.js';
import { rng } from './recorded-day.js';

/** Objects and arrays reachable from the state (strings and numbers are not counted). */
function objectsIn(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Object.values(value).reduce<number>((n, v) => n + objectsIn(v), 0);
}

function busyDay(n: number): Journal {
  const j = new Journal();
  const rand = rng(8);
  for (let i = 0; i < n; i++) {
    const t = at('06:00') + Math.floor((i * 16 * 3_600_000) / n);
    const fever = i % 1000 === 500;
    const c = fever ? 38.5 : Math.round((36 + rand() * 1.3) * 10) / 10;
    j.temp(t, c, `p-${Math.floor(rand() * 3000)}`, 'resident', i % 2 ? 'therm-g1' : 'therm-g2');
  }
  return j;
}

describe('memory of the state per temperature reading', () => {
  const small = feed(busyDay(1_000).readings).state;
  const large = feed(busyDay(20_000).readings).state;

  it('holds no object per ordinary temperature reading', () => {
    const perReading = (objectsIn(large) - objectsIn(small)) / 19_000;
    expect(perReading).toBeLessThan(0.01);
  });

  it('takes well under 100 JSON bytes per temperature reading', () => {
    const perReading = (serializeState(large).length - serializeState(small).length) / 19_000;
    expect(perReading).toBeLessThan(100);
  });

  it('and still gives every reading to the facts, evidence by reading id', () => {
    const fever = facts(large).find((f) => f.rule === 'fever' && f.place === 'g1');
    // The busy day's thermometer is heard 06:00-22:14 only: the rest is unjudged evidence (issue 15).
    expect(fever?.figures).toEqual({
      measured: 20_000, fevers: 20, implausible: 0,
      noDataMinutes: 465, unjudgedSpans: 2, unjudgedFrom1: 0, unjudgedTo1: 360, unjudgedFrom2: 1334, unjudgedTo2: 1440, coveredPass: 1,
    });
    expect(fever?.readingIds).toEqual(Array.from({ length: 20 }, (_, k) => 501 + k * 1000));
  });

  it('an empty state is small too', () => {
    const empty: RulesState = createInitialState();
    expect(objectsIn(empty)).toBe(2);
  });
});

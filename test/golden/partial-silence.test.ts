/**
 * Golden days with partial silence (issue 15 item 1): a device of a place
 * says nothing for a few hours and comes back. The facts it feeds are
 * "no data" for that day, never a pass; a violation seen while it reported
 * still fails; the all-or-nothing items it feeds say "insufficient data",
 * and 3.3 (a partial judgement) names the hours it could not judge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayBounds } from '../../devices-sim/clock.js';
import { notPassing, pointsOf, runGoldenDay, TZ, type GoldenRun } from './harness.js';
import { FULL_MARKS, engineFacts, factTable } from './expected.js';

const SCENARIOS = ['compliant', 'couriers', 'compliant', 'compliant'];
const PANEL_NIGHT = 0;
const COURIERS_NIGHT = 1;
const SPEAKER_MORNING = 2;
const DOOR_EVENING = 3;

let run: GoldenRun;
beforeAll(async () => {
  run = await runGoldenDay(SCENARIOS, 20210203, [
    { community: PANEL_NIGHT, device: (id) => `${id}-panel-g1`, from: '01:00', to: '05:00' },
    { community: COURIERS_NIGHT, device: (id) => `${id}-panel-g1`, from: '01:00', to: '05:00' },
    { community: SPEAKER_MORNING, device: (id) => `${id}-speaker-1`, from: '10:00', to: '12:00' },
    { community: DOOR_EVENING, device: (id) => `${id}-door-club`, from: '20:00', to: '23:00' },
  ]);
}, 120_000);
afterAll(async () => run?.stop());

/** The engine's facts for that community from the same (silenced) messages: the exact figures to expect. */
function engineTable(index: number) {
  const { community } = run.plan.communities[index]!;
  return factTable(engineFacts(run.messages, community, run.day, dayBounds(run.day, TZ)[1] + 3_600_000));
}

/**
 * The span a silence leaves unjudged, in minutes of the local day, from what the device did send:
 * its last message before the silence vouches for 15 min more (deviceSilenceMinutes), its
 * first message after it (heartbeats are jittered by up to a minute) ends the span.
 */
function unjudgedSpan(index: number, device: string): [number, number] {
  const id = run.communityAt(index);
  const times = run.messages
    .filter((m) => m.communityId === id && m.deviceId === `${id}-${device}` && 'payload' in m)
    .map((m) => Date.parse((m as { payload: { ts: string } }).payload.ts))
    .sort((a, b) => a - b);
  const [start] = dayBounds(run.day, TZ);
  // The first gap of more than the heartbeat period inside the day (shifts of the evening before are not heartbeats).
  const gap = times.findIndex((t, i) => i > 0 && times[i - 1]! >= start && t - times[i - 1]! > 20 * 60_000);
  return [Math.floor((times[gap - 1]! + 15 * 60_000 - start) / 60_000), Math.ceil((times[gap]! - start) / 60_000)];
}

/** The unjudged span of a fact, in minutes of the local day. */
const span = (f: { figures: Record<string, number> }) => [f.figures.unjudgedSpans, f.figures.unjudgedFrom1, f.figures.unjudgedTo1, f.figures.coveredPass];

describe('golden day: a gate panel silent 01:00-05:00 on a compliant day', () => {
  it('every gate-g1 rule and the contractor count are no_data, the covered part passed; nothing fails but the panel', () => {
    const id = run.communityAt(PANEL_NIGHT);
    expect(notPassing(run.facts(id))).toEqual([
      'contractors * no_data',
      `device-health ${id}-panel-g1 fail`,
      'entry-checks g1 no_data',
      'gate-staffed g1 no_data',
      'no-couriers g1 no_data',
    ]);
    const [from, to] = unjudgedSpan(PANEL_NIGHT, 'panel-g1');
    expect([from >= 65 && from <= 75, to >= 300 && to <= 301]).toEqual([true, true]);
    for (const rule of ['gate-staffed', 'entry-checks', 'no-couriers', 'contractors'] as const) {
      expect(span(run.fact(id, rule, rule === 'contractors' ? '*' : 'g1'))).toEqual([1, from, to, 1]);
    }
    expect(run.fact(id, 'gate-staffed', 'g2').status).toBe('pass');
    expect(factTable(run.facts(id))).toEqual(engineTable(PANEL_NIGHT));
  });

  it('3.1 and 3.2 say insufficient data; 3.3 judges the covered part, naming the unjudged hours', async () => {
    const id = run.communityAt(PANEL_NIGHT);
    const scores = await run.scores(id);
    expect(pointsOf(scores)).toEqual({ ...FULL_MARKS, '3.1': null, '3.2': null });
    expect([scores['3.1']!.status, scores['3.2']!.status]).toEqual(['insufficient_data', 'insufficient_data']);
    const [from, to] = unjudgedSpan(PANEL_NIGHT, 'panel-g1');
    const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const hours = `${run.day} g1 (${clock(from)}-${clock(to)})`;
    expect(scores['3.1']!.explanation).toBe(
      `No failure seen, but 1 Gate staffed day/place(s) silent for part of the day, the silent hours not judged: ${hours}; ` +
        `1 Entry checks day/place(s) silent for part of the day, the silent hours not judged: ${hours}.`,
    );
    expect(scores['3.2']!.explanationMessage.code).toBe('score.gaps');
    expect(scores['3.3']!.explanation).toBe(
      `0 unstaffed gate minute(s) over the window (${run.fact(id, 'gate-staffed', 'g1').figures.noDataMinutes} further minute(s) without data were not counted), 1 point per started 30; not judged (no data): ${hours}: deduct 0.`,
    );
    expect(pointsOf(await run.scores(id))).toEqual(pointsOf(run.coreScores(id)));
  });
});

describe('golden day: couriers let in at 11:42 and 18:15 at a gate whose panel was silent 01:00-05:00', () => {
  it('fail beats no data: no-couriers and entry-checks fail, gate-staffed is no_data; 3.1 and 3.2 = 0', async () => {
    const id = run.communityAt(COURIERS_NIGHT);
    expect(notPassing(run.facts(id))).toEqual([
      'contractors * no_data',
      `device-health ${id}-panel-g1 fail`,
      'entry-checks g1 fail',
      'gate-staffed g1 no_data',
      'no-couriers g1 fail',
    ]);
    expect(run.fact(id, 'no-couriers', 'g1').figures).toMatchObject({ courierEntries: 2, coveredPass: 0, unjudgedSpans: 1 });
    expect(factTable(run.facts(id))).toEqual(engineTable(COURIERS_NIGHT));
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '3.1': 0, '3.2': 0 });
  });
});

describe('golden day: the speaker silent 10:00-12:00', () => {
  it('broadcast is no_data (played whenever heard); 2.1 says insufficient data', async () => {
    const id = run.communityAt(SPEAKER_MORNING);
    const speaker = `${id}-speaker-1`;
    expect(notPassing(run.facts(id))).toEqual([`broadcast ${speaker} no_data`, `device-health ${speaker} fail`]);
    const f = run.fact(id, 'broadcast', speaker);
    expect(f.figures.silentMinutes).toBe(0);
    expect(f.figures.playingMinutes! + f.figures.noDataMinutes!).toBe(1440);
    expect(span(f)).toEqual([1, ...unjudgedSpan(SPEAKER_MORNING, 'speaker-1'), 1]);
    expect(factTable(run.facts(id))).toEqual(engineTable(SPEAKER_MORNING));
    const scores = await run.scores(id);
    expect(pointsOf(scores)).toEqual({ ...FULL_MARKS, '2.1': null });
    expect(scores['2.1']!.status).toBe('insufficient_data');
  });
});

describe('golden day: the activity-room door sensor silent 20:00-23:00', () => {
  it('venues-closed is no_data (closed whenever heard); 6.1 says insufficient data', async () => {
    const id = run.communityAt(DOOR_EVENING);
    expect(notPassing(run.facts(id))).toEqual([`device-health ${id}-door-club fail`, 'venues-closed club no_data']);
    const f = run.fact(id, 'venues-closed', 'club');
    expect(f.figures).toMatchObject({ openMinutes: 0, openings: 0 });
    expect(span(f)).toEqual([1, ...unjudgedSpan(DOOR_EVENING, 'door-club'), 1]);
    expect(factTable(run.facts(id))).toEqual(engineTable(DOOR_EVENING));
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '6.1': null });
  });
});

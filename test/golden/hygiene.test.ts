/**
 * Golden days for disinfection, ventilation, the broadcast and a silent
 * device: each breaks one rule, and the checklist loses exactly the points
 * of the item that rule feeds (or says "insufficient data" for silence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmLines, eventually, notPassing, pointsOf, runGoldenDay, type GoldenRun } from './harness.js';
import { FULL_MARKS } from './expected.js';

let run: GoldenRun;
beforeAll(async () => {
  run = await runGoldenDay(['missed-disinfection', 'no-ventilation', 'broadcast-stops', 'device-offline']);
}, 120_000);
afterAll(async () => run?.stop());

describe('golden day: missed and under-strength disinfection', () => {
  it('the corridor sprayed once and the garage at 150 mg/L both fail; 4.1 loses its 10 points', async () => {
    const id = run.community('missed-disinfection');
    expect(notPassing(run.facts(id))).toEqual(['area-disinfection b1-corridor fail', 'area-disinfection parking fail']);
    expect(run.fact(id, 'area-disinfection', 'b1-corridor').figures).toEqual({ validSessions: 1, invalidSessions: 0, required: 2, noDataMinutes: 0 });
    expect(run.fact(id, 'area-disinfection', 'parking').figures).toEqual({ validSessions: 1, invalidSessions: 1, required: 2, noDataMinutes: 0 });
    // Only valid sessions are judged for ventilation afterwards.
    expect(run.fact(id, 'post-ventilation', 'parking').figures).toMatchObject({ sessions: 1, ventilatedSessions: 1 });
    expect(alarmLines(run.alarms(id))).toEqual([]);
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '4.1': 0 });
  });
});

describe('golden day: a spraying without ventilation', () => {
  it('10 minutes of air after the lobby session is not 15: post-ventilation fails, 4.1 = 0', async () => {
    const id = run.community('no-ventilation');
    expect(notPassing(run.facts(id))).toEqual(['post-ventilation b1-lobby fail']);
    expect(run.fact(id, 'post-ventilation', 'b1-lobby').figures).toMatchObject({ sessions: 2, ventilatedSessions: 1 });
    expect(run.fact(id, 'area-disinfection', 'b1-lobby').status).toBe('pass');
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '4.1': 0 });
  });
});

describe('golden day: the broadcast stops', () => {
  it('180 minutes not playing fails broadcast; 2.1 loses its 8 points', async () => {
    const id = run.community('broadcast-stops');
    const speaker = `${id}-speaker-1`;
    expect(notPassing(run.facts(id))).toEqual([`broadcast ${speaker} fail`]);
    expect(run.fact(id, 'broadcast', speaker).figures).toEqual({ playingMinutes: 1260, silentMinutes: 180, noDataMinutes: 0 });
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '2.1': 0 });
  });

  it('raises a broadcast alarm on the next tick (it is still stopped)', async () => {
    const id = run.community('broadcast-stops');
    await eventually(() => run.alarms(id).length > 0, 15_000, 100);
    expect(alarmLines(run.alarms(id))).toEqual([`broadcast device:${id}-speaker-1 open`]);
  });
});

describe('golden day: a device goes offline', () => {
  it('the silent garbage sprayer is a device-health alarm and garbage is "no data", not a fail', async () => {
    const id = run.community('device-offline');
    const dev = `${id}-spray-bins-1`;
    expect(notPassing(run.facts(id))).toEqual([`device-health ${dev} fail`, 'garbage bins-1 no_data']);
    expect(run.fact(id, 'device-health', dev).figures).toMatchObject({ onlineMinutes: 720, offlineMinutes: 720 });
    // Issue 15: the unjudged span (the "offline" at 12:00 cuts it exactly) and the covered part's verdict (one short) are kept.
    expect(run.fact(id, 'garbage', 'bins-1').figures).toEqual({
      validSessions: 1, invalidSessions: 0, required: 2, noDataMinutes: 720, unjudgedSpans: 1, unjudgedFrom1: 720, unjudgedTo1: 1440, coveredPass: 0,
    });
    expect(alarmLines(run.alarms(id))).toEqual([`device-health device:${dev} open`]);
    const scores = await run.scores(id);
    expect(pointsOf(scores)).toEqual({ ...FULL_MARKS, '4.3': null });
    expect(scores['4.3']!.status).toBe('insufficient_data');
  });
});

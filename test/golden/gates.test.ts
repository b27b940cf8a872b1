/**
 * Golden days at the gates and on site: an unstaffed night, couriers let in,
 * a fifth contractor, an open activity room.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmLines, notPassing, pointsOf, runGoldenDay, type GoldenRun } from './harness.js';
import { FULL_MARKS } from './expected.js';

let run: GoldenRun;
beforeAll(async () => {
  run = await runGoldenDay(['unstaffed-night', 'couriers', 'fifth-contractor', 'open-activity-room']);
}, 120_000);
afterAll(async () => run?.stop());

describe('golden day: an unstaffed night at a gate', () => {
  it('200 unstaffed minutes at g2: 3.1 = 0 and 3.3 deducts ceil(200 / 30) = 7', async () => {
    const id = run.community('unstaffed-night');
    expect(notPassing(run.facts(id))).toEqual(['gate-staffed g2 fail']);
    expect(run.fact(id, 'gate-staffed', 'g2').figures).toEqual({ staffedMinutes: 1240, unstaffedMinutes: 200, noDataMinutes: 0 });
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '3.1': 0, '3.3': 3 });
  });

  it('no gate is left with an open unstaffed alarm (the gate is staffed at the end of the day)', async () => {
    // A gate-staffed alarm is time-driven: raised only if a 5 s service tick happens to fall
    // while the replay is inside 02:00-05:20, and resolved once the day attendant arrives.
    const lines = alarmLines(run.alarms(run.community('unstaffed-night')));
    expect(lines.filter((l) => l !== 'gate-staffed gate:g2 resolved')).toEqual([]);
  });
});

describe('golden day: couriers walk in', () => {
  it('a courier and a rider let in without checks: no-couriers and entry-checks fail; 3.1 and 3.2 = 0', async () => {
    const id = run.community('couriers');
    expect(notPassing(run.facts(id))).toEqual(['entry-checks g1 fail', 'no-couriers g1 fail']);
    expect(run.fact(id, 'no-couriers', 'g1').figures).toEqual({ courierEntries: 2, courierRefusals: 2, noDataMinutes: 0 });
    const checks = run.fact(id, 'entry-checks', 'g1').figures;
    expect(checks.entries! - checks.fullyChecked!).toBe(2);
    expect(checks).toMatchObject({ missingTemperature: 0, missingIdentity: 2, missingItinerary: 2 });
    const alarms = run.alarms(id);
    expect(alarmLines(alarms)).toEqual(['no-couriers gate:g1 open']);
    expect(alarms[0]!.occurrences).toBe(2);
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '3.1': 0, '3.2': 0 });
  });
});

describe('golden day: a fifth contractor', () => {
  it('five on site at once is over the limit of four: alarm, resolved when they leave; no checklist item', async () => {
    const id = run.community('fifth-contractor');
    expect(notPassing(run.facts(id))).toEqual(['contractors * fail']);
    expect(run.fact(id, 'contractors', '*').figures).toMatchObject({ maxOnSite: 5, limit: 4 });
    expect(alarmLines(run.alarms(id))).toEqual([`contractors community:${id} resolved`]);
    expect(pointsOf(await run.scores(id))).toEqual(FULL_MARKS);
  });
});

describe('golden day: an open activity room', () => {
  it('open 19:00-21:30: venues-closed fails with 150 minutes, alarm resolved on closing, 6.1 = 0', async () => {
    const id = run.community('open-activity-room');
    expect(notPassing(run.facts(id))).toEqual(['venues-closed club fail']);
    expect(run.fact(id, 'venues-closed', 'club').figures).toEqual({ openMinutes: 150, openings: 1, noDataMinutes: 0 });
    expect(alarmLines(run.alarms(id))).toEqual(['venues-closed area:club resolved']);
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '6.1': 0 });
  });
});

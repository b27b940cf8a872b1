/**
 * Golden days for fevers: residents turned away (and 37.3 °C exactly, which is
 * no fever), a feverish cleaner who goes home, and a feverish gate attendant
 * who works the shift anyway. Item 1.4 follows how the alarms are handled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmLines, notPassing, pointsOf, runGoldenDay, type GoldenRun } from './harness.js';
import { FULL_MARKS } from './expected.js';

let run: GoldenRun;
beforeAll(async () => {
  run = await runGoldenDay(['resident-fevers', 'staff-fever', 'fever-on-duty']);
}, 120_000);
afterAll(async () => run?.stop());

async function acknowledgeAll(communityId: string): Promise<void> {
  for (const a of run.alarms(communityId)) {
    const res = await run.svc.api('POST', `/api/v1/alarms/${a.id}/acknowledge`, { body: { note: 'sent to the fever clinic' } });
    expect(res.status).toBe(200);
  }
}

describe('golden day: fevers among residents', () => {
  it('37.8 and 38.4 °C raise one fever alarm each; exactly 37.3 raises none', async () => {
    const id = run.community('resident-fevers');
    expect(alarmLines(run.alarms(id))).toEqual(['fever person:p-fever-01 open', 'fever person:p-fever-02 open']);
    expect(run.fact(id, 'fever', 'g1').figures.fevers).toBe(1);
    expect(run.fact(id, 'fever', 'g2').figures.fevers).toBe(1);
    expect(notPassing(run.facts(id))).toEqual([]);
  });

  it('unacknowledged fever alarms propose 1 for item 1.4; acknowledged at once, 3', async () => {
    const id = run.community('resident-fevers');
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '1.4': 1 });
    await acknowledgeAll(id);
    expect(pointsOf(await run.scores(id))).toEqual(FULL_MARKS);
    expect((await run.scores(id))['1.4']!.evidence.alarmIds).toHaveLength(2);
  });
});

describe('golden day: a feverish cleaner goes home', () => {
  it('fever alarm, no duty after it: staff-fever passes and 7.3 keeps its 2 points', async () => {
    const id = run.community('staff-fever');
    expect(alarmLines(run.alarms(id))).toEqual(['fever person:s-clean-2 open']);
    expect(run.fact(id, 'staff-fever', 's-clean-2')).toMatchObject({ status: 'pass', figures: { fevers: 1, dutyEventsAfterFever: 0 } });
    expect(notPassing(run.facts(id))).toEqual([]);
    await acknowledgeAll(id);
    expect(pointsOf(await run.scores(id))).toEqual(FULL_MARKS);
  });
});

describe('golden day: a feverish gate attendant stays on duty', () => {
  it('fever and staff-fever alarms; the shift start and end after the fever fail 7.3', async () => {
    const id = run.community('fever-on-duty');
    expect(alarmLines(run.alarms(id))).toEqual(['fever person:s-g1-a open', 'staff-fever person:s-g1-a open']);
    expect(notPassing(run.facts(id))).toEqual(['staff-fever s-g1-a fail']);
    expect(run.fact(id, 'staff-fever', 's-g1-a').figures).toEqual({ fevers: 1, dutyEventsAfterFever: 2 });
    expect(pointsOf(await run.scores(id))).toEqual({ ...FULL_MARKS, '1.4': 1, '7.3': 0 });
  });
});

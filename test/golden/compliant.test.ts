/**
 * Golden days, the clean ones: a compliant day scores full telemetry marks;
 * the same day with two hours of late uploads, or with nine malformed
 * payloads and a resend, ends with exactly the facts of the compliant day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../../devices-sim/scenarios/index.js';
import { dayBounds } from '../../devices-sim/clock.js';
import { isRaw } from '../../devices-sim/messages.js';
import { TZ, alarmLines, notPassing, pointsOf, runGoldenDay, type GoldenRun } from './harness.js';
import { FULL_MARKS, engineFacts, factTable } from './expected.js';

let run: GoldenRun;
beforeAll(async () => {
  run = await runGoldenDay(['compliant', 'late-uploads', 'malformed']);
}, 120_000);
afterAll(async () => run?.stop());

/** The compliant day of that community (same id, same seed): what late or broken traffic must not change. */
function compliantFactsOf(communityId: string) {
  const { community } = run.plan.communities.find((c) => c.community.id === communityId)!;
  const messages = scenarioByName('compliant')({ seed: run.plan.seed, day: run.day, timeZone: TZ, community });
  return factTable(engineFacts(messages, community, run.day, dayBounds(run.day, TZ)[1] + 3_600_000));
}

describe('golden day: compliant', () => {
  it('every message acknowledged, no dead letter', async () => {
    expect(run.stats.failed).toBe(0);
    expect(run.stats.acked).toBe(run.messages.length);
  });

  it('every fact passes, with the figures of a well-kept day', async () => {
    const id = run.community('compliant');
    const facts = run.facts(id);
    expect(notPassing(facts)).toEqual([]);
    // 2 gates x 4 gate rules + 9 staff x 2 + 5 areas x 2 + touch, garbage, hall, club, contractors, speaker + 19 devices
    expect(facts).toHaveLength(8 + 18 + 10 + 6 + 19);
    for (const area of ['b1-lobby', 'b1-corridor', 'parking', 'b1-stairs', 'b1-elevator']) {
      expect(run.fact(id, 'area-disinfection', area).figures).toMatchObject({ validSessions: 2, invalidSessions: 0, required: 2 });
      expect(run.fact(id, 'post-ventilation', area).figures).toMatchObject({ sessions: 2, ventilatedSessions: 2 });
    }
    for (const gate of ['g1', 'g2']) {
      expect(run.fact(id, 'gate-staffed', gate).figures).toEqual({ staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0 });
      expect(run.fact(id, 'no-couriers', gate).figures.courierEntries).toBe(0);
    }
    expect(run.fact(id, 'no-couriers', 'g1').figures.courierRefusals).toBe(2);
    expect(run.fact(id, 'touch-points', 'touch-1').figures).toMatchObject({ validWipes: 2, invalidWipes: 0 });
    expect(run.fact(id, 'garbage', 'bins-1').figures).toMatchObject({ validSessions: 2, invalidSessions: 0 });
    expect(run.fact(id, 'ventilation', 'hall').figures).toMatchObject({ validPeriods: 2, shortPeriods: 0 });
    expect(run.fact(id, 'contractors', '*').figures).toMatchObject({ maxOnSite: 3, limit: 4 });
    expect(run.fact(id, 'venues-closed', 'club').figures).toMatchObject({ openMinutes: 0, openings: 0 });
    expect(run.fact(id, 'broadcast', `${id}-speaker-1`).figures).toEqual({ playingMinutes: 1440, silentMinutes: 0, noDataMinutes: 0 });
    for (const d of facts.filter((f) => f.rule === 'device-health')) expect(d.figures).toMatchObject({ onlineMinutes: 1440, offlineMinutes: 0 });
  });

  it('raises no alarm', async () => {
    expect(alarmLines(run.alarms(run.community('compliant')))).toEqual([]);
  });

  it('fills the checklist with full telemetry marks, item by item', async () => {
    const scores = await run.scores(run.community('compliant'));
    expect(pointsOf(scores)).toEqual(FULL_MARKS);
    expect(Object.values(scores).every((s) => s.status === 'scored')).toBe(true);
    expect(scores['4.1']!.evidence.lines.filter((l) => l.rule === 'area-disinfection')).toHaveLength(5);
    // The API's answer is the scoring core's over the stored facts (it adds duty records for 4.2).
    expect(pointsOf(run.coreScores(run.community('compliant')))).toEqual(FULL_MARKS);
    expect(scores['4.2']!.explanation).not.toMatch(/not supplied/);
  });

  it('the service concludes what the pure engine concludes from the same readings', async () => {
    const id = run.community('compliant');
    expect(factTable(run.facts(id))).toEqual(compliantFactsOf(id));
  });
});

describe('golden day: late uploads', () => {
  it('two hours of readings arriving late give the facts and scores of the compliant day', async () => {
    const id = run.community('late-uploads');
    expect(factTable(run.facts(id))).toEqual(compliantFactsOf(id));
    expect(pointsOf(await run.scores(id))).toEqual(FULL_MARKS);
  });

  it('and the offline alarm live would have raised: the thermometer\'s live 12:00 reading shows its uplink silent since before 10:00', async () => {
    const id = run.community('late-uploads');
    const therm = `${id}-therm-g1`;
    const tenOClock = dayBounds(run.day, TZ)[0] + 10 * 3_600_000;
    const lastHeard = Math.max(...run.messages.filter((m) => !isRaw(m) && m.deviceId === therm && Date.parse(m.payload.ts) < tenOClock).map((m) => Date.parse((m as { payload: { ts: string } }).payload.ts)));
    const alarms = run.alarms(id);
    expect(alarmLines(alarms)).toEqual([`device-health device:${therm} resolved`]);
    expect(alarms[0]).toMatchObject({ firstEventTime: lastHeard + 15 * 60_000, details: { deviceId: therm, lastHeardAt: lastHeard, silentMinutes: 15 }, resolvedBy: 'system' });
  });
});

describe('golden day: malformed payloads', () => {
  it('each bad payload is dead-lettered with its reason', async () => {
    const res = await run.svc.api('GET', '/api/v1/dead-letters?limit=100');
    expect(res.status).toBe(200);
    const codes = (res.json.items as { code: string }[]).map((d) => d.code).sort();
    expect(codes).toEqual([
      'EVENT_FROM_FUTURE', 'PAYLOAD_NOT_JSON', 'PAYLOAD_SCHEMA_INVALID', 'PAYLOAD_SCHEMA_INVALID', 'PAYLOAD_SCHEMA_INVALID',
      'PAYLOAD_SCHEMA_INVALID', 'PAYLOAD_SCHEMA_INVALID', 'PAYLOAD_TOO_LARGE', 'TOPIC_INVALID',
    ]);
    const reasons = (res.json.items as { reason: string }[]).map((d) => d.reason).join('\n');
    // The refused person ref is named, never repeated (schemas/src/pseudonymous-ref.ts).
    expect(reasons).toMatch(/^personRef: must be a pseudonymous reference: /m);
    expect(reasons).toMatch(/concentrationMgPerL is required when agent is chlorine/);
  });

  it('the resent message is counted once, and the day is the compliant day', async () => {
    const id = run.community('malformed');
    const structured = run.messages.filter((m) => m.communityId === id && !isRaw(m));
    const journaled = run.svc.runtime.db.prepare('SELECT COUNT(*) FROM readings WHERE community_id = ?').pluck().get(id);
    expect(journaled).toBe(structured.length - 1);
    expect(factTable(run.facts(id))).toEqual(compliantFactsOf(id));
    expect(alarmLines(run.alarms(id))).toEqual([]);
    expect(pointsOf(await run.scores(id))).toEqual(FULL_MARKS);
  });
});

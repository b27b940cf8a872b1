/**
 * Time-driven alarms on the event-time watermark (services/rules/watermark.ts): a day taken
 * late gives the alarms the live timer gives the same day, with the same event times, once.
 */
import { describe, expect, it } from 'vitest';
import { parseRulesConfig, rebuildState, tick, type EngineContext, type Outcome, type ReadingInput, type RulesState } from '../../services/rules/index.js';
import { createInitialState, evaluate } from '../../services/rules/index.js';
import { at, ctx as baseCtx, Journal } from './fixtures.js';

const ctx: EngineContext = { ...baseCtx, config: parseRulesConfig({ deviceSilenceMinutes: 30 }) };
const MIN = 60_000;
const NEXT = '2021-02-04';

/**
 * The day: every device heartbeating every 5 min (from 19:50 the day before); therm-g1 silent after 01:00 until 05:00; the
 * club opened 10:00-10:30; gate g1 empty 13:00-14:00; the speaker stopped 15:00-15:20.
 */
function day(): ReadingInput[] {
  const j = new Journal();
  j.shift(at('20:00', '2021-02-02'), 'start');
  j.broadcast(at('23:00', '2021-02-02'), 'playing');
  j.door(at('22:00', '2021-02-02'), 'closed');
  j.allOnline(at('19:50', '2021-02-02'));
  j.door(at('10:00'), 'open');
  j.door(at('10:30'), 'closed');
  j.shift(at('13:00'), 'end');
  j.shift(at('14:00'), 'start', 's-guard-02');
  j.broadcast(at('15:00'), 'stopped');
  j.broadcast(at('15:20'), 'playing');
  const silent = (r: ReadingInput) => r.deviceId === 'therm-g1' && r.eventTime > at('01:00') && r.eventTime < at('05:00');
  return j.readings.filter((r) => !silent(r)).sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
}

function feed(inputs: readonly ReadingInput[], state: RulesState = createInitialState(), c: EngineContext = ctx) {
  const outcomes: Outcome[] = [];
  for (const r of inputs) {
    const step = evaluate(state, r, c);
    state = step.state;
    outcomes.push(...step.outcomes);
  }
  return { state, outcomes };
}

/** Received at `receivedAt` (after the day ended), in event-time order, no timer. */
const late = (readings: readonly ReadingInput[], receivedAt: number) => feed(readings.map((r) => ({ ...r, receivedAt })));

/**
 * Received a second after their event time; the timer ticks every `every` ms of the service
 * clock from `from`. What the timer raised is kept apart, to show which path saw each episode.
 */
function live(readings: readonly ReadingInput[], from: number, to: number, every: number) {
  let state = createInitialState();
  const outcomes: Outcome[] = [];
  const byTimer: Outcome[] = [];
  let i = 0;
  for (let now = from; now <= to; now += every) {
    const due: ReadingInput[] = [];
    for (; i < readings.length && (readings[i] as ReadingInput).receivedAt <= now; i++) due.push(readings[i] as ReadingInput);
    const fed = feed(due, state);
    const ticked = tick(fed.state, now, ctx);
    state = ticked.state;
    outcomes.push(...fed.outcomes, ...ticked.outcomes);
    byTimer.push(...ticked.outcomes);
  }
  return { state, outcomes, byTimer };
}

const brief = (os: readonly Outcome[]) => os.map((o) => `${o.type} ${o.rule} ${o.subject} ${new Date(o.eventTime).toISOString()}`);
const iso = (hhmm: string, d?: string) => new Date(at(hhmm, d)).toISOString();

const EXPECTED = [
  `alarm device-health device:therm-g1 ${iso('01:30')}`,
  `clear device-health device:therm-g1 ${iso('05:00')}`,
  `alarm venues-closed area:club ${iso('10:00')}`,
  `clear venues-closed area:club ${iso('10:30')}`,
  `alarm gate-staffed gate:g1 ${iso('13:05')}`,
  `clear gate-staffed gate:g1 ${iso('14:00')}`,
  `alarm broadcast device:speaker-1 ${iso('15:05')}`,
  `clear broadcast device:speaker-1 ${iso('15:20')}`,
];

describe('time-driven alarms on the event-time watermark', () => {
  it('a day taken after it ended raises its silence, unstaffed and broadcast alarms at the event times they fell due', () => {
    const { outcomes } = late(day(), at('06:00', NEXT));
    expect(brief(outcomes)).toEqual(EXPECTED);
    const offline = outcomes[0];
    expect(offline).toEqual({
      type: 'alarm', rule: 'device-health', communityId: 'hc-001', subject: 'device:therm-g1', severity: 'medium', eventTime: at('01:30'),
      titleMessage: { code: 'alarm.device-offline', params: { device: 'therm-g1', minutes: 30 } },
      title: 'Device therm-g1 offline: silent for 30 min',
      details: { deviceId: 'therm-g1', lastHeardAt: at('01:00'), silentMinutes: 30 },
      readingIds: [],
    });
    const shiftEnd = day().find((r) => r.kind === 'shift' && r.payload.event === 'end') as ReadingInput;
    expect(outcomes[4]).toMatchObject({
      eventTime: at('13:05'), details: { gateId: 'g1', unstaffedSince: at('13:00'), unstaffedMinutes: 5 }, readingIds: [shiftEnd.readingId],
    });
    expect(outcomes[6]).toMatchObject({ eventTime: at('15:05'), details: { deviceId: 'speaker-1', state: 'stopped', since: at('15:00') } });
  });

  // Every 5 s (the service's timer) from 23:50:00.5: the timer reaches 01:30:00.5 before the readings of 01:30
  // (received 01:30:01), so it raises the alarms, stamped at 01:30:00 all the same. Every 10 min at :03 the readings come first: the watermark raises them.
  it.each([
    ['the timer', 5_000, 500, ['alarm device-health', 'alarm gate-staffed', 'alarm broadcast']],
    ['the watermark', 600_000, 3_000, []],
  ])('the same day live, alarms raised by %s, gives the very same alarms, each once', (_, every, offset, timerRaised) => {
    const readings = day();
    const lateRun = late(readings, at('06:00', NEXT)).outcomes;
    const liveRun = live(readings, at('23:50', '2021-02-02') + offset, at('00:00', NEXT), every);
    expect(brief(liveRun.outcomes)).toEqual(EXPECTED);
    expect(liveRun.outcomes.filter((o) => o.type === 'alarm')).toEqual(lateRun.filter((o) => o.type === 'alarm'));
    expect(liveRun.byTimer.map((o) => `${o.type} ${o.rule}`)).toEqual(timerRaised);
  });

  it('whichever path sees an episode first, the other raises nothing more for it (cs.open is shared)', () => {
    const readings = day();
    const upTo = (t: number) => readings.filter((r) => r.eventTime < t);
    // The timer first: at 01:30 on the service clock, before any reading of 01:30 or later.
    const fed = feed(upTo(at('01:30')));
    const ticked = tick(fed.state, at('01:30'), ctx);
    expect(brief(ticked.outcomes)).toEqual([`alarm device-health device:therm-g1 ${iso('01:30')}`]);
    const rest = feed(readings.filter((r) => r.eventTime >= at('01:30') && r.eventTime <= at('05:00')), ticked.state);
    expect(brief(rest.outcomes)).toEqual([`clear device-health device:therm-g1 ${iso('05:00')}`]);
    // The watermark first: readings up to 02:00, then the timer at 02:00 raises nothing.
    const swept = feed(upTo(at('02:00')));
    expect(brief(swept.outcomes)).toEqual([`alarm device-health device:therm-g1 ${iso('01:30')}`]);
    expect(tick(swept.state, at('02:00'), ctx).outcomes).toEqual([]);
  });

  it('the watermark is bounded by the reading\'s reception: a device clock ahead of ours does not raise early', () => {
    // Everyone heard at 01:25 but therm-g1 (last heard 01:00: its silence falls due at 01:30).
    const readings = day().filter((r) => r.eventTime <= at('01:25'));
    const { state } = feed(readings);
    const j = new Journal();
    // A sprayer whose clock runs 4 min ahead: its 01:33 reading is received at 01:29.
    const ahead = { ...j.status(at('01:33'), 'online', 'sprayer-1'), readingId: 90_001, payload: { seq: 90_001, ts: '', state: 'online' } } as ReadingInput;
    const early = evaluate(state, { ...ahead, receivedAt: at('01:29') }, ctx);
    expect(early.outcomes).toEqual([]);
    expect(early.state.communities['hc-001']?.mark).toBe(at('01:29'));
    const next = { ...ahead, readingId: 90_002, eventTime: at('01:34'), receivedAt: at('01:31'), payload: { seq: 90_002, ts: '', state: 'online' } } as ReadingInput;
    expect(brief(evaluate(early.state, next, ctx).outcomes)).toEqual([`alarm device-health device:therm-g1 ${iso('01:30')}`]);
  });

  it('a rebuild from the journal remembers the open episode: the device coming back clears it once, the timer does not raise it again', () => {
    const readings = day();
    const state = rebuildState(readings.filter((r) => r.eventTime < at('03:00')), ctx);
    expect(state.communities['hc-001']?.open).toEqual({
      'device-health|device:therm-g1': { rule: 'device-health', subject: 'device:therm-g1', eventTime: at('01:30') },
    });
    const ticked = tick(state, at('03:00'), ctx);
    expect(ticked.outcomes).toEqual([]);
    const back = feed(readings.filter((r) => r.eventTime >= at('03:00') && r.eventTime <= at('05:00')), ticked.state);
    expect(brief(back.outcomes)).toEqual([`clear device-health device:therm-g1 ${iso('05:00')}`]);
  });

  it('readings below the watermark are history: a device\'s night taken after the others\' day raises no silence for it', () => {
    const readings = day();
    const others = readings.filter((r) => r.deviceId !== 'therm-g1');
    const therm = readings.filter((r) => r.deviceId === 'therm-g1');
    // therm-g1 not heard yet: nothing to measure its silence from (the live timer watches it from its first tick).
    const first = late(others, at('06:00', NEXT));
    expect(brief(first.outcomes)).toEqual(EXPECTED.filter((o) => !o.includes('device-health')));
    // Its readings then all come below the watermark: facts, no alarm.
    const then = feed(therm.map((r) => ({ ...r, receivedAt: at('06:00', NEXT) })), first.state);
    expect(then.outcomes).toEqual([]);
  });
});

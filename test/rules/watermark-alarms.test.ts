/**
 * Time-driven alarms on the event-time watermark (services/rules/watermark.ts): a day taken
 * late gives the alarms the live timer gives the same day, with the same event times, once.
 */
import { describe, expect, it } from 'vitest';
import { parseRulesConfig, rebuildState, tick, type Outcome, type ReadingInput, type RulesState } from '../../services/rules/index.js';
import { createInitialState, evaluate } from '../../services/rules/index.js';
import { at, ctx as baseCtx, Journal, type FixtureContext } from './fixtures.js';

const ctx: FixtureContext = { ...baseCtx, config: parseRulesConfig({ deviceSilenceMinutes: 30 }) };
const NEXT = '2021-02-04';

/**
 * The day: every device heartbeating every 5 min at :02:30 and :07:30 (from 19:52:30 the day before); therm-g1
 * silent after 01:02:30 until 05:02:30; the club opened 10:00-10:30; gate g1 empty 13:00-14:00; the speaker
 * stopped 15:00-15:20. (The heartbeats off the minute leave the unstaffed and broadcast alarms, due at 13:05 and
 * 15:05, to the live timer when it ticks every 5 s; other devices' heartbeats pass 01:32:30 at once.)
 */
function day(): ReadingInput[] {
  const j = new Journal();
  j.shift(at('20:00', '2021-02-02'), 'start');
  j.broadcast(at('23:00', '2021-02-02'), 'playing');
  j.door(at('22:00', '2021-02-02'), 'closed');
  j.allOnline(at('19:52:30', '2021-02-02'));
  j.door(at('10:00'), 'open');
  j.door(at('10:30'), 'closed');
  j.shift(at('13:00'), 'end');
  j.shift(at('14:00'), 'start', 's-guard-02');
  j.broadcast(at('15:00'), 'stopped');
  j.broadcast(at('15:20'), 'playing');
  const silent = (r: ReadingInput) => r.deviceId === 'therm-g1' && r.eventTime > at('01:02:30') && r.eventTime < at('05:02:30');
  return j.readings.filter((r) => !silent(r)).sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
}

function feed(inputs: readonly ReadingInput[], state: RulesState = createInitialState(), c: FixtureContext = ctx) {
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
const iso = (time: string, d?: string) => new Date(at(time, d)).toISOString();

const EXPECTED = [
  `alarm device-health device:therm-g1 ${iso('01:32:30')}`,
  `clear device-health device:therm-g1 ${iso('05:02:30')}`,
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
      type: 'alarm', rule: 'device-health', communityId: 'hc-001', subject: 'device:therm-g1', severity: 'medium', eventTime: at('01:32:30'),
      titleMessage: { code: 'alarm.device-offline', params: { device: 'therm-g1', minutes: 30 } },
      title: 'Device therm-g1 offline: silent for 30 min',
      details: { deviceId: 'therm-g1', lastHeardAt: at('01:02:30'), silentMinutes: 30 },
      readingIds: [],
    });
    const shiftEnd = day().find((r) => r.kind === 'shift' && r.payload.event === 'end') as ReadingInput;
    expect(outcomes[4]).toMatchObject({
      eventTime: at('13:05'), details: { gateId: 'g1', unstaffedSince: at('13:00'), unstaffedMinutes: 5 }, readingIds: [shiftEnd.readingId],
    });
    expect(outcomes[6]).toMatchObject({ eventTime: at('15:05'), details: { deviceId: 'speaker-1', state: 'stopped', since: at('15:00') } });
  });

  // Live, therm-g1's silence is the timer's (nothing of therm-g1 arrives until 05:02:30), stamped 01:32:30 all the
  // same. Every 5 s the timer's event time passes 13:05 and 15:05 (at 13:05:05.5, 15:05:05.5) before the panel's and
  // the speaker's next heartbeats (13:07:30, 15:07:30), so it raises those too; every 10 min the heartbeats come
  // first and their devices' own watermarks raise them.
  it.each([
    ['a timer every 5 s', 5_000, 500, ['alarm device-health', 'alarm gate-staffed', 'alarm broadcast']],
    ['a timer every 10 min', 600_000, 3_000, ['alarm device-health']],
  ])('the same day live, with %s, gives the very same alarms, each once', (_, every, offset, timerRaised) => {
    const readings = day();
    const lateRun = late(readings, at('06:00', NEXT)).outcomes;
    // From the minute the gate's first shift starts: a gate that never reported one is watched by the timer from its
    // first tick, on the service clock (an alarm of the live run only, not of the day's readings).
    const liveRun = live(readings, at('20:00', '2021-02-02') + offset, at('00:00', NEXT), every);
    expect(brief(liveRun.outcomes)).toEqual(EXPECTED);
    expect(liveRun.outcomes.filter((o) => o.type === 'alarm')).toEqual(lateRun.filter((o) => o.type === 'alarm'));
    expect(liveRun.byTimer.map((o) => `${o.type} ${o.rule}`)).toEqual(timerRaised);
  });

  it('the timer ticking through a late upload raises nothing of its own: it waits for the upload, the watermark raises the episodes', () => {
    // The day uploaded the next morning from 06:00, one reading every 20 ms of the service clock, the timer every 5 s.
    const readings = day().map((r, i) => ({ ...r, receivedAt: at('06:00', NEXT) + i * 20 }));
    const run = live(readings, at('06:00', NEXT), at('06:00', NEXT) + readings.length * 20, 5_000);
    expect(brief(run.outcomes)).toEqual(EXPECTED);
    expect(run.byTimer).toEqual([]);
  });

  it('a panel that buffered its night and uploads it at 05:00, the rest of the community live: the unstaffed hour in it is raised', () => {
    // panel-g1 not heard live after 01:02:30; its night (heartbeats, the attendant leaving at 02:00, the next at 03:00)
    // uploaded from 05:00, a reading every 20 ms; everyone else live. The timer ticks every 5 s.
    const j = new Journal();
    j.shift(at('20:00', '2021-02-02'), 'start');
    j.allOnline(at('19:52:30', '2021-02-02'), at('06:00'));
    j.shift(at('02:00'), 'end');
    j.shift(at('03:00'), 'start', 's-guard-02');
    const buffered = (r: ReadingInput) => r.deviceId === 'panel-g1' && r.eventTime > at('01:02:30') && r.eventTime < at('05:00');
    const night = j.readings.filter(buffered).sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
    const upload = new Map(night.map((r, i) => [r.readingId, at('05:00') + i * 20]));
    const readings = j.readings
      .map((r) => ({ ...r, receivedAt: upload.get(r.readingId) ?? r.receivedAt }))
      .sort((a, b) => a.receivedAt - b.receivedAt || a.readingId - b.readingId);
    const run = live(readings, at('20:00', '2021-02-02') + 500, at('05:30'), 5_000);
    expect(brief(run.outcomes)).toEqual([
      // Live, the panel fell silent: the timer raises it ...
      `alarm device-health device:panel-g1 ${iso('01:32:30')}`,
      // ... and its upload shows it was heard at 01:07:30 after all.
      `clear device-health device:panel-g1 ${iso('01:07:30')}`,
      // The upload moves the panel's own watermark through its night: the gate empty from 02:00 is due at 02:05.
      `alarm gate-staffed gate:g1 ${iso('02:05')}`,
      `clear gate-staffed gate:g1 ${iso('03:00')}`,
    ]);
    expect(brief(run.byTimer)).toEqual([`alarm device-health device:panel-g1 ${iso('01:32:30')}`]);
  });

  it('whichever path sees an episode first, the other raises nothing more for it (cs.open is shared)', () => {
    const readings = day();
    const upTo = (t: number) => readings.filter((r) => r.eventTime < t);
    // The timer first: the last reading taken is of 01:27:30 (received 01:27:31), so event time reaches
    // 01:32:30 at 01:32:31 on the service clock, before any reading of 01:32:30 or later.
    const fed = feed(upTo(at('01:32:30')));
    expect(tick(fed.state, at('01:32:31') - 1, ctx).outcomes).toEqual([]);
    const ticked = tick(fed.state, at('01:32:31'), ctx);
    expect(brief(ticked.outcomes)).toEqual([`alarm device-health device:therm-g1 ${iso('01:32:30')}`]);
    const rest = feed(readings.filter((r) => r.eventTime >= at('01:32:30') && r.eventTime <= at('05:02:30')), ticked.state);
    expect(brief(rest.outcomes)).toEqual([`clear device-health device:therm-g1 ${iso('05:02:30')}`]);
    // The watermark first (the night taken late, therm-g1's return showing its silence): the timer then raises nothing.
    const swept = late(readings.filter((r) => r.eventTime <= at('05:02:30')), at('06:00', NEXT));
    expect(brief(swept.outcomes.filter((o) => o.rule === 'device-health'))).toEqual([
      `alarm device-health device:therm-g1 ${iso('01:32:30')}`,
      `clear device-health device:therm-g1 ${iso('05:02:30')}`,
    ]);
    expect(tick(swept.state, at('06:00', NEXT), ctx).outcomes.filter((o) => o.subject === 'device:therm-g1')).toEqual([]);
  });

  it('a device\'s watermark is bounded by the reading\'s reception: a device clock ahead of ours does not make a silence', () => {
    const readings = day().filter((r) => r.eventTime <= at('01:27:30'));
    const { state } = feed(readings);
    // therm-g1, last heard at 01:02:30, comes back with its clock 4 min ahead: its 01:35:30 reading is received at
    // 01:31:30, 29 min after the last one was: no silence of 30 min. Received at 01:33, the same reading shows one.
    const back = { ...new Journal().temp(at('01:35:30'), 36.6), readingId: 90_001, payload: { seq: 90_001, ts: '', gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-1' } } as ReadingInput;
    const early = evaluate(structuredClone(state), { ...back, receivedAt: at('01:31:30') }, ctx);
    expect(early.outcomes).toEqual([]);
    expect(early.state.communities['hc-001']?.deviceMarks?.['therm-g1']).toBe(at('01:31:30'));
    expect(brief(evaluate(structuredClone(state), { ...back, receivedAt: at('01:33') }, ctx).outcomes)).toEqual([
      `alarm device-health device:therm-g1 ${iso('01:32:30')}`,
      `clear device-health device:therm-g1 ${iso('01:35:30')}`,
    ]);
  });

  it('after a rebuild from the journal the timer raises the silence again with the same event time; the return clears it once', () => {
    const readings = day();
    // A restart at 03:00: the journal replayed (outcomes dropped); therm-g1 silent since 01:02:30 is the timer's.
    const state = rebuildState(readings.filter((r) => r.eventTime < at('03:00')), ctx);
    expect(state.communities['hc-001']?.open).toEqual({});
    const ticked = tick(state, at('03:00'), ctx);
    expect(ticked.outcomes).toEqual([late(readings, at('06:00', NEXT)).outcomes[0]]);
    const back = feed(readings.filter((r) => r.eventTime >= at('03:00') && r.eventTime <= at('05:02:30')), ticked.state);
    expect(brief(back.outcomes)).toEqual([`clear device-health device:therm-g1 ${iso('05:02:30')}`]);
  });

  it('the order across devices does not matter: a device\'s night taken after the others\' day still shows its silence', () => {
    const readings = day();
    const first = late(readings.filter((r) => r.deviceId !== 'therm-g1'), at('06:00', NEXT));
    expect(brief(first.outcomes)).toEqual(EXPECTED.filter((o) => !o.includes('device-health')));
    const then = feed(readings.filter((r) => r.deviceId === 'therm-g1').map((r) => ({ ...r, receivedAt: at('06:00', NEXT) })), first.state);
    expect(brief(then.outcomes)).toEqual(EXPECTED.filter((o) => o.includes('device-health')));
  });

});

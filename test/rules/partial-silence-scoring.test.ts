/**
 * Issue 15 item 1, the checklist side: real facts from the rules engine for a
 * day on which one device was silent 02:00-06:00 (unjudged 02:10-06:00), fed
 * to the scoring core. All-or-nothing items say "insufficient data" exactly
 * as for an all-silent window, naming the hours; 3.3 and 1.4 judge the
 * covered part and name the hours. Policy: services/scoring/README.md.
 */
import { describe, expect, it } from 'vitest';
import { scoreItems } from '../../services/scoring/score.js';
import type { ItemScore } from '../../services/scoring/types.js';
import { C, DAY, at, facts, feed, layout, online, type Journal } from './fixtures.js';

/** A well-kept day at the fixture community, with `silent` quiet 02:00-06:00 and `extra` readings. */
function scores(silent: readonly string[], extra: (j: Journal) => void = () => {}, unmeasured: readonly string[] = []): Record<string, ItemScore> {
  const j = online();
  j.shift(at('20:00', '2021-02-02'), 'start');
  j.access(at('08:01'), 'resident');
  for (const [ref, t] of [['s-guard-01', '07:50'], ['s-clean-03', '07:55']] as const) if (!unmeasured.includes(ref)) j.temp(at(t), 36.5, ref, 'staff');
  j.temp(at('08:00'), 36.6);
  j.broadcast(at('23:55', '2021-02-02'), 'playing');
  j.door(at('23:00', '2021-02-02'), 'closed');
  j.spray(at('08:00'), 15);
  extra(j);
  const kept = j.readings.filter((r) => !(silent.includes(r.deviceId) && r.eventTime >= at('02:00') && r.eventTime < at('06:00')));
  const items = scoreItems({
    communityId: C,
    timeZone: 'Asia/Shanghai',
    window: { from: DAY, to: DAY },
    facts: facts(feed(kept).state),
    alarms: [],
    staffRefs: layout.staff.map((s) => s.ref),
  });
  return Object.fromEntries(items.map((i) => [i.itemId, i]));
}

const verdict = (s: ItemScore) => ({ score: s.score, status: s.status, code: s.explanationMessage.code });
const partly = (rule: string, count = 1) => `${count} ${rule} day/place(s) silent for part of the day, the silent hours not judged: ${DAY} `;

describe('checklist items over a partly silent day', () => {
  const allDay = scores([]);
  const panel = scores(['panel-g1']);

  it('the baseline: with every device reporting, 3.1, 3.2, 3.3, 2.1, 6.1, 1.4 and 7.3 get full points', () => {
    expect(['3.1', '3.2', '3.3', '2.1', '6.1', '1.4', '7.3'].map((id) => allDay[id]!.score)).toEqual([8, 2, 10, 8, 2, 3, 2]);
  });

  it('gate panel silent: 3.1 and 3.2 insufficient data, with the hours named', () => {
    expect(verdict(panel['3.1']!)).toEqual({ score: null, status: 'insufficient_data', code: 'score.gaps' });
    expect(verdict(panel['3.2']!)).toEqual({ score: null, status: 'insufficient_data', code: 'score.gaps' });
    expect(panel['3.1']!.explanation).toBe(`No failure seen, but ${partly('Gate staffed')}g1 (02:10-06:00); ${partly('Entry checks')}g1 (02:10-06:00).`);
    expect(panel['3.2']!.explanation).toBe(`No failure seen, but ${partly('No couriers inside')}g1 (02:10-06:00).`);
  });

  it('an all-silent gate gives the same representation (insufficient_data, null, score.gaps)', () => {
    const j = online();
    const silentAllDay = scoreItems({
      communityId: C, timeZone: 'Asia/Shanghai', window: { from: DAY, to: DAY }, alarms: [],
      facts: facts(feed(j.readings.filter((r) => r.deviceId !== 'panel-g1')).state),
    }).find((i) => i.itemId === '3.2')!;
    expect(verdict(silentAllDay)).toEqual({ score: null, status: 'insufficient_data', code: 'score.gaps' });
    expect(silentAllDay.explanation).toBe('No failure seen, but 1 No couriers inside day/place(s) with devices silent.');
  });

  it('3.3 judges the covered part: no deduction, the unjudged hours named', () => {
    expect(panel['3.3']!.score).toBe(10);
    expect(panel['3.3']!.explanation).toBe(
      `0 unstaffed gate minute(s) over the window (230 further minute(s) without data were not counted), 1 point per started 30; not judged (no data): ${DAY} g1 (02:10-06:00): deduct 0.`,
    );
  });

  it('an unstaffed hour in covered time: 3.1 = 0 (fail beats no data), 3.3 deducts 2', () => {
    const s = scores(['panel-g1'], (j) => {
      j.shift(at('09:00'), 'end');
      j.shift(at('10:00'), 'start');
    });
    expect([s['3.1']!.score, s['3.2']!.score, s['3.3']!.score]).toEqual([0, null, 8]);
    expect(s['3.3']!.explanation).toBe(
      `60 unstaffed gate minute(s) over the window (230 further minute(s) without data were not counted), 1 point per started 30; not judged (no data): ${DAY} g1 (02:10-06:00): deduct 2.`,
    );
  });

  it('4.2: the gate duty seen in the partly silent fact is named', () => {
    expect(panel['4.2']!.score).toBe(5);
  });

  it('speaker silent: 2.1 insufficient data with the hours; door sensor silent: 6.1 the same', () => {
    const speaker = scores(['speaker-1'])['2.1']!;
    expect(verdict(speaker)).toEqual({ score: null, status: 'insufficient_data', code: 'score.gaps' });
    expect(speaker.explanation).toBe(`No failure seen, but ${partly('Prevention broadcast')}speaker-1 (02:10-06:00).`);
    const door = scores(['door-club'])['6.1']!;
    expect(door.explanation).toBe(`No failure seen, but ${partly('Activity rooms closed')}club (02:10-06:00).`);
  });

  it('thermometer silent: 1.4 proposes 3 and names the hours; 7.3 is insufficient (duty after fever unjudged); 7.2 keeps its 2', () => {
    const s = scores(['therm-g1']);
    expect(s['1.4']!.score).toBe(3);
    expect(s['1.4']!.explanation).toBe(`No fever alarms and gate thermometers measured people every day; proposed 3. Not judged (no data): ${DAY} g1 (02:10-06:00).`);
    expect(verdict(s['7.3']!)).toEqual({ score: null, status: 'insufficient_data', code: 'score.staffFeverUnjudged' });
    expect(s['7.3']!.explanation).toBe(
      `No staff member seen on duty after a fever, but ${partly('Staff on duty with fever', 2)}s-clean-03 (02:10-06:00); ${DAY} s-guard-01 (02:10-06:00).`,
    );
    expect(s['7.2']!.score).toBe(2);
  });

  it('sprayer silent: two sessions still pass area-disinfection, but post-ventilation is unjudged: 4.1 insufficient', () => {
    const s = scores(['sprayer-1'], (j) => {
      j.vent(at('08:15'), 20);
      j.spray(at('15:00'), 15);
      j.vent(at('15:15'), 20);
    });
    expect(verdict(s['4.1']!)).toEqual({ score: null, status: 'insufficient_data', code: 'score.gaps' });
    expect(s['4.1']!.explanation).toBe(`No failure seen, but ${partly('Ventilation after disinfection')}b2-lobby (02:10-06:00).`);
  });

  it('garbage sprayer silent and one session short: 4.3 cannot tell the deduction, naming the hours', () => {
    const s = scores(['sprayer-bins'], (j) => j.spray(at('08:00'), 10, { areaId: 'bins-1', target: 'garbage' }, 'sprayer-bins'));
    expect(verdict(s['4.3']!)).toEqual({ score: null, status: 'insufficient_data', code: 'score.deductUnknown' });
    expect(s['4.3']!.explanation).toBe(`No failing garbage day/place; but ${partly('Garbage disinfection')}bins-1 (02:10-06:00), which could deduct more.`);
  });

  it('thermometer silent and a staff member never measured: 7.2 insufficient, naming the hours', () => {
    const s = scores(['therm-g1'], () => {}, ['s-clean-03']);
    expect(verdict(s['7.2']!)).toEqual({ score: null, status: 'insufficient_data', code: 'score.gaps' });
    expect(s['7.2']!.explanation).toBe(`No failure seen, but ${partly('Staff health ledger')}s-clean-03 (02:10-06:00).`);
  });

  it('the evidence texts exist in Chinese too', async () => {
    const { formatMessage } = await import('../../services/i18n/index.js');
    expect(formatMessage('zh', panel['3.3']!.explanationMessage)).toContain('无数据、未能判定：2021-02-03 g1（02:10至06:00）');
  });
});

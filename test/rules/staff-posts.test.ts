/**
 * Registry staff posts (issue 15.4): an attendant clocking in at a gate that
 * is not theirs is counted on that gate's gate-staffed fact (offGateShifts)
 * and named in item 4.2's explanation, in Chinese and English. Without any
 * registered post the figure is absent (unknown), not 0.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES_CONFIG, dailyFacts, type CommunityLayout, type EngineContext } from '../../services/rules/index.js';
import { formatMessage } from '../../services/i18n/index.js';
import { scoreItems } from '../../services/scoring/score.js';
import { C, DAY, Journal, at, feed } from './fixtures.js';

function layoutWith(staff: CommunityLayout['staff']): CommunityLayout {
  return {
    communityId: C,
    timeZone: 'Asia/Shanghai',
    gates: [{ id: 'g1' }, { id: 'g2' }],
    areas: [],
    devices: [
      { id: 'panel-g1', kind: 'access_panel', location: 'g1' },
      { id: 'panel-g2', kind: 'access_panel', location: 'g2' },
    ],
    staff,
  };
}

const POSTED: CommunityLayout['staff'] = [
  { ref: 's-guard-01', role: 'gate_attendant', active: true, gate: 'g1', shift: { start: '08:00', end: '20:00' }, duties: ['gate_duty'] },
  { ref: 's-guard-02', role: 'gate_attendant', active: true, gate: 'g2' },
  // Not posted anywhere: never off-gate, wherever they clock in.
  { ref: 's-guard-03', role: 'gate_attendant', active: true },
  // Posted at g1 but no longer active: the registry no longer vouches for the post.
  { ref: 's-guard-04', role: 'gate_attendant', active: false, gate: 'g1' },
];

/** A day at two gates, each staffed around the clock, with shifts started by people posted elsewhere. */
function day(): Journal {
  const j = new Journal();
  const shift = (gate: string, t: number, event: 'start' | 'end', ref: string) => j.add('shift', `panel-${gate}`, t, { gateId: gate, event, staffRef: ref });
  for (const gate of ['g1', 'g2']) j.heartbeats(`panel-${gate}`, at('23:50', '2021-02-02'), at('00:00', '2021-02-04'));
  shift('g1', at('00:00'), 'start', 's-guard-01');
  // s-guard-02 (posted at g2) covers g1 twice; s-guard-03 and s-guard-04 once each (not counted).
  shift('g1', at('12:00'), 'start', 's-guard-02');
  shift('g1', at('12:30'), 'end', 's-guard-02');
  shift('g1', at('13:00'), 'start', 's-guard-02');
  shift('g1', at('13:10'), 'start', 's-guard-03');
  shift('g1', at('13:20'), 'start', 's-guard-04');
  // s-guard-02's end at g1 is not a clock-in: only starts count.
  shift('g1', at('14:00'), 'end', 's-guard-02');
  shift('g2', at('00:00'), 'start', 's-guard-02');
  // s-guard-01 (posted at g1) clocks in at g2 once.
  shift('g2', at('18:00'), 'start', 's-guard-01');
  return j;
}

function factsOf(layout: CommunityLayout) {
  const ctx: EngineContext = { config: DEFAULT_RULES_CONFIG, layoutOf: (id) => (id === C ? layout : undefined) };
  const { state } = feed(day().readings, undefined, ctx);
  return dailyFacts(state, layout, DAY, at('00:00', '2021-02-05'), ctx);
}

describe('gate-staffed offGateShifts (registry staff posts)', () => {
  it('counts shift starts at a gate by active attendants posted at another gate, per gate', () => {
    const facts = factsOf(layoutWith(POSTED)).filter((f) => f.rule === 'gate-staffed');
    expect(facts.map((f) => [f.place, f.status, f.figures])).toEqual([
      ['g1', 'pass', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0, offGateShifts: 2 }],
      ['g2', 'pass', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0, offGateShifts: 1 }],
    ]);
  });

  it('leaves the figure out when the registry posts nobody at a gate (nothing to judge against)', () => {
    const unposted = POSTED.map(({ ref, role, active }) => ({ ref, role, active }));
    const facts = factsOf(layoutWith(unposted)).filter((f) => f.rule === 'gate-staffed');
    expect(facts.map((f) => [f.place, f.figures])).toEqual([
      ['g1', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0 }],
      ['g2', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0 }],
    ]);
  });

  it('is named in 4.2 as evidence, in Chinese and English, without changing the proposed score', () => {
    const score42 = (layout: CommunityLayout) => {
      const items = scoreItems({ communityId: C, timeZone: 'Asia/Shanghai', window: { from: DAY, to: DAY }, facts: factsOf(layout), alarms: [] });
      return items.find((i) => i.itemId === '4.2')!;
    };
    const posted = score42(layoutWith(POSTED));
    const unposted = score42(layoutWith(POSTED.map(({ ref, role, active }) => ({ ref, role, active }))));
    // No disinfection facts in this layout: the disinfection duty is unknown, so 4.2 proposes no score either way.
    expect([posted.status, posted.score]).toEqual(['insufficient_data', null]);
    expect([unposted.status, unposted.score]).toEqual(['insufficient_data', null]);
    expect(posted.explanation).toBe(
      'gate duty: named; disinfection: unknown; operator refs not supplied, so registration was not checked; ' +
        '3 shifts started by attendants posted at another gate (at g1, g2); not enough data to propose.',
    );
    expect(formatMessage('zh', posted.explanationMessage)).toBe(
      '门岗值守：有专人负责；消毒消杀：无法判断；未提供操作人员编号，未核对是否登记；3 次由登记在其他出入口的值守人员上岗（g1, g2）；数据不足，无法建议得分。',
    );
    expect(unposted.explanation).not.toContain('posted at another gate');
    // The evidence lines carry the figure, so the inspector sees where.
    expect(posted.evidence.lines.filter((l) => l.rule === 'gate-staffed').map((l) => [l.place, l.figures.offGateShifts])).toEqual([
      ['g1', 2],
      ['g2', 1],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../../services/rules/facts.js';
import { CHECKLIST, SECTIONS, findItem, telemetryItems } from '../../services/scoring/checklist.js';

describe('checklist (附件 评分表)', () => {
  it('has the form\'s 21 rows in 8 sections worth 100 points', () => {
    // SPEC and the brief say 22 items; the form has 4+2+3+3+2+2+3+2 = 21 rows.
    expect(CHECKLIST).toHaveLength(21);
    expect(SECTIONS).toHaveLength(8);
    expect(CHECKLIST.reduce((sum, item) => sum + item.points, 0)).toBe(100);
  });

  it('section totals are 10/10/20/20/15/5/10/10 and match the items in them', () => {
    expect(SECTIONS.map((s) => s.points)).toEqual([10, 10, 20, 20, 15, 5, 10, 10]);
    for (const section of SECTIONS) {
      const sum = CHECKLIST.filter((i) => i.section === section.id).reduce((n, i) => n + i.points, 0);
      expect(sum, `section ${section.id}`).toBe(section.points);
    }
  });

  it('numbers items section.n in order, without gaps', () => {
    const counters = new Map<number, number>();
    for (const item of CHECKLIST) {
      const n = (counters.get(item.section) ?? 0) + 1;
      counters.set(item.section, n);
      expect(item.id).toBe(`${item.section}.${n}`);
    }
  });

  it('uses the value column where the form text disagrees (5.2 = 10, 8.1 = 5)', () => {
    expect(findItem('5.2')?.points).toBe(10);
    expect(findItem('8.1')?.points).toBe(5);
  });

  it('scoring modes stay within the points', () => {
    for (const item of CHECKLIST) {
      if (item.mode.kind === 'deduct') expect(item.mode.maxDeduction).toBeLessThanOrEqual(item.points);
      if (item.mode.kind === 'judgement') expect(item.mode.max).toBe(item.points);
    }
    expect(findItem('1.4')?.mode).toEqual({ kind: 'judgement', min: 1, max: 3 });
    expect(findItem('3.3')?.mode).toEqual({ kind: 'deduct', minDeduction: 1, maxDeduction: 10 });
  });

  it('fills as in the SPEC table, with known rules on every telemetry item and none on manual ones', () => {
    const fills = Object.fromEntries(CHECKLIST.map((i) => [i.id, i.fill]));
    expect(fills).toEqual({
      '1.1': 'manual', '1.2': 'manual', '1.3': 'manual', '1.4': 'assisted',
      '2.1': 'assisted', '2.2': 'manual',
      '3.1': 'auto', '3.2': 'auto', '3.3': 'assisted',
      '4.1': 'auto', '4.2': 'assisted', '4.3': 'auto',
      '5.1': 'manual', '5.2': 'manual',
      '6.1': 'auto', '6.2': 'manual',
      '7.1': 'manual', '7.2': 'auto', '7.3': 'assisted',
      '8.1': 'manual', '8.2': 'manual',
    });
    for (const item of CHECKLIST) {
      if (item.fill === 'manual') expect(item.rules).toEqual([]);
      else expect(item.rules.length).toBeGreaterThan(0);
      for (const rule of item.rules) expect(RULE_IDS).toContain(rule);
    }
    expect(telemetryItems().map((i) => i.id)).toEqual(['1.4', '2.1', '3.1', '3.2', '3.3', '4.1', '4.2', '4.3', '6.1', '7.2', '7.3']);
  });

  it('carries the Chinese text and an English translation for every item and section', () => {
    for (const entry of [...CHECKLIST, ...SECTIONS]) {
      expect(entry.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(entry.en).toMatch(/^[\x20-\x7e]+$/);
    }
    expect(findItem('3.1')?.zh).toContain('出入口设24小时专职值守人员');
  });
});

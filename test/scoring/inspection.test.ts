import { describe, expect, it } from 'vitest';
import { allowedScores } from '../../services/scoring/allowed-scores.js';
import { findItem } from '../../services/scoring/checklist.js';
import { InspectionInputError, totalInspection, type InspectionInput } from '../../services/scoring/inspection.js';
import { telemetryScores } from './fixtures.js';

/** Telemetry 51 after the inspector's entries, 3.1 overridden to 0: 43, plus manual items worth 16 + 8.2. */
function sheet(score82: number): InspectionInput {
  return {
    itemScores: telemetryScores({ '1.4': null, '3.3': 7, '4.3': 3 }),
    manualScores: {
      '1.4': 2, '2.1': 8, '3.3': 7, '4.2': 5, '7.3': 2,
      '1.1': 3, '1.2': 2, '1.3': 2, '2.2': 0, '5.1': 5, '5.2': 0, '6.2': 0, '7.1': 0, '8.1': 4, '8.2': score82,
    },
    overrides: { '3.1': { score: 0, reason: '  Gate g2 unattended during the visit at 10:40 ' } },
  };
}

describe('totalInspection', () => {
  it('exactly 59 fails', () => {
    const t = totalInspection(sheet(0));
    expect(t.total).toBe(59);
    expect(t.passed).toBe(false);
    expect(t).toMatchObject({ missing: [], unconfirmed: [], complete: true });
  });

  it('exactly 60 passes', () => {
    const t = totalInspection(sheet(1));
    expect(t.total).toBe(60);
    expect(t.passed).toBe(true);
  });

  it('records where each final score came from, and keeps the override reason', () => {
    const byId = new Map(totalInspection(sheet(1)).items.map((i) => [i.itemId, i]));
    expect(byId.get('3.1')).toEqual({
      itemId: '3.1', fill: 'auto', points: 8, auto: 8, manual: null,
      override: { score: 0, reason: 'Gate g2 unattended during the visit at 10:40' }, final: 0, source: 'override',
    });
    expect(byId.get('4.3')).toMatchObject({ auto: 3, final: 3, source: 'auto' });
    expect(byId.get('1.4')).toMatchObject({ auto: null, manual: 2, final: 2, source: 'manual' });
    expect(byId.get('3.3')).toMatchObject({ auto: 7, manual: 7, final: 7, source: 'manual' });
    expect(byId.get('8.1')).toMatchObject({ auto: null, manual: 4, final: 4, points: 5 });
    expect(totalInspection(sheet(1)).items).toHaveLength(21);
  });

  it('telemetry alone: full telemetry is 57, manual items missing, assisted proposals unconfirmed', () => {
    const t = totalInspection({ itemScores: telemetryScores() });
    expect(t.total).toBe(57);
    expect(t.passed).toBe(false);
    expect(t.missing).toEqual(['1.1', '1.2', '1.3', '2.2', '5.1', '5.2', '6.2', '7.1', '8.1', '8.2']);
    expect(t.unconfirmed).toEqual(['1.4', '2.1', '3.3', '4.2', '7.3']);
    expect(t.complete).toBe(false);
  });

  it('insufficient data is missing until the inspector scores or overrides it', () => {
    const t = totalInspection({ itemScores: telemetryScores({ '6.1': null }) });
    expect(t.missing).toContain('6.1');
    const fixed = totalInspection({ itemScores: telemetryScores({ '6.1': null }), overrides: { '6.1': { score: 2, reason: 'room locked on visit' } } });
    expect(fixed.missing).not.toContain('6.1');
    expect(fixed.total).toBe(57);
  });

  it('all 100 points', () => {
    const manual = { '1.1': 3, '1.2': 2, '1.3': 2, '2.2': 2, '5.1': 5, '5.2': 10, '6.2': 3, '7.1': 6, '8.1': 5, '8.2': 5 };
    const t = totalInspection({ itemScores: telemetryScores(), manualScores: manual });
    expect(t.total).toBe(100);
  });
});

describe('totalInspection validation', () => {
  const reject = (input: Partial<InspectionInput>): InspectionInputError => {
    try {
      totalInspection({ itemScores: [], ...input });
    } catch (e) {
      expect(e).toBeInstanceOf(InspectionInputError);
      return e as InspectionInputError;
    }
    throw new Error('expected a rejection');
  };

  it('rejects 2 on an all-or-nothing item worth 3', () => {
    const e = reject({ manualScores: { '1.1': 2 } });
    expect(e.message).toBe('item 1.1: manual score: score 2 is not allowed: the item is all or nothing (0 or 3)');
    expect(e.code).toBe('INSPECTION_SCORE_INVALID');
    expect(e.statusCode).toBe(400);
  });

  it('rejects scores outside 0..points, fractions, and 0 on a 1-3 judgement item', () => {
    expect(reject({ manualScores: { '1.2': 4 } }).message).toContain('item 1.2: manual score: score 4 is outside 0..2');
    expect(reject({ manualScores: { '8.2': -1 } }).message).toContain('item 8.2');
    expect(reject({ manualScores: { '8.1': 2.5 } }).message).toContain('not a whole number');
    expect(reject({ manualScores: { '1.4': 0 } }).message).toContain('judged 1-3');
    expect(reject({ overrides: { '5.2': { score: 5, reason: 'half done' } } }).message).toContain('item 5.2: override');
  });

  it('rejects an override without a reason', () => {
    expect(reject({ overrides: { '4.3': { score: 5, reason: '   ' } } }).message).toBe('item 4.3: override: an override needs a reason');
  });

  it('rejects a manual score on an auto item, pointing to overrides', () => {
    expect(reject({ manualScores: { '3.1': 8 } }).message).toContain('change it with an override and a reason');
  });

  it('rejects unknown items and reports every issue at once', () => {
    const e = reject({ manualScores: { '9.1': 1, '1.1': 1 }, overrides: { '2.2': { score: 2, reason: '' } } });
    expect(e.issues.map((i) => i.itemId)).toEqual(['9.1', '1.1', '2.2']);
  });

  it('rejects bad telemetry input', () => {
    const dup = telemetryScores();
    expect(reject({ itemScores: [...dup, dup[0]!] }).message).toContain('given twice');
    expect(reject({ itemScores: telemetryScores({ '3.1': 5 }) }).message).toContain('item 3.1: telemetry score');
  });

  it('allows every deduction the form allows', () => {
    expect(allowedScores(findItem('3.3')!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(allowedScores(findItem('8.1')!)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(allowedScores(findItem('1.4')!)).toEqual([1, 2, 3]);
    expect(allowedScores(findItem('5.2')!)).toEqual([0, 10]);
    expect(totalInspection({ itemScores: [], manualScores: { '3.3': 4, '8.2': 3 } }).total).toBe(7);
  });
});

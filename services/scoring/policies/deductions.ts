/**
 * Deduction items scored from facts: 3.3 (unstaffed gate time) and 4.3
 * (garbage disinfection). The form says "酌情扣1-N分": points less a
 * discretionary deduction; these functions make the discretion explicit.
 */
import { msg } from '../../i18n/index.js';
import type { Message } from '../../../schemas/src/message.js';
import type { DailyFact } from '../../rules/facts.js';
import { describeGaps, gapCount, isPartlySilent, judgedPartly, listFacts, listUnjudged, type RuleGrid } from '../grid.js';
import type { Verdict } from '../types.js';

/**
 * Turn a raw deduction into a score. The deduction is capped at the item's
 * points. With gaps in the data the score is unknown (the silent cells could
 * deduct more) unless the known deduction already reaches the cap.
 */
export function applyDeduction(points: number, rawDeduction: number, grid: RuleGrid, why: Message): Verdict {
  const deduction = Math.min(rawDeduction, points);
  if (gapCount(grid) > 0 && deduction < points) {
    return { score: null, explanation: msg('score.deductUnknown', { why, gaps: describeGaps(grid) }) };
  }
  const cap = rawDeduction > points ? points : 0;
  return { score: points - deduction, explanation: msg('score.deduct', { why, deduction, cap }) };
}

/**
 * Unstaffed minutes of a gate-staffed fact. A fail with no minute figure still
 * means a gap was seen, so it counts as at least one minute.
 */
export function unstaffedMinutesOf(fact: DailyFact): number {
  const minutes = Math.max(0, fact.figures.unstaffedMinutes ?? 0);
  return fact.status === 'fail' ? Math.max(1, minutes) : minutes;
}

/**
 * 3.3: one point per started block of `minutesPerPoint` unstaffed minutes, summed over gates and days.
 * A partial judgement: a gate-day silent for part of the day counts the unstaffed minutes seen, and
 * the explanation names the hours that could not be judged; only a wholly silent gate-day is a gap.
 */
export function scoreUnstaffedTime(grid: RuleGrid, points: number, minutesPerPoint: number): Verdict {
  const total = grid.facts.reduce((sum, f) => sum + unstaffedMinutesOf(f), 0);
  const deduction = Math.ceil(total / minutesPerPoint);
  const judged = grid.facts.filter((f) => f.status !== 'no_data' || isPartlySilent(f));
  const partial = judged.reduce((sum, f) => sum + (f.figures.noDataMinutes ?? 0), 0);
  const unjudged = judged.filter((f) => (f.figures.unjudgedSpans ?? 0) > 0);
  const seen = msg('why.unstaffed', { total, partial, per: minutesPerPoint });
  const why = unjudged.length > 0 ? msg('why.unjudged', { why: seen, facts: listUnjudged(unjudged, grid.timeZone, 10) }) : seen;
  return applyDeduction(points, deduction, judgedPartly(grid), why);
}

/** 4.3: one point per failing (day, place) of garbage disinfection. */
export function scoreFailingCells(grid: RuleGrid, points: number): Verdict {
  const why =
    grid.fails.length === 0 ? msg('why.noGarbageFails') : msg('why.garbageFails', { count: grid.fails.length, facts: listFacts(grid.fails) });
  return applyDeduction(points, grid.fails.length, grid, why);
}

/**
 * All-or-nothing items scored from facts (3.1, 3.2, 4.1, 6.1, 7.2, and the
 * broadcast half of 2.1). The form says "落实到位得N分，不到位不得分": there is
 * no partial credit, and over a multi-day window every day must pass.
 */
import { msg, ruleName } from '../../i18n/index.js';
import { describeGaps, gapCount, listFacts, type RuleGrid } from '../grid.js';
import type { Verdict } from '../types.js';

/**
 * Full points only if every (day, place) of every rule passes; 0 as soon as one
 * fails (a fail is certain even where other cells are silent); otherwise, when
 * any cell is no_data or has no fact, insufficient data: silence is never
 * "compliant" (SPEC device-health).
 */
export function scoreAllOrNothing(grids: readonly RuleGrid[], points: number): Verdict {
  const fails = grids.flatMap((g) => g.fails);
  if (fails.length > 0) {
    return { score: 0, explanation: msg('score.failing', { count: fails.length, facts: listFacts(fails) }) };
  }
  const gappy = grids.filter((g) => gapCount(g) > 0);
  if (gappy.length > 0) {
    return {
      score: null,
      explanation: msg('score.gaps', { gaps: gappy.flatMap(describeGaps) }),
    };
  }
  const cells = grids.reduce((n, g) => n + g.facts.length, 0);
  const rules = grids.map((g) => ruleName(g.rule));
  return { score: points, explanation: msg('score.allPassed', { cells, rules }) };
}

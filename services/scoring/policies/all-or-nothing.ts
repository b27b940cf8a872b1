/**
 * All-or-nothing items scored from facts (3.1, 3.2, 4.1, 6.1, 7.2, and the
 * broadcast half of 2.1). The form says "落实到位得N分，不到位不得分": there is
 * no partial credit, and over a multi-day window every day must pass.
 */
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
    return { score: 0, explanation: `${fails.length} failing day/place(s): ${listFacts(fails)}.` };
  }
  const gappy = grids.filter((g) => gapCount(g) > 0);
  if (gappy.length > 0) {
    return {
      score: null,
      explanation: `No failure seen, but ${gappy.map(describeGaps).join('; ')}.`,
    };
  }
  const cells = grids.reduce((n, g) => n + g.facts.length, 0);
  const rules = grids.map((g) => g.rule).join(' + ');
  return { score: points, explanation: `All ${cells} day/place(s) of ${rules} passed over the window.` };
}

/**
 * npx tsx bench/facts.ts [N]: how long one community-day's facts take (rules/engine.ts dailyFacts) when the
 * day holds N thermometer readings (default 150,000: a bench community after a few minutes at 500/s).
 * The recompute is not split, so this is how long it blocks the thread that runs it (BENCHMARKS.md).
 */
import { Journal, ctx, layout, at, DAY } from '../test/rules/fixtures.js';
import { createInitialState, evaluate, dailyFacts } from '../services/rules/engine.js';

const N = Number(process.argv[2] ?? 150_000);
const journal = new Journal();
const start = at('00:00');
for (let i = 0; i < N; i++) journal.temp(start + Math.floor((i * 20 * 3_600_000) / N), 36.5 + (i % 10) / 10, `p-${(i % 5000).toString(16).padStart(6, '0')}`);
let state = createInitialState();
const t0 = performance.now();
for (const r of journal.readings) state = evaluate(state, r, ctx).state;
console.log(`evaluate: ${(((performance.now() - t0) * 1000) / N).toFixed(1)} µs per reading`);
for (let run = 1; run <= 3; run++) {
  const t = performance.now();
  const facts = dailyFacts(state, layout, DAY, at('21:00'), ctx);
  console.log(`dailyFacts of ${N} readings, run ${run}: ${(performance.now() - t).toFixed(0)} ms (${facts.length} facts)`);
}

/**
 * Runs tests as if the wall clock read GW_TEST_CLOCK_AT (an ISO instant) when the run started, to see
 * what a test does at a local midnight without waiting for one:
 *
 *   GW_TEST_CLOCK_AT=2026-12-03T16:00:30Z NODE_OPTIONS="--import ./test/support/shifted-clock.mjs" \
 *     npx vitest run test/ingest/contract-gaps.test.ts        # 00:00:30 in Shanghai
 *
 * `Date.now()` and `new Date()` run on from that instant (timers and performance.now() are untouched) in
 * the first process that loads this file and in everything it starts: child processes (npx, vitest's
 * forks, a spawned service) inherit the shift through GW_TEST_CLOCK_SHIFT_MS and NODE_OPTIONS, worker
 * threads started with eval'd code (the broker thread) load this file first.
 * Plain JavaScript: a preload runs before any TypeScript loader, on the system Node (npx) too.
 * Never imported by a test: without the variables it changes nothing.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import process from 'node:process';

const marker = Symbol.for('gatewatch.shifted-clock');

/** @returns {number | undefined} */
function shift() {
  const inherited = process.env.GW_TEST_CLOCK_SHIFT_MS;
  if (inherited !== undefined && inherited !== '') return Number(inherited);
  const at = process.env.GW_TEST_CLOCK_AT;
  if (at === undefined) return undefined;
  const ms = Date.parse(at) - Date.now();
  if (Number.isNaN(ms)) throw new Error(`GW_TEST_CLOCK_AT is not an ISO instant: "${at}"`);
  // Computed once, by the first process: what it starts runs on the same clock, not from the instant again.
  process.env.GW_TEST_CLOCK_SHIFT_MS = String(ms);
  return ms;
}

const shiftMs = shift();
if (shiftMs !== undefined && globalThis[marker] !== true) {
  globalThis[marker] = true;
  const RealDate = Date;
  const now = () => RealDate.now() + shiftMs;
  // A proxy, not a subclass: instances stay real Dates, and Date.parse, Date.UTC, instanceof are untouched.
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, prop, receiver) => (prop === 'now' ? now : Reflect.get(target, prop, receiver)),
  });

  // The exports object the ESM named imports of node:worker_threads are synced from.
  const workerThreads = createRequire(import.meta.url)('node:worker_threads');
  const RealWorker = workerThreads.Worker;
  const self = JSON.stringify(import.meta.url);
  class ShiftedWorker extends RealWorker {
    constructor(code, options = {}) {
      super(options.eval === true && typeof code === 'string' ? `import(${self}).then(() => { ${code} });` : code, options);
    }
  }
  workerThreads.Worker = ShiftedWorker;
  syncBuiltinESMExports();
}

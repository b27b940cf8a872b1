/**
 * test/support/clock.ts: the "now" that keeps a test's readings inside one local day; and
 * test/support/shifted-clock.mjs, the preload that runs a process at another wall-clock time.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nowWithinOneLocalDay } from '../support/clock.js';
import { HOUR_MS } from '../../services/time/durations.js';

const at = (iso: string) => Date.parse(iso);

describe('nowWithinOneLocalDay', () => {
  it('is the real now once it is further from the local midnight than the readings reach back', () => {
    expect(nowWithinOneLocalDay(HOUR_MS, 'Asia/Shanghai', at('2026-12-03T17:00:00Z'))).toBe(at('2026-12-03T17:00:00Z'));
    expect(nowWithinOneLocalDay(HOUR_MS, 'Asia/Shanghai', at('2026-12-03T15:59:59Z'))).toBe(at('2026-12-03T15:59:59Z'));
  });

  it('in the first hour of a Shanghai day (16:00-17:00 UTC) is the last minute of the day before', () => {
    expect(nowWithinOneLocalDay(HOUR_MS, 'Asia/Shanghai', at('2026-12-03T16:00:00Z'))).toBe(at('2026-12-03T15:59:00Z'));
    expect(nowWithinOneLocalDay(HOUR_MS, 'Asia/Shanghai', at('2026-12-03T16:59:59.999Z'))).toBe(at('2026-12-03T15:59:00Z'));
  });

  it('reaches back as far as asked, in the zone asked', () => {
    expect(nowWithinOneLocalDay(2 * 60_000, 'Asia/Shanghai', at('2026-12-03T16:01:59Z'))).toBe(at('2026-12-03T15:59:00Z'));
    expect(nowWithinOneLocalDay(2 * 60_000, 'Asia/Shanghai', at('2026-12-03T16:02:00Z'))).toBe(at('2026-12-03T16:02:00Z'));
    // Asia/Urumqi (UTC+6): its midnight is 18:00 UTC.
    expect(nowWithinOneLocalDay(HOUR_MS, 'Asia/Urumqi', at('2026-12-03T18:30:00Z'))).toBe(at('2026-12-03T17:59:00Z'));
    expect(nowWithinOneLocalDay(HOUR_MS, 'Asia/Urumqi', at('2026-12-03T16:30:00Z'))).toBe(at('2026-12-03T16:30:00Z'));
  });
});

describe('shifted-clock.mjs (a preload)', () => {
  it('runs a process, its worker threads and its children from GW_TEST_CLOCK_AT on; Date.parse and Date(ms) unchanged', () => {
    const preload = join(import.meta.dirname, '../support/shifted-clock.mjs');
    const script = `
      const { Worker } = require('node:worker_threads');
      const { execFileSync } = require('node:child_process');
      const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(new Date().toISOString())'], { encoding: 'utf8' });
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(new Date(Date.now()).toISOString())", { eval: true });
      w.once('message', (worker) => {
        console.log(JSON.stringify({ main: new Date().toISOString(), worker, child, epoch: new Date(0).toISOString(), parse: Date.parse('2021-02-03T00:00:00Z'), isDate: new Date() instanceof Date }));
        void w.terminate();
      });`;
    // A run under the preload already (its shift inherited) starts this one from the instant all the same.
    const { GW_TEST_CLOCK_SHIFT_MS: _inherited, ...env } = process.env;
    const out = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8', env: { ...env, GW_TEST_CLOCK_AT: '2026-12-03T16:00:30Z', NODE_OPTIONS: `--import ${preload}` },
    });
    const seen = JSON.parse(out) as Record<string, unknown>;
    // Seconds after the instant (the processes start in that time), never the real date.
    for (const key of ['main', 'worker', 'child'] as const) expect(String(seen[key]).slice(0, 17), key).toBe('2026-12-03T16:00:');
    expect({ epoch: seen.epoch, parse: seen.parse, isDate: seen.isDate }).toEqual({ epoch: '1970-01-01T00:00:00.000Z', parse: Date.parse('2021-02-03T00:00:00Z'), isDate: true });
  });
});

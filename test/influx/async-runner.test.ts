/**
 * processors/async-runner.ts, the runner of the InfluxDB readings processor,
 * driving a processor over a real SQLite journal and checkpoint whose step
 * awaits a delivery the test controls: one step in flight however often it
 * is kicked, a failed step retried from the checkpoint with a growing
 * backoff and no row skipped or taken twice, a short step followed by the
 * next only after pollMs, idle() and stop() as documented.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../services/observability/logger.js';
import { openDatabase, type Db } from '../../services/store/db.js';
import { createJournal } from '../../services/store/journal.js';
import { createCheckpointsRepo } from '../../services/store/checkpoints-repo.js';
import { createAsyncProcessorRunner, type AsyncProcessorRunner } from '../../services/processors/async-runner.js';
import { createCleanups } from '../support/cleanups.js';

let dir: string;
const cleanups = createCleanups();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-async-runner-'));
});
afterEach(() => cleanups.run());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Harness {
  db: Db;
  runner: AsyncProcessorRunner;
  journalRows(n: number): void;
  /** Ids delivered, in order, one entry per delivery attempt that succeeded. */
  delivered: number[];
  /** Start times of each step (ms, performance.now). */
  steps: number[];
  /** Most steps in flight at once. */
  maxInFlight(): number;
  /** The next `n` deliveries throw. */
  failNext(n: number): void;
  /** Deliveries wait until release() is called. */
  hold(): void;
  release(): void;
  position(): number;
}

let seq = 0;
function harness(name: string, options: { fullStep?: number; pollMs?: number } = {}): Harness {
  const db = openDatabase(join(dir, `${name}.sqlite`));
  const journal = createJournal(db);
  const checkpoints = createCheckpointsRepo(db);
  checkpoints.ensure('test', 'start', 0);
  const delivered: number[] = [];
  const steps: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failures = 0;
  let held: { promise: Promise<void>; resolve: () => void } | null = null;
  const fullStep = options.fullStep ?? 3;
  const runner = createAsyncProcessorRunner(
    {
      name: 'test',
      async step() {
        steps.push(performance.now());
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          const rows = journal.readingsSince(checkpoints.position('test'), fullStep);
          if (rows.length === 0) return 0;
          await new Promise((r) => setTimeout(r, 5));
          if (held) await held.promise;
          if (failures > 0) {
            failures--;
            throw new Error('delivery failed');
          }
          db.transaction(() => {
            for (const r of rows) delivered.push(r.id);
            checkpoints.advance('test', rows.at(-1)!.id, 0);
          })();
          return rows.length;
        } finally {
          inFlight--;
        }
      },
    },
    { logger: silentLogger(), fullStep, pollMs: options.pollMs ?? 60_000, initialBackoffMs: 40, maxBackoffMs: 1_000 },
  );
  cleanups.add(async () => {
    await runner.stop();
    db.close();
  });
  return {
    db, runner, delivered, steps,
    journalRows(n) {
      db.transaction(() => {
        for (let i = 0; i < n; i++) {
          seq++;
          journal.appendReading({ communityId: 'hc-1', deviceId: 'd-1', kind: 'status', seq, eventTime: seq, receivedAt: seq, payload: {} });
        }
      })();
    },
    maxInFlight: () => maxInFlight,
    failNext: (n) => void (failures = n),
    hold() {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      held = { promise, resolve };
    },
    release() {
      held?.resolve();
      held = null;
    },
    position: () => checkpoints.position('test'),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('async processor runner', () => {
  test('one step in flight however often it is kicked; a backlog drains step after step; idle() once caught up', async () => {
    const h = harness('one');
    h.journalRows(8);
    h.hold();
    h.runner.start();
    for (let i = 0; i < 20; i++) h.runner.kick();
    const draining = h.runner.drain();
    await new Promise((r) => setTimeout(r, 30));
    expect(h.steps).toHaveLength(1);
    h.release();
    await draining;
    await h.runner.idle();
    expect(h.maxInFlight()).toBe(1);
    expect(h.delivered).toEqual(range(1, 8));
    expect(h.position()).toBe(8);
  });

  test('a failed step is retried from the checkpoint with a doubling backoff; no row skipped or taken twice', async () => {
    const h = harness('retry');
    h.journalRows(5);
    h.failNext(3);
    h.runner.start();
    await h.runner.idle();
    expect(h.runner.failures()).toBe(3);
    expect(h.delivered).toEqual(range(1, 5));
    // Steps 1-3 failed; the retries came after 40, 80 and 160 ms (timers fire no earlier).
    const gaps = h.steps.slice(1, 4).map((t, i) => t - h.steps[i]!);
    expect(gaps.map((g, i) => g >= [40, 80, 160][i]! - 1)).toEqual([true, true, true]);
  });

  test('caught up, it looks again after pollMs without a kick; drain() rejects with the failure', async () => {
    const h = harness('poll', { pollMs: 50 });
    h.runner.start();
    await h.runner.idle();
    h.journalRows(2);
    const deadline = Date.now() + 5_000;
    while (h.delivered.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(h.delivered).toEqual([1, 2]);
    h.journalRows(1);
    h.failNext(1);
    await expect(h.runner.drain()).rejects.toThrow('delivery failed');
    expect(await h.runner.drain()).toBe(1);
    expect(h.position()).toBe(h.delivered.at(-1));
  });

  test('stop() waits for the step in flight to commit, and nothing runs after it', async () => {
    const h = harness('stop');
    h.journalRows(2);
    h.hold();
    h.runner.start();
    await new Promise((r) => setTimeout(r, 20));
    const stopped = h.runner.stop();
    h.release();
    await stopped;
    expect(h.position()).toBe(h.delivered.at(-1));
    expect(h.delivered).toHaveLength(2);
    h.journalRows(3);
    h.runner.kick();
    await new Promise((r) => setTimeout(r, 50));
    expect(h.delivered).toHaveLength(2);
    await h.runner.idle(); // resolves at once once stopped
  });
});

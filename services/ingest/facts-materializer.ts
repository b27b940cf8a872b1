/**
 * Keeps the daily_facts table current: days touched by readings (late ones
 * too) are recomputed on the next flush, and every community's today is
 * recomputed periodically because silence and unstaffed time grow with the
 * clock. Each recomputed day is an in-commit 'day.recomputed' event
 * (services/events.ts): its InfluxDB points and checklist sub-scores are
 * queued in the transaction that rewrites the day.
 *
 * Two ways to flush. `flush()` computes on this thread (an explicit run, a
 * backfill, the stop: their callers read the facts right after).
 * `flushInBackground()` (the periodic timer) has the facts thread compute each
 * day from a copy of the community's state (facts-thread.ts) and writes the
 * answer here, so a busy day's recompute never holds this thread's ingest.
 * A day rewritten meanwhile (an explicit flush) drops the background answer.
 */
import type { Db } from '../store/db.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { InCommit } from '../events.js';
import type { DailyFact } from '../rules/facts.js';
import type { EngineRules } from './engine-rules.js';
import type { FactsThread } from './facts-thread.js';

export interface FactsMaterializerDeps {
  db: Db;
  rules: EngineRules;
  facts: FactsRepo;
  /** Told of each rewritten day inside the rewrite's transaction. */
  inCommit: InCommit;
  /** How often today's facts of every community are recomputed even without new readings. */
  todayEveryMs: number;
  /**
   * Most wall-clock time one flush spends recomputing (default 100 ms). A day's
   * facts are recomputed from all of its readings, so on a busy day one
   * community can take tens of ms: days left over stay due for the next
   * flush (oldest first), and the event loop is never held for seconds.
   */
  sliceMs?: number;
  /** Where flushInBackground() computes; without it only flush() is there (the caller computes here). */
  thread?: FactsThread;
  /** Most facts-thread time one background flush spends (default 100 ms): what is left waits for the next one. */
  backgroundBudgetMs?: number;
  /** A background flush failed (a busy database, the thread died): the day stays due for the next flush. */
  onBackgroundError?: (err: unknown) => void;
  /** Wraps each stretch a background flush holds this thread (taking the state's copy, writing a day): its metric. */
  timed?: <T>(fn: () => T) => T;
}

type DueDay = { communityId: string; day: string; current?: boolean };

export function createFactsMaterializer(deps: FactsMaterializerDeps) {
  let lastFull = -Infinity;
  const sliceMs = deps.sliceMs ?? 100;
  /** Days due but not recomputed yet (a flush ran out of its slice), in the order they became due. */
  const due = new Map<string, DueDay>();
  /**
   * The day the facts thread is computing now. `superseded`: written meanwhile, or taken over by an explicit
   * flush: the thread's answer (from an older copy of the state) is dropped.
   */
  let inFlight: { key: string; entry: DueDay; superseded: boolean } | undefined;
  let background: Promise<void> | undefined;
  const markDue = (key: string, d: DueDay) => due.set(key, due.get(key)?.current === true ? { ...d, current: true } : d);

  // The day's rows and what its participants queue commit together.
  const commit = deps.db.transaction((communityId: string, day: string, facts: DailyFact[], now: number, layoutVersion: string) => {
    deps.facts.replaceDay(communityId, day, facts, now, layoutVersion);
    deps.inCommit.dispatch('day.recomputed', { communityId, day, timeZone: deps.rules.zoneOf(communityId), facts });
  });
  const rewrite = (communityId: string, day: string, facts: DailyFact[], now: number, layoutVersion: string) => {
    commit(communityId, day, facts, now, layoutVersion);
    if (inFlight?.key === `${communityId}|${day}`) inFlight.superseded = true;
  };

  /** `current`: with the current layout even for a closed day (a backfill's); else the one its facts recorded. */
  function recompute(communityId: string, day: string, now: number, current: boolean): void {
    const computed = deps.rules.factsFor(communityId, day, now, { current });
    if (computed) rewrite(communityId, day, computed.facts, now, computed.layoutVersion);
  }

  function collectDue(now: number): void {
    for (const d of deps.rules.takeDirty()) markDue(`${d.communityId}|${d.day}`, d);
    if (now - lastFull >= deps.todayEveryMs) {
      lastFull = now;
      for (const id of deps.rules.communityIds()) {
        const day = deps.rules.dayOf(id, now);
        const key = `${id}|${day}`;
        if (!due.has(key)) due.set(key, { communityId: id, day });
      }
    }
  }

  /** One due day through the facts thread; false when the budget is spent or nothing is due. */
  async function backgroundStep(thread: FactsThread, now: () => number, spent: { ms: number }): Promise<boolean> {
    const next = due.entries().next();
    if (next.done || spent.ms >= (deps.backgroundBudgetMs ?? 100)) return false;
    const [key, entry] = next.value;
    due.delete(key);
    const asOf = now();
    const mine = (inFlight = { key, entry, superseded: false });
    try {
      const held = deps.timed ?? (<T>(fn: () => T): T => fn());
      // postMessage copies the state synchronously, so the copy is taken before anything else runs on this thread.
      const prepared = held(() => {
        const input = deps.rules.factsInput(entry.communityId, entry.day, asOf, { current: entry.current === true });
        if (!input) return undefined;
        const answer = 'job' in input ? thread.compute(input.job) : Promise.resolve({ facts: input.facts, computeMs: 0 });
        return { answer, layoutVersion: input.layoutVersion };
      });
      if (!prepared) return true;
      const { facts, computeMs } = await prepared.answer;
      spent.ms += computeMs;
      if (!mine.superseded) held(() => rewrite(entry.communityId, entry.day, facts, asOf, prepared.layoutVersion));
      return true;
    } catch (err) {
      // Taken over meanwhile (the stop's flush, which also closes the thread): nothing is lost here.
      if (mine.superseded) return true;
      markDue(key, entry);
      throw err;
    } finally {
      inFlight = undefined;
    }
  }

  function flush(now: number, all = false): number {
    collectDue(now);
    if (all && inFlight) {
      // Every due day is written before this returns: the one the thread is computing too, here; its answer is dropped.
      inFlight.superseded = true;
      markDue(inFlight.key, inFlight.entry);
    }
    const until = performance.now() + sliceMs;
    let written = 0;
    for (const [key, { communityId, day, current }] of due) {
      if (!all && written > 0 && performance.now() >= until) break;
      due.delete(key);
      try {
        recompute(communityId, day, now, current === true);
      } catch (err) {
        // Not written (a busy database, a full disk): still due, for the next flush.
        due.set(key, { communityId, day, current });
        throw err;
      }
      written++;
    }
    return written;
  }

  return {
    /**
     * The periodic flush: due days computed on the facts thread, one at a time, within the budget; returns at
     * once. While one runs, another call only collects what became due (the running one takes it too).
     */
    flushInBackground(now: () => number): void {
      const thread = deps.thread;
      if (!thread) throw new Error('flushInBackground needs the facts thread (FactsMaterializerDeps.thread)');
      collectDue(now());
      if (background) return;
      const spent = { ms: 0 };
      const run = async () => {
        while (await backgroundStep(thread, now, spent));
      };
      background = run()
        .catch((err: unknown) => deps.onBackgroundError?.(err))
        .finally(() => {
          background = undefined;
        });
    },
    /** Resolves when no background flush runs (tests). */
    backgroundIdle: (): Promise<void> => background ?? Promise.resolve(),
    /**
     * Recomputes dirty days, and all of today when due, here, within the time slice (all of them when `all`,
     * e.g. at shutdown). Returns how many days were written.
     */
    flush,
    /** Days waiting for a recompute. */
    pending: (): number => due.size,
  };
}

export type FactsMaterializer = ReturnType<typeof createFactsMaterializer>;

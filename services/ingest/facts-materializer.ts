/**
 * Keeps the daily_facts table current: days touched by readings (late ones
 * too) are recomputed on the next flush, and every community's today is
 * recomputed periodically because silence and unstaffed time grow with the
 * clock. Each recomputed day is an in-commit 'day.recomputed' event
 * (services/events.ts): its InfluxDB points and checklist sub-scores are
 * queued in the transaction that rewrites the day.
 */
import type { Db } from '../store/db.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { InCommit } from '../events.js';
import type { DailyFact } from '../rules/facts.js';
import type { EngineRules } from './engine-rules.js';

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
}

export function createFactsMaterializer(deps: FactsMaterializerDeps) {
  let lastFull = -Infinity;
  const sliceMs = deps.sliceMs ?? 100;
  /** Days due but not recomputed yet (a flush ran out of its slice), in the order they became due. */
  const due = new Map<string, { communityId: string; day: string; current?: boolean }>();

  // The day's rows and what its participants queue commit together.
  const rewrite = deps.db.transaction((communityId: string, day: string, facts: DailyFact[], now: number, layoutVersion: string) => {
    deps.facts.replaceDay(communityId, day, facts, now, layoutVersion);
    deps.inCommit.dispatch('day.recomputed', { communityId, day, timeZone: deps.rules.zoneOf(communityId), facts });
  });

  /** `current`: with the current layout even for a closed day (a backfill's); else the one its facts recorded. */
  function recompute(communityId: string, day: string, now: number, current: boolean): void {
    const computed = deps.rules.factsFor(communityId, day, now, { current });
    if (computed) rewrite(communityId, day, computed.facts, now, computed.layoutVersion);
  }

  return {
    /**
     * Recomputes dirty days, and all of today when due, within the time slice
     * (all of them when `all`, e.g. at shutdown). Returns how many days were written.
     */
    flush(now: number, all = false): number {
      for (const d of deps.rules.takeDirty()) {
        const key = `${d.communityId}|${d.day}`;
        due.set(key, due.get(key)?.current === true ? { ...d, current: true } : d);
      }
      if (now - lastFull >= deps.todayEveryMs) {
        lastFull = now;
        for (const id of deps.rules.communityIds()) {
          const day = deps.rules.dayOf(id, now);
          const key = `${id}|${day}`;
          if (!due.has(key)) due.set(key, { communityId: id, day });
        }
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
    },
    /** Days waiting for a recompute. */
    pending: (): number => due.size,
  };
}

export type FactsMaterializer = ReturnType<typeof createFactsMaterializer>;

/**
 * Keeps the daily_facts table current: days touched by readings (late ones
 * too) are recomputed on the next flush, and every community's today is
 * recomputed periodically because silence and unstaffed time grow with the
 * clock. Each recomputed day is also sent to InfluxDB when a sink is on.
 */
import type { FactsRepo } from '../store/facts-repo.js';
import type { DailyFact } from '../rules/facts.js';
import type { EngineRules } from './engine-rules.js';

export interface FactsMaterializerDeps {
  rules: EngineRules;
  facts: FactsRepo;
  /** After a day's facts were rewritten (InfluxDB points, checklist sub-scores). */
  onDay?: (communityId: string, day: string, facts: DailyFact[]) => void;
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

  /** `current`: with the current layout even for a closed day (a backfill's); else the one its facts recorded. */
  function recompute(communityId: string, day: string, now: number, current: boolean): void {
    const computed = deps.rules.factsFor(communityId, day, now, { current });
    if (!computed) return;
    deps.facts.replaceDay(communityId, day, computed.facts, now, computed.layoutVersion);
    deps.onDay?.(communityId, day, computed.facts);
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
        recompute(communityId, day, now, current === true);
        written++;
      }
      return written;
    },
    /** Days waiting for a recompute. */
    pending: (): number => due.size,
  };
}

export type FactsMaterializer = ReturnType<typeof createFactsMaterializer>;

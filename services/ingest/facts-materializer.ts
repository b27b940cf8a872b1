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
}

export function createFactsMaterializer(deps: FactsMaterializerDeps) {
  let lastFull = -Infinity;

  function recompute(communityId: string, day: string, now: number): void {
    const facts = deps.rules.factsFor(communityId, day, now);
    if (!facts) return;
    deps.facts.replaceDay(communityId, day, facts, now);
    deps.onDay?.(communityId, day, facts);
  }

  return {
    /** Recomputes dirty days, and all of today when due. Returns how many days were written. */
    flush(now: number): number {
      const work = new Map(deps.rules.takeDirty().map((d) => [`${d.communityId}|${d.day}`, d]));
      if (now - lastFull >= deps.todayEveryMs) {
        lastFull = now;
        for (const id of deps.rules.communityIds()) {
          const day = deps.rules.dayOf(id, now);
          work.set(`${id}|${day}`, { communityId: id, day });
        }
      }
      for (const { communityId, day } of work.values()) recompute(communityId, day, now);
      return work.size;
    },
  };
}

export type FactsMaterializer = ReturnType<typeof createFactsMaterializer>;

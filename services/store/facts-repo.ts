/** Persistence of daily compliance facts (see services/rules/facts.ts for their meaning). */
import type { Message } from '../../schemas/src/message.js';
import { legacyText } from '../i18n/index.js';
import type { DailyFact, FactStatus, RuleId } from '../rules/facts.js';
import type { Db } from './db.js';

type Row = { community_id: string; day: string; rule: RuleId; place: string; status: FactStatus; figures: string; summary: string; summary_message: string | null; reading_ids: string; computed_at: number };

const fromRow = (r: Row): DailyFact => ({
  communityId: r.community_id, day: r.day, rule: r.rule, place: r.place, status: r.status,
  figures: JSON.parse(r.figures) as Record<string, number>, summary: r.summary,
  summaryMessage: r.summary_message === null ? legacyText(r.summary) : (JSON.parse(r.summary_message) as Message), readingIds: JSON.parse(r.reading_ids) as number[],
});

export function createFactsRepo(db: Db) {
  const del = db.prepare('DELETE FROM daily_facts WHERE community_id = ? AND day = ?');
  const ins = db.prepare(
    `INSERT INTO daily_facts (community_id, day, rule, place, status, figures, summary, summary_message, reading_ids, computed_at, layout_version)
     VALUES (@communityId, @day, @rule, @place, @status, @figures, @summary, @summaryMessage, @readingIds, @computedAt, @layoutVersion)`,
  );
  const versionOfDay = db.prepare('SELECT layout_version FROM daily_facts WHERE community_id = ? AND day = ? LIMIT 1').pluck();
  return {
    /**
     * Replaces all facts of one community and day (a day is recomputed whole),
     * recording the layout version they were computed with (store/layout-versions-repo.ts).
     */
    replaceDay: db.transaction((communityId: string, day: string, facts: DailyFact[], computedAt: number, layoutVersion: string | null = null) => {
      del.run(communityId, day);
      for (const f of facts) {
        ins.run({
          ...f, communityId, day, figures: JSON.stringify(f.figures), summaryMessage: JSON.stringify(f.summaryMessage), readingIds: JSON.stringify(f.readingIds), computedAt, layoutVersion,
        });
      }
    }),
    /** The layout version a day's facts were computed with: null when unrecorded (older rows), undefined when the day has no facts. */
    layoutVersionOf(communityId: string, day: string): string | null | undefined {
      return versionOfDay.get(communityId, day) as string | null | undefined;
    },
    /** Facts of a community for an inclusive range of local days. */
    range(communityId: string, fromDay: string, toDay: string): DailyFact[] {
      return (
        db.prepare('SELECT * FROM daily_facts WHERE community_id = ? AND day BETWEEN ? AND ? ORDER BY day, rule, place').all(communityId, fromDay, toDay) as Row[]
      ).map(fromRow);
    },
    /** The latest computation time for a community and range: signed inspections compare it. */
    lastComputedAt(communityId: string, fromDay: string, toDay: string): number | null {
      return db.prepare('SELECT MAX(computed_at) FROM daily_facts WHERE community_id = ? AND day BETWEEN ? AND ?').pluck().get(communityId, fromDay, toDay) as number | null;
    },
  };
}

export type FactsRepo = ReturnType<typeof createFactsRepo>;

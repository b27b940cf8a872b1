/**
 * Journaled readings a rule threw on (migration 0110). The reading stays in
 * the journal; the rules' state leaves it out until it is re-evaluated after
 * the fix (services/ingest/engine-rules.ts), then its flag goes.
 */
import type { Db } from './db.js';

export interface ReevaluationFlag {
  readingId: number;
  code: string;
  /** The error's class name (never its message: it may quote a payload). */
  error: string;
  flaggedAt: number;
}

export function createReevaluationRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO readings_needing_reevaluation (reading_id, code, error, flagged_at) VALUES (?, ?, ?, ?) ON CONFLICT (reading_id) DO UPDATE SET code = excluded.code, error = excluded.error',
  );
  const remove = db.prepare('DELETE FROM readings_needing_reevaluation WHERE reading_id = ?');
  const all = db.prepare('SELECT reading_id, code, error, flagged_at FROM readings_needing_reevaluation ORDER BY reading_id');
  const ids = db.prepare('SELECT reading_id FROM readings_needing_reevaluation').pluck();
  return {
    flag(readingId: number, code: string, error: string, now: number): void {
      insert.run(readingId, code, error, now);
    },
    unflag(readingId: number): void {
      remove.run(readingId);
    },
    /** Every flag, in reading id order (the order the journal took them). */
    list(): ReevaluationFlag[] {
      return (all.all() as { reading_id: number; code: string; error: string; flagged_at: number }[]).map((r) => ({
        readingId: r.reading_id, code: r.code, error: r.error, flaggedAt: r.flagged_at,
      }));
    },
    flaggedIds: (): Set<number> => new Set(ids.all() as number[]),
  };
}

export type ReevaluationRepo = ReturnType<typeof createReevaluationRepo>;

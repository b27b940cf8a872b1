/**
 * The queries behind inspections/sources.ts (what the scoring core needs of
 * one community and window): fever alarms, duty readings and evidence rows.
 * Time bounds are instants [start, end); which local days they are is the
 * caller's business (services/time).
 */
import type { Db } from './db.js';

export interface AlarmRow {
  id: number; rule: string; community_id: string; subject: string; severity: string; status: 'open' | 'acknowledged' | 'resolved';
  first_event_time: number; opened_at: number; acknowledged_at: number | null;
}
export interface DutyRow { id: number; kind: string; event_time: number; payload: string }
export interface EvidenceRow { id: number; community_id: string; device_id: string; kind: string; event_time: number; received_at: number; payload: string }

export function createScoringSourcesRepo(db: Db, feverAlarmRules: readonly string[]) {
  const rulePlaceholders = feverAlarmRules.map(() => '?').join(', ');
  const alarmsStmt = db.prepare(
    `SELECT id, rule, community_id, subject, severity, status, first_event_time, opened_at, acknowledged_at FROM alarms
     WHERE community_id = ? AND rule IN (${rulePlaceholders}) AND first_event_time >= ? AND first_event_time < ? ORDER BY id`,
  );
  const alarmChangeStmt = db.prepare(
    `SELECT MAX(MAX(opened_at, COALESCE(acknowledged_at, 0), COALESCE(resolved_at, 0))) FROM alarms
     WHERE community_id = ? AND rule IN (${rulePlaceholders}) AND first_event_time >= ? AND first_event_time < ?`,
  );
  const readingCountStmt = db.prepare('SELECT COUNT(*) FROM readings WHERE community_id = ? AND event_time >= ? AND event_time < ?').pluck();
  const dutyStmt = db.prepare(
    `SELECT id, kind, event_time, payload FROM readings
     WHERE community_id = ? AND kind IN ('shift', 'disinfection') AND event_time >= ? AND event_time < ? ORDER BY id`,
  );
  const alarmCountsStmt = db.prepare(
    `SELECT community_id, SUM(status = 'open') AS open, COUNT(*) AS active FROM alarms WHERE status <> 'resolved' GROUP BY community_id`,
  );
  return {
    feverAlarms: (communityId: string, start: number, end: number): AlarmRow[] => alarmsStmt.all(communityId, ...feverAlarmRules, start, end) as AlarmRow[],
    /** The latest opening, acknowledgement or resolution of the window's fever alarms (null when none). */
    feverAlarmsChangedAt: (communityId: string, start: number, end: number): number | null =>
      (alarmChangeStmt.pluck().get(communityId, ...feverAlarmRules, start, end) as number | null) ?? null,
    readingCount: (communityId: string, start: number, end: number): number => readingCountStmt.get(communityId, start, end) as number,
    dutyReadings: (communityId: string, start: number, end: number): DutyRow[] => dutyStmt.all(communityId, start, end) as DutyRow[],
    activeAlarmCounts: () => alarmCountsStmt.all() as { community_id: string; open: number; active: number }[],
    readingsByIds(ids: readonly number[]): EvidenceRow[] {
      if (ids.length === 0) return [];
      return db
        .prepare(
          `SELECT id, community_id, device_id, kind, event_time, received_at, payload FROM readings WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
        )
        .all(...ids) as EvidenceRow[];
    },
  };
}

export type ScoringSourcesRepo = ReturnType<typeof createScoringSourcesRepo>;

/** Alarm persistence: one active alarm per (community, rule, subject); repeats bump it. */
import type { Alarm, AlarmStatus, Severity } from '../domain/alarm.js';
import type { Message } from '../../schemas/src/message.js';
import { legacyText } from '../i18n/index.js';
import type { Db } from './db.js';
import { inList, type Visible } from './visible.js';

export interface RaiseAlarm {
  communityId: string;
  rule: string;
  subject: string;
  severity: Severity;
  title: string;
  /** Absent: the title is shown as it is in every language. */
  titleMessage?: Message;
  details: Record<string, unknown>;
  eventTime: number;
  readingIds: number[];
}

/** Keep the evidence list of a long-running alarm bounded. */
const MAX_READING_IDS = 200;

type Row = {
  id: number; community_id: string; rule: string; subject: string; severity: Severity; status: AlarmStatus; title: string; title_message: string | null;
  details: string; first_event_time: number; last_event_time: number; occurrences: number; reading_ids: string; opened_at: number;
  acknowledged_at: number | null; acknowledged_by: string | null; acknowledge_note: string | null;
  resolved_at: number | null; resolved_by: string | null; resolve_note: string | null;
};

function fromRow(r: Row): Alarm {
  return {
    id: r.id, communityId: r.community_id, rule: r.rule, subject: r.subject, severity: r.severity, status: r.status, title: r.title,
    titleMessage: r.title_message === null ? legacyText(r.title) : (JSON.parse(r.title_message) as Message),
    details: JSON.parse(r.details) as Record<string, unknown>, firstEventTime: r.first_event_time, lastEventTime: r.last_event_time,
    occurrences: r.occurrences, readingIds: JSON.parse(r.reading_ids) as number[], openedAt: r.opened_at,
    acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by, acknowledgeNote: r.acknowledge_note,
    resolvedAt: r.resolved_at, resolvedBy: r.resolved_by, resolveNote: r.resolve_note,
  };
}

/** An episode judged after the fact (a backfill's re-judged window): opened at its due point, maybe already resolved. */
export interface PastEpisode extends RaiseAlarm {
  lastEventTime: number;
  occurrences: number;
  /** When the condition ended (event time), by `resolvedBy`; null: still in force. */
  resolvedAt: number | null;
  resolvedBy: string;
  resolveNote: string;
}

export interface AlarmFilter {
  status?: AlarmStatus | 'active';
  communityId?: string;
  rule?: string;
  limit: number;
  /** Only these communities (a caller's tenancy); null or absent = all. */
  visible?: Visible;
}

export function createAlarmsRepo(db: Db) {
  const findActive = db.prepare("SELECT * FROM alarms WHERE community_id = ? AND rule = ? AND subject = ? AND status <> 'resolved'");
  const insert = db.prepare(
    `INSERT INTO alarms (community_id, rule, subject, severity, status, title, title_message, details, first_event_time, last_event_time, reading_ids, opened_at)
     VALUES (@communityId, @rule, @subject, @severity, 'open', @title, @titleMessage, @details, @eventTime, @eventTime, @readingIds, @openedAt)`,
  );
  const bump = db.prepare(
    `UPDATE alarms SET occurrences = occurrences + 1, last_event_time = MAX(last_event_time, @eventTime),
       first_event_time = MIN(first_event_time, @eventTime), reading_ids = @readingIds WHERE id = @id`,
  );
  const byId = db.prepare('SELECT * FROM alarms WHERE id = ?');
  const episodeOf = db.prepare('SELECT 1 FROM alarms WHERE community_id = ? AND rule = ? AND subject = ? AND first_event_time = ? LIMIT 1').pluck();
  const insertPast = db.prepare(
    `INSERT INTO alarms (community_id, rule, subject, severity, status, title, title_message, details, first_event_time, last_event_time, occurrences, reading_ids, opened_at,
       resolved_at, resolved_by, resolve_note)
     VALUES (@communityId, @rule, @subject, @severity, @status, @title, @titleMessage, @details, @eventTime, @lastEventTime, @occurrences, @readingIds, @eventTime,
       @resolvedAt, @resolvedBy, @resolveNote)`,
  );

  return {
    /** Opens a new alarm, or bumps the active one for the same subject. */
    raise(a: RaiseAlarm, now: number): { alarm: Alarm; created: boolean } {
      const existing = findActive.get(a.communityId, a.rule, a.subject) as Row | undefined;
      if (existing) {
        const ids = [...(JSON.parse(existing.reading_ids) as number[]), ...a.readingIds].slice(-MAX_READING_IDS);
        bump.run({ id: existing.id, eventTime: a.eventTime, readingIds: JSON.stringify(ids) });
        return { alarm: fromRow(byId.get(existing.id) as Row), created: false };
      }
      const id = Number(
        insert.run({ ...a, titleMessage: a.titleMessage ? JSON.stringify(a.titleMessage) : null, details: JSON.stringify(a.details), readingIds: JSON.stringify(a.readingIds.slice(-MAX_READING_IDS)), openedAt: now })
          .lastInsertRowid,
      );
      return { alarm: fromRow(byId.get(id) as Row), created: true };
    },
    /** Is this episode (rule, subject, first event time) recorded already, raised live or by an earlier backfill? */
    hasEpisode: (communityId: string, rule: string, subject: string, firstEventTime: number): boolean => episodeOf.get(communityId, rule, subject, firstEventTime) !== undefined,
    /**
     * Records a past episode as it happened: opened at its due point (`eventTime`), resolved at the
     * event time its condition ended, if it did. The caller checks hasEpisode first; an open one
     * must not be recorded where the subject has an active alarm (alarms_one_active).
     */
    recordPast(e: PastEpisode): Alarm {
      const resolved = e.resolvedAt !== null;
      const id = Number(
        insertPast.run({
          ...e, status: resolved ? 'resolved' : 'open', titleMessage: e.titleMessage ? JSON.stringify(e.titleMessage) : null, details: JSON.stringify(e.details),
          readingIds: JSON.stringify(e.readingIds.slice(-MAX_READING_IDS)),
          resolvedAt: e.resolvedAt, resolvedBy: resolved ? e.resolvedBy : null, resolveNote: resolved ? e.resolveNote : null,
        }).lastInsertRowid,
      );
      return fromRow(byId.get(id) as Row);
    },
    get(id: number): Alarm | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? fromRow(r) : undefined;
    },
    list(f: AlarmFilter): Alarm[] {
      const where: string[] = [];
      if (f.status === 'active') where.push("status <> 'resolved'");
      else if (f.status) where.push('status = @status');
      if (f.communityId) where.push('community_id = @communityId');
      if (f.rule) where.push('rule = @rule');
      const visible = f.visible ?? null;
      where.push(inList('community_id', visible));
      const sql = `SELECT * FROM alarms WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT @limit`;
      return (db.prepare(sql).all(...(visible ?? []), { status: f.status, communityId: f.communityId, rule: f.rule, limit: f.limit }) as Row[]).map(fromRow);
    },
    acknowledge(id: number, by: string, note: string | null, now: number): Alarm | 'not_found' | 'conflict' {
      const r = db.prepare("UPDATE alarms SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, acknowledge_note = ? WHERE id = ? AND status = 'open'").run(now, by, note, id);
      if (r.changes === 0) return byId.get(id) ? 'conflict' : 'not_found';
      return fromRow(byId.get(id) as Row);
    },
    resolve(id: number, by: string, note: string | null, now: number): Alarm | 'not_found' | 'conflict' {
      const r = db.prepare("UPDATE alarms SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolve_note = ? WHERE id = ? AND status <> 'resolved'").run(now, by, note, id);
      if (r.changes === 0) return byId.get(id) ? 'conflict' : 'not_found';
      return fromRow(byId.get(id) as Row);
    },
    /** Resolves the active alarm of a subject, if any (its condition ended by itself). */
    resolveActive(communityId: string, rule: string, subject: string, by: string, note: string, now: number): Alarm | undefined {
      const active = findActive.get(communityId, rule, subject) as Row | undefined;
      if (!active) return undefined;
      db.prepare("UPDATE alarms SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolve_note = ? WHERE id = ?").run(now, by, note, active.id);
      return fromRow(byId.get(active.id) as Row);
    },
    countActive: (): number => db.prepare("SELECT COUNT(*) FROM alarms WHERE status <> 'resolved'").pluck().get() as number,
  };
}

export type AlarmsRepo = ReturnType<typeof createAlarmsRepo>;

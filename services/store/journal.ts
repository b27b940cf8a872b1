/** The journal of accepted readings, dead letters and ingest's checkpoint. */
import { deadLetterPayload, MAX_DEAD_LETTER_REASON_CHARS, MAX_DEAD_LETTER_TOPIC_CHARS, scrubNumbers, truncateText } from '../../schemas/src/redact.js';
import type { Db } from './db.js';
import { prepareDistinctValues } from './distinct.js';
import { inList, type Visible } from './visible.js';

const TOPIC_PREFIX = 'gatewatch/v1/';

export interface NewReading {
  communityId: string;
  deviceId: string;
  kind: string;
  seq: number;
  eventTime: number;
  receivedAt: number;
  payload: unknown;
}

export interface StoredReading extends NewReading {
  id: number;
}

export interface DeadLetter {
  id: number;
  receivedAt: number;
  clientId: string;
  topic: string;
  payload: string;
  code: string;
  reason: string;
  /** When it was re-admitted (ms), and the reading it became (null: it was already journaled). */
  readmittedAt: number | null;
  readmittedReadingId: number | null;
}

/** Which dead letters to re-admit: by id, or by device, code and a received-at range (ms, inclusive). */
export interface DeadLetterSelection {
  /** Only ids above this one (paging). */
  afterId?: number;
  ids?: readonly number[];
  deviceId?: string;
  code?: string;
  from?: number;
  to?: number;
}

/** A dead letter as ingest reads it again: its payload as received. */
export interface DeadLetterToReadmit {
  id: number;
  receivedAt: number;
  clientId: string;
  topic: string;
  payload: Buffer;
}

type ReadingRow = { id: number; community_id: string; device_id: string; kind: string; seq: number; event_time: number; received_at: number; payload: string };

const readingFromRow = (r: ReadingRow): StoredReading => ({
  id: r.id,
  communityId: r.community_id,
  deviceId: r.device_id,
  kind: r.kind,
  seq: r.seq,
  eventTime: r.event_time,
  receivedAt: r.received_at,
  payload: JSON.parse(r.payload) as unknown,
});

export function createJournal(db: Db) {
  const insertReading = db.prepare(
    'INSERT OR IGNORE INTO readings (community_id, device_id, kind, seq, event_time, received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertDeadLetter = db.prepare(
    'INSERT INTO dead_letters (received_at, client_id, topic, payload, code, reason) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const readCheckpoint = db.prepare('SELECT last_inbox_id FROM ingest_checkpoint WHERE id = 1').pluck();
  // One seek per community in readings_by_community_time, not a scan.
  const communitiesWithReadings = prepareDistinctValues(db, 'readings', 'community_id');
  // A bounded chunk at a time, through the (community_id, event_time) index; never a row the rules have not taken.
  const deleteOldReadings = db.prepare(
    "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE community_id = ? AND event_time < ? AND id <= (SELECT position FROM processor_checkpoints WHERE name = 'rules') LIMIT ?)",
  );
  const writeCheckpoint = db.prepare('UPDATE ingest_checkpoint SET last_inbox_id = ? WHERE id = 1');

  return {
    /** Returns the new id, or null when (device, seq) was already journaled (a duplicate). */
    appendReading(r: NewReading): number | null {
      const result = insertReading.run(r.communityId, r.deviceId, r.kind, r.seq, r.eventTime, r.receivedAt, JSON.stringify(r.payload));
      return result.changes === 0 ? null : Number(result.lastInsertRowid);
    },
    deadLetter(d: Omit<DeadLetter, 'id' | 'payload' | 'readmittedAt' | 'readmittedReadingId'> & { payload: Buffer }): number {
      return Number(insertDeadLetter.run(d.receivedAt, d.clientId, d.topic, d.payload, d.code, d.reason).lastInsertRowid);
    },
    checkpoint: (): number => readCheckpoint.get() as number,
    setCheckpoint: (inboxId: number): void => void writeCheckpoint.run(inboxId),
    /**
     * Newest first. `visible` (a caller's tenancy; null = all) keeps the dead
     * letters published on those communities' topics (gatewatch/v1/<community>/...):
     * the broker lets a device publish only on its own community's topics.
     */
    listDeadLetters(limit: number, beforeId?: number, visible: Visible = null): DeadLetter[] {
      const community = `substr(topic, ${TOPIC_PREFIX.length + 1}, instr(substr(topic, ${TOPIC_PREFIX.length + 1}), '/') - 1)`;
      const scope = visible === null ? '1' : `topic LIKE '${TOPIC_PREFIX}%' AND ${inList(community, visible)}`;
      const rows = db
        .prepare(
          `SELECT id, received_at, client_id, topic, payload, code, reason, readmitted_at, readmitted_reading_id FROM dead_letters
           WHERE ${beforeId ? 'id < @beforeId AND ' : ''}${scope} ORDER BY id DESC LIMIT @limit`,
        )
        .all(...(visible ?? []), { limit, beforeId }) as {
        id: number; received_at: number; client_id: string; topic: string; payload: Buffer; code: string; reason: string; readmitted_at: number | null; readmitted_reading_id: number | null;
      }[];
      return rows.map((r) => ({
        id: r.id,
        receivedAt: r.received_at,
        clientId: r.client_id,
        topic: truncateText(scrubNumbers(r.topic), MAX_DEAD_LETTER_TOPIC_CHARS),
        // Rows stored before dead letters were redacted are redacted on the way out.
        payload: deadLetterPayload(r.topic, r.payload.toString('utf8')),
        code: r.code,
        reason: truncateText(scrubNumbers(r.reason), MAX_DEAD_LETTER_REASON_CHARS),
        readmittedAt: r.readmitted_at,
        readmittedReadingId: r.readmitted_reading_id,
      }));
    },
    readingsSince(afterId: number, limit: number): StoredReading[] {
      return (
        db
          .prepare('SELECT id, community_id, device_id, kind, seq, event_time, received_at, payload FROM readings WHERE id > ? ORDER BY id LIMIT ?')
          .all(afterId, limit) as ReadingRow[]
      ).map(readingFromRow);
    },
    /**
     * Dead letters not re-admitted yet that match every given criterion, oldest first. The device is
     * the topic's fourth level (gatewatch/v1/<community>/<device>/<kind>).
     */
    deadLettersToReadmit(s: DeadLetterSelection, limit: number): DeadLetterToReadmit[] {
      const where = ['readmitted_at IS NULL', 'id > @afterId'];
      const params: Record<string, unknown> = { limit, afterId: s.afterId ?? 0 };
      if (s.ids) where.push(`id IN (${s.ids.map((id) => Number(id)).join(',') || 'NULL'})`);
      if (s.deviceId !== undefined) {
        where.push(`topic LIKE @topicPattern ESCAPE '\\'`);
        params.topicPattern = `${TOPIC_PREFIX}%/${s.deviceId.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
      }
      if (s.code !== undefined) {
        where.push('code = @code');
        params.code = s.code;
      }
      if (s.from !== undefined) {
        where.push('received_at >= @from');
        params.from = s.from;
      }
      if (s.to !== undefined) {
        where.push('received_at <= @to');
        params.to = s.to;
      }
      const rows = db
        .prepare(`SELECT id, received_at, client_id, topic, payload FROM dead_letters WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`)
        .all(params) as { id: number; received_at: number; client_id: string; topic: string; payload: Buffer }[];
      return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, clientId: r.client_id, topic: r.topic, payload: r.payload }));
    },
    /** The dead letter, not re-admitted yet, of exactly this message, if there is one. */
    pendingDeadLetterOf(topic: string, payload: Buffer): number | undefined {
      return db.prepare('SELECT id FROM dead_letters WHERE topic = ? AND payload = ? AND readmitted_at IS NULL ORDER BY id LIMIT 1').pluck().get(topic, payload) as number | undefined;
    },
    /** A dead letter went through ingest again and got in (readingId), or was already journaled (null). */
    markReadmitted(id: number, readingId: number | null, at: number): void {
      db.prepare('UPDATE dead_letters SET readmitted_at = ?, readmitted_reading_id = ? WHERE id = ?').run(at, readingId, id);
    },
    /** A community's readings with event time in [fromMs, toMs), in id order (arrival order: how the rules replay them). */
    readingsOfCommunity(communityId: string, fromMs: number, toMs: number): StoredReading[] {
      return (
        db
          .prepare('SELECT id, community_id, device_id, kind, seq, event_time, received_at, payload FROM readings WHERE community_id = ? AND event_time >= ? AND event_time < ? ORDER BY id')
          .all(communityId, fromMs, toMs) as ReadingRow[]
      ).map(readingFromRow);
    },
    readingById(id: number): StoredReading | undefined {
      const r = db.prepare('SELECT id, community_id, device_id, kind, seq, event_time, received_at, payload FROM readings WHERE id = ?').get(id) as ReadingRow | undefined;
      return r && readingFromRow(r);
    },
    countReadings: (): number => db.prepare('SELECT COUNT(*) FROM readings').pluck().get() as number,
    /**
     * Retention: raw readings older than the cut-off go; processed inbox rows go at once.
     * Community by community through the (community_id, event_time) index:
     * `WHERE event_time < ?` alone scanned the whole table (400 days of
     * readings) every hour on the ingest thread. At most `maxRows` per
     * community per call (`more`: call again), so one call never holds the
     * write lock and the thread for long; readings the rules processor has not
     * taken yet (after its checkpoint) are never pruned.
     */
    prune(readingsBefore: number, maxRows = Number.MAX_SAFE_INTEGER): { readings: number; inbox: number; more: boolean } {
      let readings = 0;
      let more = false;
      for (const communityId of communitiesWithReadings.all() as string[]) {
        const deleted = deleteOldReadings.run(communityId, readingsBefore, maxRows).changes;
        readings += deleted;
        if (deleted === maxRows) more = true;
      }
      const inbox = db.prepare('DELETE FROM inbox WHERE id <= (SELECT last_inbox_id FROM ingest_checkpoint WHERE id = 1)').run().changes;
      return { readings, inbox, more };
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;

/**
 * The durable outbox (tables in store migrations 0200 and 0500): lines wait in
 * SQLite until InfluxDB has them. A row names its target database (NULL: the
 * configured county database; else a company's, tenants.ts). Every method is
 * synchronous, so `enqueue` can run inside a caller's better-sqlite3
 * transaction together with the journal write: the reading and its points
 * commit (or roll back) together.
 */
import type { Db } from '../store/db.js';

export interface OutboxRow {
  id: number;
  line: string;
  enqueued_at: number;
  /** Database the row goes to; null = the configured (county) database. */
  target: string | null;
}

export interface OutboxEntry {
  line: string;
  target: string | null;
}

export interface Outbox {
  /** Appends entries in order. Throws on an empty line or one holding a newline (it would become two points). */
  enqueue(entries: readonly OutboxEntry[], now: number): void;
  /** The oldest `limit` waiting rows for `target` (null = county), in enqueue order. */
  peek(target: string | null, limit: number): OutboxRow[];
  /** Every target with rows waiting (null = county). */
  targets(): (string | null)[];
  /** Deletes rows InfluxDB acknowledged. */
  remove(rows: readonly OutboxRow[]): void;
  /** Moves rows InfluxDB refused for themselves to influx_rejected, with the reason. */
  reject(rows: readonly OutboxRow[], httpStatus: number, reason: string, now: number): void;
  depth(): number;
  /** enqueued_at of the oldest waiting row, or null when empty. */
  oldestEnqueuedAt(): number | null;
}

export function createOutbox(db: Db): Outbox {
  const insert = db.prepare('INSERT INTO influx_outbox (line, enqueued_at, target) VALUES (?, ?, ?)');
  const selectCounty = db.prepare('SELECT id, line, enqueued_at, target FROM influx_outbox WHERE target IS NULL ORDER BY id LIMIT ?');
  const selectTarget = db.prepare('SELECT id, line, enqueued_at, target FROM influx_outbox WHERE target = ? ORDER BY id LIMIT ?');
  // Walks the (target, id) index one target at a time, so a long backlog is not scanned.
  const distinctTargets = db
    .prepare(
      `WITH RECURSIVE t(target) AS (
         SELECT min(target) FROM influx_outbox
         UNION ALL
         SELECT (SELECT min(target) FROM influx_outbox WHERE target > t.target) FROM t WHERE t.target IS NOT NULL
       )
       SELECT target FROM t WHERE target IS NOT NULL`,
    )
    .pluck();
  const hasCounty = db.prepare('SELECT EXISTS (SELECT 1 FROM influx_outbox WHERE target IS NULL)').pluck();
  const del = db.prepare('DELETE FROM influx_outbox WHERE id = ?');
  const insertRejected = db.prepare(
    'INSERT INTO influx_rejected (outbox_id, line, enqueued_at, rejected_at, http_status, reason, target) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const count = db.prepare('SELECT count(*) FROM influx_outbox').pluck();
  const oldest = db.prepare('SELECT enqueued_at FROM influx_outbox ORDER BY id LIMIT 1').pluck();

  // Nested in a caller's transaction these become savepoints.
  const enqueueAll = db.transaction((entries: readonly OutboxEntry[], now: number) => {
    for (const e of entries) insert.run(e.line, now, e.target);
  });
  const removeAll = db.transaction((rows: readonly OutboxRow[]) => {
    for (const row of rows) del.run(row.id);
  });
  const rejectAll = db.transaction((rows: readonly OutboxRow[], httpStatus: number, reason: string, now: number) => {
    for (const row of rows) {
      insertRejected.run(row.id, row.line, row.enqueued_at, now, httpStatus, reason, row.target);
      del.run(row.id);
    }
  });

  return {
    enqueue(entries, now) {
      for (const { line } of entries) {
        if (line.length === 0 || /[\r\n]/.test(line)) throw new TypeError(`not one line of line protocol: ${JSON.stringify(line.slice(0, 200))}`);
      }
      enqueueAll(entries, now);
    },
    peek: (target, limit) => (target === null ? selectCounty.all(limit) : selectTarget.all(target, limit)) as OutboxRow[],
    targets: () => [...(hasCounty.get() === 1 ? [null] : []), ...(distinctTargets.all() as string[])],
    remove: (rows) => removeAll(rows),
    reject: (rows, httpStatus, reason, now) => rejectAll(rows, httpStatus, reason, now),
    depth: () => count.get() as number,
    oldestEnqueuedAt: () => (oldest.get() as number | undefined) ?? null,
  };
}

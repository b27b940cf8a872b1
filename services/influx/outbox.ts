/**
 * The durable outbox (tables in store migration 0200): lines wait in SQLite
 * until InfluxDB has them. Every method is synchronous, so `enqueue` can run
 * inside a caller's better-sqlite3 transaction together with the journal
 * write: the reading and its point commit (or roll back) together.
 */
import type { Db } from '../store/db.js';

export interface OutboxRow {
  id: number;
  line: string;
  enqueued_at: number;
}

export interface Outbox {
  /** Appends lines in order. Throws on an empty line or one holding a newline (it would become two points). */
  enqueue(lines: readonly string[], now: number): void;
  /** The oldest `limit` waiting rows, in enqueue order. */
  peek(limit: number): OutboxRow[];
  /** Deletes rows InfluxDB acknowledged. */
  remove(rows: readonly OutboxRow[]): void;
  /** Moves rows InfluxDB refused for themselves to influx_rejected, with the reason. */
  reject(rows: readonly OutboxRow[], httpStatus: number, reason: string, now: number): void;
  depth(): number;
  /** enqueued_at of the oldest waiting row, or null when empty. */
  oldestEnqueuedAt(): number | null;
}

export function createOutbox(db: Db): Outbox {
  const insert = db.prepare('INSERT INTO influx_outbox (line, enqueued_at) VALUES (?, ?)');
  const select = db.prepare('SELECT id, line, enqueued_at FROM influx_outbox ORDER BY id LIMIT ?');
  const del = db.prepare('DELETE FROM influx_outbox WHERE id = ?');
  const insertRejected = db.prepare(
    'INSERT INTO influx_rejected (outbox_id, line, enqueued_at, rejected_at, http_status, reason) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const count = db.prepare('SELECT count(*) FROM influx_outbox').pluck();
  const oldest = db.prepare('SELECT enqueued_at FROM influx_outbox ORDER BY id LIMIT 1').pluck();

  // Nested in a caller's transaction these become savepoints.
  const enqueueAll = db.transaction((lines: readonly string[], now: number) => {
    for (const line of lines) insert.run(line, now);
  });
  const removeAll = db.transaction((rows: readonly OutboxRow[]) => {
    for (const row of rows) del.run(row.id);
  });
  const rejectAll = db.transaction((rows: readonly OutboxRow[], httpStatus: number, reason: string, now: number) => {
    for (const row of rows) {
      insertRejected.run(row.id, row.line, row.enqueued_at, now, httpStatus, reason);
      del.run(row.id);
    }
  });

  return {
    enqueue(lines, now) {
      for (const line of lines) {
        if (line.length === 0 || /[\r\n]/.test(line)) throw new TypeError(`not one line of line protocol: ${JSON.stringify(line.slice(0, 200))}`);
      }
      enqueueAll(lines, now);
    },
    peek: (limit) => select.all(limit) as OutboxRow[],
    remove: (rows) => removeAll(rows),
    reject: (rows, httpStatus, reason, now) => rejectAll(rows, httpStatus, reason, now),
    depth: () => count.get() as number,
    oldestEnqueuedAt: () => (oldest.get() as number | undefined) ?? null,
  };
}

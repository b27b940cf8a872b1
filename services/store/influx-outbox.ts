/**
 * The durable outbox (tables in store migrations 0200, 0500 and 0510): lines
 * wait in SQLite until InfluxDB has them.
 *
 * - `influx_outbox` holds ONE row per point, whatever the number of
 *   databases it goes to: the county database always, and `target` (a
 *   company's database, influx/tenants.ts; NULL = the county's only) as well. It has
 *   no index but its primary key, so an enqueue is one plain row insert.
 * - `influx_outbox_tenant` holds company deliveries that could not be made
 *   with the batch (the company's database failed or was backing off, or
 *   already had rows waiting there). It is written only on that path and
 *   drained per target in id order (ids are the outbox ids, so enqueue order).
 *
 * Every method is synchronous, so `enqueue` can run inside a caller's
 * better-sqlite3 transaction together with the change it describes: the
 * change and its points commit (or roll back) together.
 *
 * Readings never enter influx_outbox: their processor (influx/readings.ts)
 * writes them from the journal and keeps its checkpoint, and only what it
 * could not deliver to a company database goes to influx_outbox_tenant, or to
 * influx_rejected (`commitProjected`). There a reading's `outbox_id` is
 * minus its journal id (`-readings.id`), so it cannot be taken for an outbox
 * row's.
 */
import type { Db } from './db.js';
import { prepareDistinctValues } from './distinct.js';

export interface OutboxRow {
  id: number;
  line: string;
  enqueued_at: number;
  /** influx_outbox: the company database the line ALSO goes to (null = county only). influx_outbox_tenant: the only database it still goes to. */
  target: string | null;
}

export interface TenantRow extends OutboxRow {
  target: string;
}

export interface Rejection {
  rows: readonly OutboxRow[];
  httpStatus: number;
  reason: string;
  /** Database that refused them; null = the county's. */
  target: string | null;
}

export interface Outbox {
  /**
   * Appends one row per line; `targets` is the company database of every line
   * (one value) or of each line (an array, in the order of `lines`). Throws on
   * an empty line or one holding a newline (it would become two points).
   */
  enqueue(lines: readonly string[], targets: string | null | readonly (string | null)[], now: number): void;
  /** The oldest `limit` rows of influx_outbox, in enqueue order. */
  peek(limit: number): OutboxRow[];
  /**
   * Settles rows of influx_outbox the county database has (landed or
   * refused), in one transaction: deletes them, queues `deferred` in
   * influx_outbox_tenant (their company delivery is still due) and records
   * `rejected` in influx_rejected.
   */
  settle(rows: readonly OutboxRow[], deferred: readonly OutboxRow[], rejected: readonly Rejection[], now: number): void;
  /** Whether `target` has rows waiting in influx_outbox_tenant. */
  hasDeferred(target: string): boolean;
  /** Every target with rows in influx_outbox_tenant. */
  deferredTargets(): string[];
  /** The oldest `limit` rows of influx_outbox_tenant for `target`, in enqueue order. */
  peekDeferred(target: string, limit: number): TenantRow[];
  /** Deletes rows of influx_outbox_tenant their database acknowledged. */
  removeDeferred(rows: readonly OutboxRow[]): void;
  /** Moves rows of influx_outbox_tenant their database refused for themselves to influx_rejected. */
  rejectDeferred(rows: readonly OutboxRow[], httpStatus: number, reason: string, now: number): void;
  /**
   * The readings processor's step, in one transaction: queues `deferred` (lines
   * of readings a company database did not take now) in influx_outbox_tenant
   * behind what waits there, records `rejected`, and runs `alsoInTransaction`
   * (the processor's checkpoint), so the checkpoint passes a reading exactly
   * when every database has its line or a durable queue holds it.
   */
  commitProjected(deferred: readonly { target: string; line: string }[], rejected: readonly Rejection[], now: number, alsoInTransaction: () => void): void;
  /** Deliveries waiting: one per database a waiting line still goes to. */
  depth(): number;
  /** enqueued_at of the oldest waiting row (either table), or null when both are empty. */
  oldestEnqueuedAt(): number | null;
}

export function createOutbox(db: Db): Outbox {
  const insert = db.prepare('INSERT INTO influx_outbox (line, enqueued_at, target) VALUES (?, ?, ?)');
  const select = db.prepare('SELECT id, line, enqueued_at, target FROM influx_outbox ORDER BY id LIMIT ?');
  const del = db.prepare('DELETE FROM influx_outbox WHERE id = ?');
  const insertDeferred = db.prepare('INSERT INTO influx_outbox_tenant (id, target, line, enqueued_at) VALUES (?, ?, ?, ?)');
  const selectDeferred = db.prepare('SELECT id, line, enqueued_at, target FROM influx_outbox_tenant WHERE target = ? ORDER BY id LIMIT ?');
  const hasDeferred = db.prepare('SELECT EXISTS (SELECT 1 FROM influx_outbox_tenant WHERE target = ?)').pluck();
  const delDeferred = db.prepare('DELETE FROM influx_outbox_tenant WHERE id = ?');
  // One seek per target in the (target, id) index, so a long backlog is not scanned.
  const distinctDeferred = prepareDistinctValues(db, 'influx_outbox_tenant', 'target');
  const insertRejected = db.prepare(
    'INSERT INTO influx_rejected (outbox_id, line, enqueued_at, rejected_at, http_status, reason, target) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // count(target): the rows that also go to a company database.
  // influx_outbox_tenant's ids are outbox ids (enqueue order): a deferred reading takes the next ones
  // from influx_outbox's AUTOINCREMENT counter (a row of sqlite_sequence, ordinary SQL), so no later
  // outbox row can take them.
  const reserveIds = db.prepare("UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'influx_outbox' RETURNING seq").pluck();
  const firstSequence = db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('influx_outbox', ?)");
  const count = db.prepare('SELECT (SELECT count(*) + count(target) FROM influx_outbox) + (SELECT count(*) FROM influx_outbox_tenant)').pluck();
  const oldest = db
    .prepare(
      `SELECT min(e) FROM (SELECT (SELECT enqueued_at FROM influx_outbox ORDER BY id LIMIT 1) AS e
                           UNION ALL SELECT min(enqueued_at) FROM influx_outbox_tenant)`,
    )
    .pluck();

  // Nested in a caller's transaction this becomes a savepoint (only for more than one line).
  const enqueueAll = db.transaction((lines: readonly string[], targets: string | null | readonly (string | null)[], now: number) => {
    if (Array.isArray(targets)) lines.forEach((line, i) => insert.run(line, now, (targets as readonly (string | null)[])[i] ?? null));
    else for (const line of lines) insert.run(line, now, targets as string | null);
  });
  const settleAll = db.transaction((rows: readonly OutboxRow[], deferred: readonly OutboxRow[], rejected: readonly Rejection[], now: number) => {
    for (const r of deferred) insertDeferred.run(r.id, r.target, r.line, r.enqueued_at);
    for (const j of rejected) for (const r of j.rows) insertRejected.run(r.id, r.line, r.enqueued_at, now, j.httpStatus, j.reason, j.target);
    for (const r of rows) del.run(r.id);
  });
  const removeDeferredAll = db.transaction((rows: readonly OutboxRow[]) => {
    for (const r of rows) delDeferred.run(r.id);
  });
  const rejectDeferredAll = db.transaction((rows: readonly OutboxRow[], httpStatus: number, reason: string, now: number) => {
    for (const r of rows) {
      insertRejected.run(r.id, r.line, r.enqueued_at, now, httpStatus, reason, r.target);
      delDeferred.run(r.id);
    }
  });

  const commitProjectedAll = db.transaction(
    (deferred: readonly { target: string; line: string }[], rejected: readonly Rejection[], now: number, alsoInTransaction: () => void) => {
      if (deferred.length > 0) {
        let last = reserveIds.get(deferred.length) as number | undefined;
        if (last === undefined) firstSequence.run((last = deferred.length));
        let id = last - deferred.length;
        for (const d of deferred) insertDeferred.run(++id, d.target, d.line, now);
      }
      for (const j of rejected) for (const r of j.rows) insertRejected.run(r.id, r.line, r.enqueued_at, now, j.httpStatus, j.reason, j.target);
      alsoInTransaction();
    },
  );

  function check(line: string): void {
    if (line.length === 0 || line.includes('\n') || line.includes('\r')) {
      throw new TypeError(`not one line of line protocol: ${JSON.stringify(line.slice(0, 200))}`);
    }
  }

  return {
    enqueue(lines, targets, now) {
      for (const line of lines) check(line);
      // One row needs no savepoint: a single INSERT is atomic on its own.
      if (lines.length === 1) insert.run(lines[0], now, Array.isArray(targets) ? (targets[0] ?? null) : targets);
      else if (lines.length > 1) enqueueAll(lines, targets, now);
    },
    peek: (limit) => select.all(limit) as OutboxRow[],
    settle: (rows, deferred, rejected, now) => settleAll(rows, deferred, rejected, now),
    hasDeferred: (target) => hasDeferred.get(target) === 1,
    deferredTargets: () => distinctDeferred.all() as string[],
    peekDeferred: (target, limit) => selectDeferred.all(target, limit) as TenantRow[],
    removeDeferred: (rows) => removeDeferredAll(rows),
    rejectDeferred: (rows, httpStatus, reason, now) => rejectDeferredAll(rows, httpStatus, reason, now),
    commitProjected: (deferred, rejected, now, alsoInTransaction) => commitProjectedAll(deferred, rejected, now, alsoInTransaction),
    depth: () => count.get() as number,
    oldestEnqueuedAt: () => (oldest.get() as number | null | undefined) ?? null,
  };
}

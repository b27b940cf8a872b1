/**
 * The inbox: raw MQTT messages appended with group commit. The broker calls
 * append() from authorizePublish and acknowledges (PUBACK) only when the
 * callback fires, i.e. after the row is committed; so an acknowledged reading
 * survives kill -9. Many messages share one commit to keep this cheap.
 */
import type { Db } from './db.js';

export interface InboxRow {
  id: number;
  receivedAt: number;
  clientId: string;
  topic: string;
  payload: Buffer;
  qos: number;
}

type Pending = { row: Omit<InboxRow, 'id'>; done: (err: Error | null) => void };

export interface InboxOptions {
  maxBatch: number;
  /** Called with the committed rows, in id order, after every commit. */
  onCommitted: (rows: InboxRow[]) => void;
  onBatch?: (size: number) => void;
  now?: () => number;
}

export function createInbox(db: Db, options: InboxOptions) {
  const insert = db.prepare('INSERT INTO inbox (received_at, client_id, topic, payload, qos) VALUES (?, ?, ?, ?, ?)');
  const insertAll = db.transaction((batch: Pending[]) =>
    batch.map(({ row }) => ({ ...row, id: Number(insert.run(row.receivedAt, row.clientId, row.topic, row.payload, row.qos).lastInsertRowid) })),
  );
  const now = options.now ?? Date.now;
  let pending: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    let rows: InboxRow[];
    try {
      rows = insertAll(batch);
    } catch (err) {
      // Nothing of this batch is stored: no PUBACK, the devices will resend.
      for (const p of batch) p.done(err as Error);
      return;
    }
    options.onBatch?.(batch.length);
    for (const p of batch) p.done(null);
    options.onCommitted(rows);
  }

  return {
    append(clientId: string, topic: string, payload: Buffer, qos: number, done: (err: Error | null) => void): void {
      pending.push({ row: { receivedAt: now(), clientId, topic, payload, qos }, done });
      if (pending.length >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        // setImmediate runs after this loop iteration's I/O callbacks, so every
        // message read from every socket in this iteration shares one commit.
        setImmediate(flush);
      }
    },
    flush,
    /** Rows committed but not yet processed by ingest (after a crash). */
    unprocessed(afterId: number, limit = 5000): InboxRow[] {
      return (
        db
          .prepare('SELECT id, received_at, client_id, topic, payload, qos FROM inbox WHERE id > ? ORDER BY id LIMIT ?')
          .all(afterId, limit) as { id: number; received_at: number; client_id: string; topic: string; payload: Buffer; qos: number }[]
      ).map((r) => ({ id: r.id, receivedAt: r.received_at, clientId: r.client_id, topic: r.topic, payload: r.payload, qos: r.qos }));
    },
    pendingCount: () => pending.length,
  };
}

export type Inbox = ReturnType<typeof createInbox>;

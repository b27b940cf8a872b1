/**
 * Intake: where the broker hands over device messages. Messages that arrive
 * in the same turn of the event loop are processed together in ONE SQLite
 * transaction (journal, rules, alarms, outboxes: see pipeline.ts), and each
 * message's callback fires only after that transaction committed. The broker
 * answers QoS 1 with PUBACK from that callback, so an acknowledged reading is
 * already journaled and survives kill -9.
 *
 * Earlier versions first appended every raw message to an `inbox` table and
 * journaled it in a second transaction: two inserts and two commits per
 * message plus an hourly DELETE of the processed rows. The bench profile put
 * that at a third of the SQLite time; a message now costs one insert.
 */
import type { InboxRow } from '../store/inbox.js';

/** A device message as received (before decoding). */
export type IncomingMessage = Omit<InboxRow, 'id'>;

export interface Intake {
  /** Queues a message; `done` is called after the transaction that processed it committed, or with its error. */
  append(clientId: string, topic: string, payload: Buffer, qos: number, done: (err: Error | null) => void): void;
  /** Processes what is queued now (tests, shutdown). */
  flush(): void;
  pendingCount(): number;
}

export interface IntakeOptions {
  maxBatch: number;
  /** Processes the batch in one transaction; throws when nothing of it was committed. */
  process: (messages: IncomingMessage[]) => void;
  onBatch?: (size: number) => void;
  now?: () => number;
}

type Pending = { message: IncomingMessage; done: (err: Error | null) => void };

export function createIntake(options: IntakeOptions): Intake {
  const now = options.now ?? Date.now;
  let pending: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      options.process(batch.map((p) => p.message));
    } catch (err) {
      // Nothing of this batch is stored: no PUBACK, the devices will resend.
      for (const p of batch) p.done(err as Error);
      return;
    }
    options.onBatch?.(batch.length);
    for (const p of batch) p.done(null);
  }

  return {
    append(clientId, topic, payload, qos, done) {
      pending.push({ message: { receivedAt: now(), clientId, topic, payload, qos }, done });
      if (pending.length >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        // setImmediate runs after this loop iteration's I/O callbacks, so every
        // message read from every socket in this iteration shares one commit.
        setImmediate(flush);
      }
    },
    flush,
    pendingCount: () => pending.length,
  };
}

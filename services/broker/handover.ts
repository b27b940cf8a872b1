/**
 * The broker thread's side of the handover to ingest: device messages go to
 * the main thread in batches (ingest commits each in one SQLite transaction),
 * and each message's callback fires when the main thread answers that its
 * batch committed, or failed. aedes completes a packet (QoS 1: PUBACK) from
 * that callback.
 *
 * Group commit across threads: at most `maxInFlight` batches are unanswered;
 * what arrives meanwhile waits and goes as the next batch. Idle, a message
 * goes at the end of the loop turn it arrived in; under load batches grow to
 * what arrived during one commit. (One batch per turn of this thread's loop,
 * which is never busy, made batches of a few messages and a commit each: the
 * commits then cost more than the readings.)
 *
 * A batch the main thread could not commit for the infrastructure's sake (a
 * locked database, a full disk: `retry`) is not answered to aedes: it goes
 * back to the head of the queue and is sent again after a backoff (50 ms
 * doubling to 2 s), with its own number, before anything newer. Until one
 * commits, one batch at a time is in flight, so batches commit in the order
 * they were sent (the main thread holds back any batch numbered after one
 * that failed, broker/thread.ts). The device is not asked to resend: an MQTT
 * 3.1.1 client resends an unacknowledged QoS 1 PUBLISH only after it
 * reconnects [MQTT-4.4.0-1]. Meanwhile its connection is not read (its
 * packets have not completed), and QoS 0 from others is shed once the backlog
 * grows (worker.ts, intakeBacklogged).
 */
import type { WireMessage } from './thread-protocol.js';

type Done = (err: Error | null) => void;
type Item = { message: WireMessage; done: Done };

export interface HandoverOptions {
  /** Most messages in one batch. */
  maxBatch: number;
  /** Most batches sent and not yet answered (2: the main thread never waits for the next one). */
  maxInFlight?: number;
  send: (batch: number, messages: WireMessage[]) => void;
  now?: () => number;
  /** Wait before a failed batch is sent again: `firstMs`, doubling per failure up to `maxMs`. */
  retry?: { firstMs: number; maxMs: number };
}

export const DEFAULT_RETRY = { firstMs: 50, maxMs: 2000 } as const;

export function createHandover(options: HandoverOptions) {
  const now = options.now ?? Date.now;
  const retryMs = options.retry ?? DEFAULT_RETRY;
  let pending: Item[] = [];
  /** Batches to send again, by number: each keeps the number it was first sent with. */
  const retrying: { batch: number; items: Item[] }[] = [];
  let scheduled = false;
  let nextBatch = 1;
  /** Batches sent and not yet answered. */
  const inFlight = new Map<number, Item[]>();
  /** Since a batch failed and until one commits: one batch in flight at a time. */
  let recovering = false;
  let backoffMs: number = retryMs.firstMs;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const maxInFlight = options.maxInFlight ?? 2;
  const limit = () => (recovering ? 1 : maxInFlight);

  function sendBatch(batch: number, items: Item[]): void {
    inFlight.set(batch, items);
    options.send(batch, items.map((i) => i.message));
  }

  function flush(): void {
    scheduled = false;
    // Waiting out a backoff, or stopped: nothing goes.
    if (retryTimer !== undefined || closed) return;
    while (retrying.length > 0 && inFlight.size < limit()) {
      const { batch, items } = retrying.shift()!;
      sendBatch(batch, items);
    }
    while (pending.length > 0 && inFlight.size < limit()) {
      const items = pending.length > options.maxBatch ? pending.splice(0, options.maxBatch) : pending;
      if (items === pending) pending = [];
      sendBatch(nextBatch++, items);
    }
  }

  /** Back to the head of the queue, in the order first sent, and sent again after the backoff. */
  function requeue(batch: number, items: Item[]): void {
    let at = retrying.findIndex((r) => r.batch > batch);
    if (at < 0) at = retrying.length;
    retrying.splice(at, 0, { batch, items });
    recovering = true;
    if (retryTimer !== undefined || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      flush();
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, retryMs.maxMs);
  }

  return {
    append(clientId: string, topic: string, payload: Buffer, qos: number, done: Done): void {
      // A copy of its own: the packet's buffer may be a view of a larger socket chunk.
      pending.push({ message: { receivedAt: now(), clientId, topic, payload: new Uint8Array(payload), qos }, done });
      if (!scheduled && inFlight.size < limit() && retryTimer === undefined) {
        scheduled = true;
        // After this turn's I/O callbacks: every message read in it, from every connection, shares the batch.
        setImmediate(flush);
      }
    },
    /**
     * The main thread's answer for a batch: committed; or failed with `error`, nothing of it committed.
     * `retry` (the infrastructure failed, not the data): sent again later, nobody is answered now.
     * Otherwise every message of it completes with the error (aedes then closes the connection).
     */
    settled(batch: number, error?: string, retry = false): void {
      const items = inFlight.get(batch);
      if (!items) return;
      inFlight.delete(batch);
      if (error !== undefined && retry) return requeue(batch, items);
      if (error === undefined) {
        recovering = false;
        backoffMs = retryMs.firstMs;
      }
      const err = error === undefined ? null : new Error(error);
      for (const { done } of items) done(err);
      // What waited while the batch was committed goes now.
      flush();
    },
    /** Messages waiting for their batch to be sent, sent again or answered. */
    waiting(): number {
      let n = pending.length;
      for (const r of retrying) n += r.items.length;
      for (const items of inFlight.values()) n += items.length;
      return n;
    },
    /** Stops sending (the thread is ending): a pending backoff is cancelled, nobody is answered. */
    close(): void {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}

export type Handover = ReturnType<typeof createHandover>;

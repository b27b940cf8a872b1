/**
 * The broker thread's side of the handover to ingest: every device message
 * received in one turn of the broker's event loop goes to the main thread as
 * one batch (ingest commits it in one SQLite transaction), and each message's
 * callback fires when the main thread answers that its batch committed, or
 * failed. aedes completes a packet (QoS 1: PUBACK) from that callback.
 */
import type { WireMessage } from './thread-protocol.js';

type Done = (err: Error | null) => void;

export interface HandoverOptions {
  /** Most messages in one batch. */
  maxBatch: number;
  send: (batch: number, messages: WireMessage[]) => void;
  now?: () => number;
  clock?: () => number;
}

export function createHandover(options: HandoverOptions) {
  const now = options.now ?? Date.now;
  const clock = options.clock ?? (() => performance.now());
  let pending: { message: WireMessage; done: Done }[] = [];
  let scheduled = false;
  let nextBatch = 1;
  /** Batches sent and not yet answered, oldest first (Map keeps insertion order). */
  const inFlight = new Map<number, { dones: Done[]; sentAt: number }>();

  function flush(): void {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = nextBatch++;
    const items = pending;
    pending = [];
    inFlight.set(batch, { dones: items.map((i) => i.done), sentAt: clock() });
    options.send(batch, items.map((i) => i.message));
  }

  return {
    append(clientId: string, topic: string, payload: Buffer, qos: number, done: Done): void {
      // A copy of its own: the packet's buffer may be a view of a larger socket chunk.
      pending.push({ message: { receivedAt: now(), clientId, topic, payload: new Uint8Array(payload), qos }, done });
      if (pending.length >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        // After this turn's I/O callbacks: every message read in it, from every connection, shares the batch.
        setImmediate(flush);
      }
    },
    /** The main thread's answer for a batch: committed, or failed with `error` (then nothing of it is acknowledged). */
    settled(batch: number, error?: string): void {
      const entry = inFlight.get(batch);
      if (!entry) return;
      inFlight.delete(batch);
      const err = error === undefined ? null : new Error(error);
      for (const done of entry.dones) done(err);
    },
    /** How long the oldest unanswered batch has waited (ms); 0 when none. */
    lagMs(): number {
      for (const { sentAt } of inFlight.values()) return clock() - sentAt;
      return 0;
    },
    /** Messages waiting for their batch to be sent or answered. */
    waiting(): number {
      let n = pending.length;
      for (const { dones } of inFlight.values()) n += dones.length;
      return n;
    },
  };
}

export type Handover = ReturnType<typeof createHandover>;

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
 */
import type { WireMessage } from './thread-protocol.js';

type Done = (err: Error | null) => void;

export interface HandoverOptions {
  /** Most messages in one batch. */
  maxBatch: number;
  /** Most batches sent and not yet answered (2: the main thread never waits for the next one). */
  maxInFlight?: number;
  send: (batch: number, messages: WireMessage[]) => void;
  now?: () => number;
}

export function createHandover(options: HandoverOptions) {
  const now = options.now ?? Date.now;
  let pending: { message: WireMessage; done: Done }[] = [];
  let scheduled = false;
  let nextBatch = 1;
  /** Batches sent and not yet answered. */
  const inFlight = new Map<number, Done[]>();

  const maxInFlight = options.maxInFlight ?? 2;

  function flush(): void {
    scheduled = false;
    while (pending.length > 0 && inFlight.size < maxInFlight) {
      const batch = nextBatch++;
      const items = pending.length > options.maxBatch ? pending.splice(0, options.maxBatch) : pending;
      if (items === pending) pending = [];
      inFlight.set(batch, items.map((i) => i.done));
      options.send(batch, items.map((i) => i.message));
    }
  }

  return {
    append(clientId: string, topic: string, payload: Buffer, qos: number, done: Done): void {
      // A copy of its own: the packet's buffer may be a view of a larger socket chunk.
      pending.push({ message: { receivedAt: now(), clientId, topic, payload: new Uint8Array(payload), qos }, done });
      if (!scheduled && inFlight.size < maxInFlight) {
        scheduled = true;
        // After this turn's I/O callbacks: every message read in it, from every connection, shares the batch.
        setImmediate(flush);
      }
    },
    /** The main thread's answer for a batch: committed, or failed with `error` (then nothing of it is acknowledged). */
    settled(batch: number, error?: string): void {
      const dones = inFlight.get(batch);
      if (!dones) return;
      inFlight.delete(batch);
      const err = error === undefined ? null : new Error(error);
      for (const done of dones) done(err);
      // What waited while the batch was committed goes now.
      flush();
    },
    /** Messages waiting for their batch to be sent or answered. */
    waiting(): number {
      let n = pending.length;
      for (const dones of inFlight.values()) n += dones.length;
      return n;
    },
  };
}

export type Handover = ReturnType<typeof createHandover>;

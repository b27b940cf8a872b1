/**
 * The inbox table: raw MQTT messages that versions before the single-commit
 * intake (services/ingest/intake.ts) committed before their PUBACK and
 * journaled in a second step. Nothing writes it any more; at start the rows a
 * crash of such a version left unprocessed (above ingest's checkpoint) are
 * processed once, in id order, and retention deletes them.
 */
import type { ReceivedMessage } from '../domain/received-message.js';
import type { Db } from './db.js';

export interface InboxRow extends ReceivedMessage {
  id: number;
}

export function createLegacyInbox(db: Db) {
  const select = db.prepare('SELECT id, received_at, client_id, topic, payload, qos FROM inbox WHERE id > ? ORDER BY id LIMIT ?');
  return {
    /** Rows committed but not yet processed by ingest (left by a crash of an earlier version). */
    unprocessed(afterId: number, limit = 5000): InboxRow[] {
      return (select.all(afterId, limit) as { id: number; received_at: number; client_id: string; topic: string; payload: Buffer; qos: number }[]).map((r) => ({
        id: r.id, receivedAt: r.received_at, clientId: r.client_id, topic: r.topic, payload: r.payload, qos: r.qos,
      }));
    },
  };
}

export type LegacyInbox = ReturnType<typeof createLegacyInbox>;

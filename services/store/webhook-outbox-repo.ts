/**
 * The webhook_outbox table behind notify/webhook-outbox.ts: one row per call
 * waiting for delivery. insert() is a plain synchronous statement, so it joins
 * the caller's transaction.
 */
import type { Db } from './db.js';

export interface WebhookRow { id: number; channel: string; body: string; attempts: number }

/** `channels`: only rows of these are ever due (a channel not configured any more keeps its rows waiting). */
export function createWebhookOutboxRepo(db: Db, channels: readonly string[]) {
  const insert = db.prepare('INSERT INTO webhook_outbox (channel, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?)');
  const due = db.prepare(
    `SELECT id, channel, body, attempts FROM webhook_outbox WHERE next_attempt_at <= ? AND channel IN (${channels.map(() => '?').join(',') || "''"}) ORDER BY id LIMIT 50`,
  );
  const done = db.prepare('DELETE FROM webhook_outbox WHERE id = ?');
  const retry = db.prepare('UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?');
  const pendingOf = db.prepare('SELECT COUNT(*) FROM webhook_outbox WHERE channel = ?').pluck();
  const pendingAll = db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck();
  return {
    insert: (channel: string, body: string, now: number): void => void insert.run(channel, body, now, now),
    /** Up to 50 due rows of the configured channels, in id order. */
    due: (now: number): WebhookRow[] => due.all(now, ...channels) as WebhookRow[],
    delivered: (id: number): void => void done.run(id),
    retryAt: (id: number, at: number, error: string): void => void retry.run(at, error, id),
    pending: (channel?: string): number => (channel === undefined ? pendingAll.get() : pendingOf.get(channel)) as number,
  };
}

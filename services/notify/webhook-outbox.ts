/**
 * A durable queue of webhook calls with retry. enqueue() is a synchronous
 * insert, so callers put it in the same SQLite transaction as the change it
 * announces; a delivery loop POSTs due rows and deletes them on success.
 * A receiver that is down only delays messages.
 */
import { createHmac } from 'node:crypto';
import type { Db } from '../store/db.js';
import { createWebhookOutboxRepo, type WebhookRow } from '../store/webhook-outbox-repo.js';
import type { Logger } from '../observability/logger.js';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface WebhookTarget {
  url: string;
  /** DingTalk robots with 加签 (signing) need the secret; others ignore it. */
  dingtalkSecret?: string;
}

export interface WebhookOutboxDeps {
  db: Db;
  logger: Logger;
  registry: Registry;
  targets: Partial<Record<string, WebhookTarget>>;
  timeoutMs?: number;
  maxBackoffMs?: number;
  pollMs?: number;
  now?: () => number;
}


/** Webhook calls in flight at once. */
const DELIVER_AT_ONCE = 8;

/** DingTalk signing: timestamp + HMAC-SHA256 of "timestamp\nsecret", as query parameters. */
export function signedUrl(target: WebhookTarget, now: number): string {
  if (!target.dingtalkSecret) return target.url;
  const sign = createHmac('sha256', target.dingtalkSecret).update(`${now}\n${target.dingtalkSecret}`).digest('base64');
  const sep = target.url.includes('?') ? '&' : '?';
  return `${target.url}${sep}timestamp=${now}&sign=${encodeURIComponent(sign)}`;
}

/** WeCom and DingTalk answer HTTP 200 with errcode != 0 when they refuse a message. */
function refusal(status: number, text: string): string | null {
  if (status < 200 || status >= 300) return `HTTP ${status}: ${text.slice(0, 200)}`;
  try {
    const body = JSON.parse(text) as { errcode?: number; errmsg?: string };
    if (typeof body.errcode === 'number' && body.errcode !== 0) return `errcode ${body.errcode}: ${body.errmsg ?? ''}`;
  } catch {
    // a plain 2xx without JSON is a success
  }
  return null;
}

export function createWebhookOutbox(deps: WebhookOutboxDeps) {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'webhooks' });
  const timeoutMs = deps.timeoutMs ?? 5000;
  const maxBackoffMs = deps.maxBackoffMs ?? 600_000;
  // Only configured channels are due: a row for a channel not configured any
  // more waits (it is kept) instead of spinning the loop.
  const channels = Object.keys(deps.targets).filter((c) => deps.targets[c]);
  const rows = createWebhookOutboxRepo(deps.db, channels);
  const pendingGauge = new Gauge({ name: 'gatewatch_webhook_pending', help: 'Webhook calls waiting for delivery', registers: [deps.registry], labelNames: ['channel'] });
  const delivered = new Counter({ name: 'gatewatch_webhook_delivered_total', help: 'Webhook calls accepted by the receiver', registers: [deps.registry], labelNames: ['channel'] });
  const failures = new Counter({ name: 'gatewatch_webhook_failures_total', help: 'Failed webhook attempts (retried)', registers: [deps.registry], labelNames: ['channel'] });

  async function deliver(row: WebhookRow): Promise<void> {
    const target = deps.targets[row.channel]!;
    let error: string | null;
    try {
      const res = await fetch(signedUrl(target, now()), {
        method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: row.body, signal: AbortSignal.timeout(timeoutMs),
      });
      error = refusal(res.status, await res.text());
    } catch (err) {
      error = (err as Error).message;
    }
    if (!error) {
      rows.delivered(row.id);
      delivered.inc({ channel: row.channel });
      return;
    }
    failures.inc({ channel: row.channel });
    const backoff = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(row.attempts, 20)) * (0.5 + Math.random() / 2);
    rows.retryAt(row.id, now() + Math.round(backoff), error);
    log.warn({ channel: row.channel, id: row.id, attempts: row.attempts + 1, error }, 'webhook delivery failed; will retry');
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function drain(): Promise<void> {
    // Delivered rows are deleted and failed ones rescheduled, so each pass takes new rows.
    // A few calls at a time: one at a time, each call waits for several turns of
    // an event loop that is busy with ingest, and alarms queued up behind each other
    // (seconds at 10k readings/s in bench/). Each row is still deleted only on success.
    for (let batch = rows.due(now()); batch.length > 0; batch = rows.due(now())) {
      for (let i = 0; i < batch.length; i += DELIVER_AT_ONCE) await Promise.all(batch.slice(i, i + DELIVER_AT_ONCE).map(deliver));
    }
    for (const channel of channels) pendingGauge.set({ channel }, rows.pending(channel));
  }

  function kick(): void {
    // A database busy or full while marking a row (another connection's lock: store/errors.ts) ends this pass; the
    // row is still queued and the next kick tries again. Uncaught, the rejection would end the process.
    if (!running) running = drain().catch((err: unknown) => log.warn({ err }, 'webhook pass stopped; will retry')).finally(() => (running = undefined));
  }

  return {
    configured: (channel: string): boolean => deps.targets[channel] !== undefined,
    /** Queue a call; synchronous, so it joins the caller's transaction. */
    enqueue(channel: string, body: unknown): void {
      if (!deps.targets[channel]) return;
      rows.insert(channel, JSON.stringify(body), now());
      setImmediate(kick);
    },
    start(): void {
      timer = setInterval(kick, deps.pollMs ?? 1000);
      timer.unref();
      kick();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await running;
    },
    pending: (): number => rows.pending(),
  };
}

export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>;

/**
 * The broker's limits as small, clock-injected parts: a per-device token
 * bucket, an event-loop lag monitor (the overload signal), and the reporter
 * that counts every limit hit and logs it without flooding the log.
 */
import type { Logger } from '../observability/logger.js';
import type { BrokerMetrics } from './metrics.js';

export interface BrokerLimits {
  /** Largest MQTT packet accepted on the wire; a larger one closes the connection. */
  maxPacketBytes: number;
  /** Payloads above this are stored and acknowledged, and ingest dead-letters them. */
  maxPayloadBytes: number;
  /** Sustained messages per second per device. */
  ratePerDevice: number;
  /** Messages a device may send at once (a backlog after an outage). */
  burstPerDevice: number;
  /** Open connections on all MQTT listeners together. */
  maxConnections: number;
  /** Live connections per device; one more takes over the oldest. */
  maxConnectionsPerDevice: number;
  /** Event-loop lag (ms) above which QoS 0 messages are shed. 0 = never. */
  overloadLagMs: number;
}

/** A QoS 1 message that would wait longer than this closes the connection instead (no PUBACK). */
export const MAX_RATE_DELAY_MS = 30_000;

/**
 * Token bucket: `rate` tokens per second, at most `burst`. QoS 0 needs a whole
 * token (tryTake); QoS 1 reserves one even into debt and learns how long to
 * wait for it (reserve), so an over-rate device is slowed, never dropped.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
  }

  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes a token, possibly into debt; returns the ms until that token exists (0 = now). */
  reserve(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }

  /** Gives back a reservation that was not used (the message was refused). */
  refund(): void {
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }
}

/**
 * Overload signal: how late a short timer fires. When the event loop is busy
 * with a flood, timers, HTTP and well-behaved devices all wait; above the
 * threshold the broker sheds QoS 0 (cheap to drop, never acknowledged) so the
 * loop's time goes to acknowledged traffic. While `active()` is false (no MQTT
 * connection open) lag is measured but never counts as overload: start-up work
 * blocking the loop before any device is connected is not a flood.
 */
export function createLagMonitor(
  thresholdMs: number,
  onChange: (overloaded: boolean, lagMs: number) => void,
  intervalMs = 50,
  active: () => boolean = () => true,
  /** Another overload than this loop's lag: more messages wait for ingest than it can take at once. */
  alsoOverloaded: () => boolean = () => false,
) {
  let overloaded = false;
  let lagMs = 0;
  let expected = performance.now() + intervalMs;
  const timer = setInterval(() => {
    const t = performance.now();
    lagMs = Math.max(0, t - expected);
    expected = t + intervalMs;
    const lagging = overloaded ? lagMs > thresholdMs / 2 : lagMs > thresholdMs;
    const next = thresholdMs > 0 && active() && (lagging || alsoOverloaded());
    if (next !== overloaded) {
      overloaded = next;
      onChange(overloaded, lagMs);
    }
  }, intervalMs);
  timer.unref();
  return {
    overloaded: () => overloaded,
    lagMs: () => lagMs,
    stop: () => clearInterval(timer),
  };
}

export type LimitName = 'packet_size' | 'payload_size' | 'rate' | 'device_connections' | 'total_connections' | 'client_id' | 'overload';
export type LimitAction = 'closed' | 'dead_lettered' | 'delayed' | 'shed' | 'taken_over' | 'refused';

const LOG_EVERY_MS = 10_000;

/** Counts every hit; logs the first per (limit, who) and then at most every 10 s with the count in between. */
export function createLimitReporter(metrics: BrokerMetrics, logger: Logger, now: () => number = Date.now) {
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  return {
    hit(limit: LimitName, action: LimitAction, fields: Record<string, unknown> = {}): void {
      metrics.limitHits.inc({ limit, action });
      if (action === 'shed') metrics.shed.inc({ reason: limit });
      const key = `${limit}\u0000${action}\u0000${String(fields.deviceId ?? fields.service ?? '')}`;
      const t = now();
      const entry = lastLogged.get(key);
      if (entry && t - entry.at < LOG_EVERY_MS) {
        entry.suppressed++;
        return;
      }
      logger.warn({ limit, action, ...fields, repeatsSinceLastLog: entry?.suppressed ?? 0 }, `mqtt limit hit: ${limit} (${action})`);
      lastLogged.set(key, { at: t, suppressed: 0 });
    },
    /** Forgets quiet keys so the map stays as small as the set of misbehaving devices. */
    prune(): void {
      const t = now();
      for (const [key, entry] of lastLogged) if (t - entry.at > 6 * LOG_EVERY_MS) lastLogged.delete(key);
    },
  };
}

export type LimitReporter = ReturnType<typeof createLimitReporter>;

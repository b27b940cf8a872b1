/**
 * Plays messages over MQTT, each from its own device connection (username =
 * device id, password = its secret), QoS 1 by default.
 * - fast: a whole day in seconds: event times from the scenario, sent in list
 *   order as fast as the broker acknowledges, up to `window` unacknowledged.
 *   One connection per device keeps each device's messages in order.
 * - live: real time: each message waits for its send time on the wall clock
 *   and its event time is the moment it is sent.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { TOPIC_ROOT, TOPIC_VERSION } from '../schemas/src/topics.js';
import { isRaw, type SimMessage } from './messages.js';
import { silentProgress, type Progress } from './progress.js';

export interface Connections {
  get(deviceId: string): MqttClient;
  close(): Promise<void>;
}

/** Connect each device with its own credentials, a few at a time (the broker hashes secrets on purpose slowly). */
export async function connectDevices(mqttUrl: string, deviceIds: Iterable<string>, secrets: ReadonlyMap<string, string>, concurrency = 16): Promise<Connections> {
  const ids = [...new Set(deviceIds)];
  const clients = new Map<string, MqttClient>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const secret = secrets.get(id);
      if (secret === undefined) throw new Error(`no secret for device ${id}; provision it first`);
      try {
        const client = await mqtt.connectAsync(mqttUrl, { username: id, password: secret, clientId: id, protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 10_000 }, false);
        clients.set(id, client);
      } catch (err) {
        throw new Error(`device ${id} could not connect to ${mqttUrl}: ${(err as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  } catch (err) {
    await Promise.all([...clients.values()].map((c) => c.endAsync(true).catch(() => {})));
    throw err;
  }
  return {
    get(deviceId) {
      const c = clients.get(deviceId);
      if (!c) throw new Error(`device ${deviceId} is not connected`);
      return c;
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.endAsync().catch(() => {})));
    },
  };
}

export const topicOf = (m: SimMessage): string => `${TOPIC_ROOT}/${TOPIC_VERSION}/${m.communityId}/${m.deviceId}/${m.kind}`;

/** Shift an ISO 8601 time by deltaMs, keeping its written offset. */
export function shiftIso(iso: string, deltaMs: number): string {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(iso);
  const offMin = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const local = new Date(Date.parse(iso) + deltaMs + offMin * 60_000).toISOString().slice(0, 19);
  return `${local}${m ? m[0] : 'Z'}`;
}

/** The payload to send; in live mode event times move by deltaMs (ts, and startedAt of sessions). */
export function payloadOf(m: SimMessage, deltaMs = 0): string {
  if (isRaw(m)) return m.rawPayload;
  if (deltaMs === 0) return JSON.stringify(m.payload);
  const p: Record<string, unknown> = { ...m.payload, ts: shiftIso(m.payload.ts, deltaMs) };
  if (typeof p.startedAt === 'string') p.startedAt = shiftIso(p.startedAt, deltaMs);
  return JSON.stringify(p);
}

export interface PlayOptions {
  mode: 'fast' | 'live';
  /** Most unacknowledged messages at once (fast mode). */
  window?: number;
  qos?: 0 | 1;
  progress?: Progress;
  /** Live mode: send messages whose time had passed when the play started at once, with their own event times; default: skip them. */
  catchUp?: boolean;
  /** Skip messages sent before this instant (live mode: a day's prelude from the evening before). */
  notBefore?: number;
  signal?: AbortSignal;
  now?: () => number;
}

export interface PlayStats {
  total: number;
  sent: number;
  acked: number;
  failed: number;
  skipped: number;
  elapsedMs: number;
  errors: string[];
}

/**
 * Waits ms, or until the signal aborts. The abort listener is removed when the
 * timer fires: live play sleeps once per message on one signal, and listeners
 * left behind piled up (MaxListenersExceededWarning in npm run demo).
 */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export async function play(messages: readonly SimMessage[], connections: Connections, opts: PlayOptions): Promise<PlayStats> {
  const now = opts.now ?? Date.now;
  const progress = opts.progress ?? silentProgress;
  const window = Math.max(1, opts.window ?? 256);
  const qos = opts.qos ?? 1;
  const started = now();
  const stats: PlayStats = { total: messages.length, sent: 0, acked: 0, failed: 0, skipped: 0, elapsedMs: 0, errors: [] };
  let inflight = 0;
  let wake: (() => void) | null = null;
  const settle = () => {
    inflight--;
    const w = wake;
    wake = null;
    w?.();
  };
  const waitForSlot = async (limit: number) => {
    while (inflight >= limit) await new Promise<void>((r) => (wake = r));
  };
  const report = (m: SimMessage | undefined) => {
    const rate = Math.round((stats.acked * 1000) / Math.max(1, now() - started));
    const simTime = m ? new Date(m.at).toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '';
    progress.update(`${stats.sent}/${stats.total} sent, ${stats.acked} acked, ${rate} msg/s, at ${simTime}`);
  };

  for (const m of messages) {
    if (opts.signal?.aborted) break;
    if (opts.notBefore !== undefined && m.at < opts.notBefore) {
      stats.skipped++;
      continue;
    }
    let delta = 0;
    if (opts.mode === 'live') {
      // In the past when the play started: skipped (or sent now with catch-up). Late only because
      // sending the previous ones took time: sent now.
      if (m.at < started && !opts.catchUp) {
        stats.skipped++;
        continue;
      }
      const wait = m.at - now();
      if (wait > 0) {
        await sleep(wait, opts.signal);
        if (opts.signal?.aborted) break;
        delta = now() - m.at;
      }
    }
    await waitForSlot(window);
    inflight++;
    stats.sent++;
    connections
      .get(m.deviceId)
      .publishAsync(topicOf(m), payloadOf(m, delta), { qos })
      .then(
        () => void stats.acked++,
        (err: Error) => {
          stats.failed++;
          if (stats.errors.length < 20) stats.errors.push(`${m.deviceId} ${m.kind}: ${err.message}`);
        },
      )
      .finally(settle);
    report(m);
  }
  await waitForSlot(1);
  stats.elapsedMs = now() - started;
  progress.done(`${stats.acked}/${stats.total} acknowledged${stats.skipped ? `, ${stats.skipped} skipped (in the past)` : ''}${stats.failed ? `, ${stats.failed} failed` : ''} in ${(stats.elapsedMs / 1000).toFixed(1)} s`);
  return stats;
}

/**
 * Load mode for benchmarks: many device connections publishing temperature
 * readings (event time = now) at a target total rate for a duration. Reports
 * the rate achieved and PUBACK latency (p50/p99/max): with QoS 1 a PUBACK
 * means the reading is committed, so that latency is the one devices feel.
 */
import type { Connections } from './player.js';
import { isoInZone } from './clock.js';
import { createRng } from './prng.js';
import { silentProgress, type Progress } from './progress.js';

export interface LoadDevice {
  communityId: string;
  deviceId: string;
  gateId: string;
}

export interface LoadOptions {
  ratePerSecond: number;
  durationS: number;
  qos?: 0 | 1;
  /** Most unacknowledged messages at once across all connections. */
  window?: number;
  timeZone?: string;
  seed?: number;
  progress?: Progress;
  signal?: AbortSignal;
}

export interface LoadStats {
  sent: number;
  acked: number;
  failed: number;
  elapsedMs: number;
  achievedRate: number;
  ackLatencyMs: { p50: number; p99: number; max: number };
  /** Ticks when the window was full and sending fell behind the target rate. */
  saturated: number;
}

const percentile = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);

export async function runLoad(devices: readonly LoadDevice[], connections: Connections, opts: LoadOptions): Promise<LoadStats> {
  if (devices.length === 0) throw new Error('load mode needs at least one device');
  const rng = createRng(opts.seed ?? 1);
  const tz = opts.timeZone ?? 'Asia/Shanghai';
  const progress = opts.progress ?? silentProgress;
  const window = opts.window ?? 1000;
  const qos = opts.qos ?? 1;
  const started = Date.now();
  const deadline = started + opts.durationS * 1000;
  const seqBase = started * 1000;
  const seqs = new Map<string, number>();
  const latencies: number[] = [];
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let inflight = 0;
  let saturated = 0;
  let i = 0;

  const sendOne = () => {
    const d = devices[i++ % devices.length]!;
    const seq = (seqs.get(d.deviceId) ?? seqBase) + 1;
    seqs.set(d.deviceId, seq);
    const t = Date.now();
    const payload = JSON.stringify({ seq, ts: isoInZone(t, tz), gateId: d.gateId, temperatureC: 36 + rng.int(0, 12) / 10, subject: 'resident', personRef: `p-load-${rng.hex(6)}` });
    inflight++;
    sent++;
    connections
      .get(d.deviceId)
      .publishAsync(`gatewatch/v1/${d.communityId}/${d.deviceId}/temperature`, payload, { qos })
      .then(
        () => {
          acked++;
          latencies.push(Date.now() - t);
        },
        () => void failed++,
      )
      .finally(() => void inflight--);
  };

  // Every 10 ms, send what the target rate allows by now (bounded by the window).
  while (Date.now() < deadline && !opts.signal?.aborted) {
    const due = Math.floor(((Date.now() - started) / 1000) * opts.ratePerSecond);
    let budget = Math.min(due - sent, 10_000);
    while (budget-- > 0) {
      if (inflight >= window) {
        saturated++;
        break;
      }
      sendOne();
    }
    const elapsed = (Date.now() - started) / 1000;
    progress.update(`${sent} sent, ${acked} acked, ${Math.round(acked / Math.max(elapsed, 0.001))} msg/s of ${opts.ratePerSecond} target, ${inflight} in flight`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const drainUntil = Date.now() + 30_000;
  while (inflight > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  const elapsedMs = Date.now() - started;
  latencies.sort((a, b) => a - b);
  const stats: LoadStats = {
    sent, acked, failed, elapsedMs, saturated,
    achievedRate: Math.round((acked * 1000) / elapsedMs),
    ackLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
  };
  progress.done(`${acked}/${sent} acknowledged in ${(elapsedMs / 1000).toFixed(1)} s (${stats.achievedRate} msg/s), PUBACK p50 ${stats.ackLatencyMs.p50} ms, p99 ${stats.ackLatencyMs.p99} ms`);
  return stats;
}

/**
 * The load generator, run as its own process (fork from bench/run.ts, IPC
 * messages in bench/lib/protocol.ts). Many device connections publish
 * ~150-byte temperature readings at a target total rate, QoS 0 or 1; a few
 * of them are fevers (38.5 °C, each with its own person ref) whose send time
 * is reported so the parent can match the alarm at the webhook receiver.
 *
 * Bounded: a step lasts its duration, then waits at most `drainMs` for
 * outstanding PUBACKs. The process exits on 'close' or when its parent goes.
 */
import { publishFrame, wireConnect, type WireClient } from './lib/mqtt-wire.js';
import type { ConnectCmd, FromLoadgen, StepCmd, StepResult, ToLoadgen } from './lib/protocol.js';

interface Conn {
  device: { id: string; community: string };
  client: WireClient;
  topic: Buffer;
  nextPid: number;
  inflight: number;
  sentAt: Float64Array;
  /** Which step sent each packet id: a late PUBACK of an earlier step frees the window but is not counted. */
  stepOf: Uint32Array;
  seq: number;
  queue: Buffer[];
}

const TICK_MS = 2;
const QOS0_MAX_BUFFERED = 256 * 1024;

let conns: Conn[] = [];
let refCounter = 0;
let stepNo = 0;

const send = (m: FromLoadgen) => process.send!(m);

async function connectAll(cmd: ConnectCmd): Promise<void> {
  for (const c of conns) c.client.socket.destroy();
  conns = [];
  const started = Date.now();
  const out: Conn[] = [];
  let next = 0;
  const seqBase = Date.now() * 1000;
  const worker = async () => {
    while (next < cmd.devices.length) {
      const d = cmd.devices[next++]!;
      const client = await wireConnect(cmd.host, cmd.port, d.id, d.secret === undefined ? undefined : d.id, d.secret);
      out.push({ device: d, client, topic: Buffer.from(`gatewatch/v1/${d.community}/${d.id}/temperature`), nextPid: 1, inflight: 0, sentAt: new Float64Array(65536), stepOf: new Uint32Array(65536), seq: seqBase, queue: [] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.devices.length) }, worker));
  conns = out;
  send({ type: 'connected', n: conns.length, ms: Date.now() - started });
}

/** Event time as a gate thermometer writes it: ISO 8601, ms, +08:00. */
const shanghaiIso = (ms: number) => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 23)}+08:00`;

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

async function runStep(cmd: StepCmd): Promise<void> {
  const latencies: number[] = [];
  let acked = 0;
  const thisStep = ++stepNo;
  for (const c of conns) {
    c.client.onPuback = (pid) => {
      if (c.inflight > 0) c.inflight--;
      if (c.stepOf[pid] !== thisStep) return;
      c.stepOf[pid] = 0;
      acked++;
      latencies.push(performance.now() - c.sentAt[pid]!);
    };
  }
  const fevers: [string, number][] = [];
  const feverEveryMs = cmd.feverPerS > 0 ? 1000 / cmd.feverPerS : Infinity;
  let nextFever = feverEveryMs / 2;
  let sent = 0;
  let skipped = 0;
  let i = 0;
  const t0 = performance.now();
  const wall0 = Date.now();
  const tag = (++refCounter).toString(36);
  let feverN = 0;

  while (performance.now() - t0 < cmd.durationMs) {
    const elapsed = performance.now() - t0;
    const due = Math.floor((elapsed / 1000) * cmd.rate);
    let budget = Math.min(due - sent - skipped, cmd.rate); // at most a second's worth at once
    const now = wall0 + elapsed;
    const ts = shanghaiIso(now);
    const tNow = performance.now();
    while (budget-- > 0) {
      const c = conns[i++ % conns.length]!;
      if (c.client.closed) {
        skipped++;
        continue;
      }
      if (cmd.qos === 1 ? c.inflight >= cmd.windowPerConn : c.client.socket.writableLength > QOS0_MAX_BUFFERED) {
        skipped++;
        continue;
      }
      const seq = ++c.seq;
      let temp: string;
      let ref: string;
      if (elapsed >= nextFever) {
        nextFever += feverEveryMs;
        ref = `fv-${tag}-${++feverN}`;
        temp = '38.5';
        fevers.push([ref, Date.now()]);
      } else {
        temp = (36 + (seq % 13) / 10).toFixed(1);
        ref = `p-${(seq % 100_000).toString(16).padStart(5, '0')}`;
      }
      const payload = Buffer.from(`{"seq":${seq},"ts":"${ts}","gateId":"g1","temperatureC":${temp},"subject":"resident","personRef":"${ref}"}`);
      let pid = 0;
      if (cmd.qos === 1) {
        pid = c.nextPid;
        c.nextPid = pid === 65535 ? 1 : pid + 1;
        c.sentAt[pid] = tNow;
        c.stepOf[pid] = thisStep;
        c.inflight++;
      }
      c.queue.push(publishFrame(c.topic, payload, cmd.qos, pid));
      sent++;
    }
    for (const c of conns) {
      if (c.queue.length === 0) continue;
      c.client.socket.write(c.queue.length === 1 ? c.queue[0]! : Buffer.concat(c.queue));
      c.queue = [];
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const sendMs = performance.now() - t0;
  const drainUntil = performance.now() + cmd.drainMs;
  const outstanding = () => sent - acked;
  if (cmd.qos === 1) while (outstanding() > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  const lat = Float64Array.from(latencies).sort();
  const result: StepResult = {
    type: 'stepDone',
    rate: cmd.rate,
    qos: cmd.qos,
    sent,
    skipped,
    acked: cmd.qos === 1 ? acked : sent,
    unacked: cmd.qos === 1 ? outstanding() : 0,
    sendMs: Math.round(sendMs),
    achievedRate: Math.round((sent * 1000) / sendMs),
    ackP50: percentile(lat, 50),
    ackP99: percentile(lat, 99),
    fevers,
    startedAt: wall0,
  };
  send(result);
}

process.on('message', (m: ToLoadgen) => {
  const fail = (err: unknown) => send({ type: 'error', message: (err as Error).message });
  if (m.type === 'connect') connectAll(m).catch(fail);
  else if (m.type === 'step') runStep(m).catch(fail);
  else if (m.type === 'close') {
    for (const c of conns) c.client.socket.destroy();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

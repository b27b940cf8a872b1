/**
 * Overload: 100 connections publish as fast as TCP lets them for ~15 s, far
 * above what this 2-core box can store (the flood that killed aedes 1.2.0 at
 * 40-80 k msg/s). The per-device rate limit is lifted here so that what is
 * tested is the overload protection itself (back-pressure, QoS 0 shedding),
 * not the token bucket. The service and the flooders are separate processes.
 * The service runs with the node flags of `npm start` (its heap bound,
 * services/observability/heap.ts). Afterwards: the process is alive, each
 * thread's heap had the documented bound, its young generation stayed within
 * it, peak RSS (sampled during the flood and 10 s after, test/broker/flood-memory.ts)
 * stayed under the documented bound, the shed count is on /metrics, a
 * well-behaved device was served throughout, and every PUBACKed message is in
 * `readings`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { freePort, ROOT, spawnService, stopProcess, waitReady, type ServiceProcess } from '../support/process.js';
import { HEAP_BOUND, heapLimitBytes, youngGenerationMb } from '../../services/observability/heap.js';
import { sample, sleep } from './helpers.js';
import { mib, sampleMemory, type ThreadPeaks } from './flood-memory.js';

const FLOOD_MS = 15_000;
const QOS0_FLOODERS = 80;
const QOS1_FLOODERS = 20;
/** Documented in services/broker/README.md ("Memory"): peak resident memory of the service under this flood. */
const RSS_BOUND_BYTES = 700 * 1024 * 1024;
/** Memory is sampled this long after the flooders are gone: the service still works off what it had read. */
const AFTER_FLOOD_MS = 10_000;
/** The heap flags of `npm start` (package.json), so that what is measured is what is started. */
const START_HEAP_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.match(/--max-[a-z-]+=\d+/g) ?? [];
/** Opt-in: GW_FLOOD_PROBE=<file> runs test/broker/flood-probe.ts in the service (samples per thread, a forced GC before and after the flood). */
const PROBE_OUT = process.env.GW_FLOOD_PROBE;
const PROBE_FLAGS = PROBE_OUT ? ['--expose-gc', '--import', join(ROOT, 'test/broker/flood-probe.ts')] : [];
/** With the probe: both threads collect their garbage and record their heap before and after (SIGUSR2). */
const probeGc = async (proc: ServiceProcess) => {
  if (!PROBE_OUT) return;
  proc.child.kill('SIGUSR2');
  await sleep(2000);
};
const threadMiB = (p: ThreadPeaks) => ({ committed: mib(p.committed), young: mib(p.youngCommitted), used: mib(p.used), external: mib(p.external), limit: mib(p.limit) });
/** The well-behaved device's PUBACK may wait this long at worst while the flood goes on. */
const GOOD_LATENCY_BOUND_MS = 5_000;

const dir = mkdtempSync(join(tmpdir(), 'gatewatch-flood-'));
const procs: ServiceProcess[] = [];
afterAll(async () => {
  for (const p of procs) await stopProcess(p, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const COMMUNITY = 'hc-flood';
const floodIds = Array.from({ length: QOS0_FLOODERS + QOS1_FLOODERS }, (_, i) => `flood-${String(i).padStart(3, '0')}`);
const reading = (seq: number) => JSON.stringify({ seq, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-good001' });

function writeRegistry(): string {
  const file = join(dir, 'registry.json');
  const devices = [...floodIds, 'therm-good'].map((id) => ({ id, kind: 'thermometer', location: 'g1', secret: `${id}-secret!`, enabled: true }));
  const community = { id: COMMUNITY, name: '洪水小区', propertyCompany: '压力物业', timeZone: 'Asia/Shanghai', gates: [{ id: 'g1', name: '南门' }], areas: [], staff: [], devices };
  writeFileSync(file, JSON.stringify({ communities: [community] }));
  return file;
}

/** Runs test/broker/flood-client.ts in its own process; resolves with what it sent and which PUBACKs it got. */
function runFlooders(port: number): { connected: Promise<void>; result: Promise<{ sent: number; acked: Record<string, number[]> }> } {
  const out = join(dir, 'flood-result.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/broker/flood-client.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), COMMUNITY, DEVICES: floodIds.join(','), QOS0: String(QOS0_FLOODERS), DURATION_MS: String(FLOOD_MS), OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const connected = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('connected')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', () => reject(new Error(`flooders exited early:\n${output}`)));
  });
  const result = new Promise<{ sent: number; acked: Record<string, number[]> }>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(readFileSync(out, 'utf8'))) : reject(new Error(`flooders failed (${code}):\n${output}`)))),
  );
  return { connected, result };
}

describe('flood', () => {
  it('survives 100 flooding connections, sheds QoS 0, keeps memory bounded, serves a good device, loses no PUBACKed message', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const proc = spawnService({
      GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: String(mqttPort), GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: String(httpPort),
      GW_DATA_DIR: dir, GW_REGISTRY_FILE: writeRegistry(), GW_LOG_LEVEL: 'warn',
      GW_MQTT_RATE_PER_DEVICE: '1000000', GW_MQTT_BURST_PER_DEVICE: '10000000',
      NODE_OPTIONS: [...START_HEAP_FLAGS, ...PROBE_FLAGS].join(' '),
      ...(PROBE_OUT ? { GW_FLOOD_PROBE: PROBE_OUT } : {}),
    });
    procs.push(proc);
    await waitReady(httpPort, proc, 60_000);
    const metrics = async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();

    // The well-behaved device: one QoS 1 reading every 250 ms, a gate thermometer at rush hour.
    const good = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'therm-good', password: 'therm-good-secret!', clientId: 'therm-good', reconnectPeriod: 0 });
    let goodClosed = false;
    good.on('close', () => (goodClosed = true));

    await probeGc(proc);
    const flood = runFlooders(mqttPort);
    await flood.connected;
    const goodAcked: number[] = [];
    const goodLatency: number[] = [];
    const memory = sampleMemory(metrics);
    const started = Date.now();
    let goodSent = 0;
    while (Date.now() - started < FLOOD_MS) {
      const seq = ++goodSent;
      const t0 = Date.now();
      good.publishAsync('gatewatch/v1/hc-flood/therm-good/temperature', reading(seq), { qos: 1 }).then(
        () => {
          goodAcked.push(seq);
          goodLatency.push(Date.now() - t0);
        },
        () => {},
      );
      await sleep(250);
    }
    const { sent, acked } = await flood.result;
    const after = await memory.finish(AFTER_FLOOD_MS); // also the last good acks
    await probeGc(proc);
    const { peaks } = memory;

    // Alive, bounded, counted.
    expect(proc.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    const text = await metrics();
    goodLatency.sort((a, b) => a - b);
    const overloadEpisodes = proc.output().split('\n').filter((l) => l.includes('mqtt overloaded: shedding QoS 0')).length;
    const summary = {
      floodSeconds: FLOOD_MS / 1000,
      peakRssMiB: mib(peaks.rss),
      rssSamplesMiB: peaks.rssSamples.map(mib),
      heapPeaksMiB: { main: threadMiB(peaks.main), broker: threadMiB(peaks.broker) },
      inflightAtEnd: after.inflight,
      shed: { overload: sample(text, 'gatewatch_mqtt_shed_total', { reason: 'overload' }), rate: sample(text, 'gatewatch_mqtt_shed_total', { reason: 'rate' }) },
      readingsAccepted: sample(text, 'gatewatch_readings_accepted_total', { kind: 'temperature' }),
      qos1Sent: sent,
      qos1Acked: Object.values(acked).reduce((n, a) => n + a.length, 0),
      overloadEpisodes,
      good: { sent: goodSent, acked: goodAcked.length, p50Ms: goodLatency[Math.floor(goodLatency.length / 2)], maxMs: goodLatency[goodLatency.length - 1] },
    };
    console.log('flood summary', JSON.stringify(summary));
    // The bound is in force in both threads (npm start's flags; they override the broker thread's resourceLimits),
    // and the young generation, where a flood's garbage goes first, stayed within the young bound V8 is given
    // (youngGenerationMb: two semi-spaces and the new large-object space). Two semi-spaces alone were exceeded by
    // one 256 KiB page in a CI run (33,816,576 bytes); unbounded, V8 grew it to 128 MiB per thread here.
    for (const thread of [peaks.main, peaks.broker]) {
      expect(thread.limit).toBe(heapLimitBytes(HEAP_BOUND));
      expect(thread.youngCommitted).toBeLessThanOrEqual(youngGenerationMb(HEAP_BOUND) * 1024 * 1024);
    }
    expect(peaks.rss).toBeLessThan(RSS_BOUND_BYTES);
    // Shedding follows the overload signal, both ways. Whether this flood overloads the box depends
    // on what else the shared machine runs (a run once kept up and shed nothing), so the signal is
    // not asserted itself: QoS 0 is shed exactly when an overload episode was logged.
    expect(summary.shed.overload > 0).toBe(overloadEpisodes > 0);
    expect(summary.qos1Acked).toBeGreaterThan(0);
    expect(goodClosed).toBe(false);
    expect(goodAcked.length).toBe(goodSent);
    expect(summary.good.maxMs).toBeLessThan(GOOD_LATENCY_BOUND_MS);
    await good.endAsync();

    // Nothing that got a PUBACK is missing.
    await stopProcess(proc);
    const db = new Database(join(dir, 'gatewatch.sqlite'), { readonly: true });
    const seqsOf = db.prepare('SELECT seq FROM readings WHERE device_id = ?').pluck();
    for (const [deviceId, seqs] of Object.entries({ ...acked, 'therm-good': goodAcked })) {
      const have = new Set(seqsOf.all(deviceId) as number[]);
      expect(seqs.filter((s) => !have.has(s)), `${deviceId}: acknowledged but missing`).toEqual([]);
    }
    db.close();
  }, 150_000);
});

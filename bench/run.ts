/**
 * npm run bench: gatewatch against its peers on this machine, in one run.
 *
 *   npm run bench                      everything (about 10 minutes)
 *   npm run bench -- --only ours       only gatewatch (throughput, latency, outage)
 *   npm run bench -- --profile DIR     one throughput step with node --cpu-prof, top functions
 *   npm run bench -- --no-write        do not update BENCHMARKS.md
 *   npm run bench -- --latency-rate N  the latency and outage load (default 10000/s)
 *   npm run bench -- --render FILE     BENCHMARKS.md again from a saved run (bench/last-run.json)
 *   npm run bench -- --partitions N    gatewatch with GW_PARTITIONS=N
 *
 * Every phase is bounded in steps and time; every process is started here and
 * stopped by its pid; all traffic stays on 127.0.0.1. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startInfluxd, type Influxd } from '../test/support/influxd.js';
import { benchInfluxWriters, type WriterResult } from './influx-writer.js';
import { ROOT, cpuMsOf, rssOf, sleep, startLoadGen, stopAll, waitFor, type LoadGen } from './lib/procs.js';
import { alarmLatency, startReceiver, type Receiver } from './lib/receiver.js';
import type { StepResult } from './lib/protocol.js';
import { topFunctions } from './profile.js';
import { influxCount, startConsumerPeer, startNodeRedPeer, startOurs, type Target } from './targets.js';
import { renderReport, type Report, type SearchResult, type StepRow, type TargetReport, type OutageReport } from './report.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    profile: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    devices: { type: 'string', default: '200' },
    'step-s': { type: 'string', default: '5' },
    'latency-rate': { type: 'string', default: '10000' },
    render: { type: 'string' },
    /** GW_PARTITIONS for gatewatch (default: the service's own default for this machine). */
    partitions: { type: 'string' },
  },
});
const OURS_ENV: Record<string, string> = args.partitions ? { GW_PARTITIONS: args.partitions } : {};

const DEVICES = Number(args.devices);
const STEP_MS = Number(args['step-s']) * 1000;
const LATENCY_RATE = Number(args['latency-rate']);
const LATENCY_MS = 20_000;
const FEVERS_PER_S = 25;
const MAX_RATE = 200_000;
const MAX_STEPS = 6;
/** The outage phase: total load time, when influxd is stopped and started again (ms from its start). */
const OUTAGE = { total: 40_000, stopAt: 8_000, startAt: 28_000 };
const WINDOW_PER_CONN = 500;
/** How long after the last send a step may take to be acknowledged, and then stored. */
const KEEP_UP_MS = 1_500;

const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function ensurePeers(): void {
  // The peers' broker is Debian's mosquitto: installed as the tests install their packages (apt, as root).
  execFileSync('bash', [join(ROOT, 'scripts/install-system-deps.sh'), 'bench'], { stdio: 'inherit', timeout: 600_000 });
  if (existsSync(join(ROOT, 'bench/peers/node_modules/node-red/red.js')) && existsSync(join(ROOT, 'bench/peers/node_modules/node-red-contrib-influxdb'))) return;
  log('installing peers: npm ci --prefix bench/peers');
  execFileSync('npm', ['ci', '--prefix', join(ROOT, 'bench/peers'), '--no-audit', '--no-fund'], { stdio: 'inherit', timeout: 300_000 });
}

/**
 * One step: send at `rate` for `durationMs`. Sustained = sent at >= 97 % of the rate, every QoS 1
 * message acknowledged within KEEP_UP_MS after the last send, and every sent reading counted in
 * the target's store within KEEP_UP_MS after that (a backlog that needs longer is not keeping up).
 */
async function step(t: Target, gen: LoadGen, rate: number, qos: 0 | 1, durationMs = STEP_MS, feverPerS = 0): Promise<{ r: StepResult; row: StepRow; mark: number }> {
  const mark = await t.mark();
  const pids = t.procs().map((p) => p.child.pid);
  const cpu0 = pids.reduce<number>((s, pid) => s + cpuMsOf(pid), 0);
  const genCpu0 = cpuMsOf(gen.pid);
  const r = await gen.step({ rate, durationMs, qos, feverPerS, windowPerConn: WINDOW_PER_CONN, drainMs: KEEP_UP_MS });
  let stored = 0;
  const deadline = Date.now() + KEEP_UP_MS;
  for (;;) {
    stored = await t.storedSince(mark);
    if (stored >= r.sent || Date.now() > deadline) break;
    await sleep(200);
  }
  const cpuUsPerReading = Math.round(((pids.reduce<number>((s, pid) => s + cpuMsOf(pid), 0) - cpu0) * 1000) / Math.max(1, stored));
  const genUsPerMsg = Math.round(((cpuMsOf(gen.pid) - genCpu0) * 1000) / Math.max(1, r.sent));
  const dur = durationMs / 1000;
  const ok = r.achievedRate >= 0.97 * rate && r.skipped <= 0.03 * rate * dur && r.unacked === 0 && stored >= r.sent;
  const row: StepRow = { rate, qos, sent: r.sent, acked: r.acked, skipped: r.skipped, stored, lost: Math.max(0, r.sent - stored), achieved: r.achievedRate, ackP50: r.ackP50, ackP99: r.ackP99, cpuUsPerReading, ok };
  log(`${t.name} qos${qos} ${rate}/s: sent ${r.sent} (${r.achievedRate}/s), skipped ${r.skipped}, acked ${r.acked}, stored ${stored}, PUBACK p99 ${Math.round(r.ackP99)} ms, ${cpuUsPerReading} µs CPU/reading (generator ${genUsPerMsg} µs/msg) -> ${ok ? 'ok' : 'FAIL'}`);
  return { r, row, mark };
}

/** Stepped search: x1.6 until a step fails, then bisect; at most MAX_STEPS steps. */
async function search(t: Target, gen: LoadGen, qos: 0 | 1, start = 5_000): Promise<SearchResult> {
  const steps: StepRow[] = [];
  let lo = 0;
  let hi = Infinity;
  let rate = start;
  for (let i = 0; i < MAX_STEPS && rate <= MAX_RATE; i++) {
    const { row, mark } = await step(t, gen, rate, qos);
    steps.push(row);
    if (!row.ok) await settle(t, mark);
    if (row.ok) lo = Math.max(lo, rate);
    else hi = Math.min(hi, rate);
    if (hi === Infinity) rate = Math.round((rate * 1.6) / 1000) * 1000;
    else {
      if (hi - lo <= Math.max(1_000, lo * 0.08)) break;
      rate = Math.round((lo + hi) / 2 / 500) * 500;
    }
  }
  return { max: lo, steps };
}

/** Waits until the target stops storing what a step left (a failed step's backlog): stable for 1 s, at most 30 s. */
async function settle(t: Target, mark: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let prev = await t.storedSince(mark);
  while (Date.now() < deadline) {
    await sleep(1000);
    const now = await t.storedSince(mark);
    if (now === prev) return;
    prev = now;
  }
}

async function latency(t: Target, gen: LoadGen, rx: Receiver, rate: number) {
  await t.loopBlockMs?.();
  const { r, row } = await step(t, gen, rate, 1, LATENCY_MS, FEVERS_PER_S);
  const loopBlockMs = (await t.loopBlockMs?.()) ?? NaN;
  await waitFor('alarms at the receiver', () => r.fevers.every(([ref]) => rx.arrivals.has(ref)), 15_000).catch(() => undefined);
  return { rate, sustained: row.ok, ...alarmLatency(r.fevers, rx.arrivals), ackP50: r.ackP50, ackP99: r.ackP99, cpuUsPerReading: row.cpuUsPerReading, loopBlockMs };
}

/** Load at `rate` for 40 s; influxd is stopped from 8 s to 28 s. Alarm latency by phase, RSS, catch-up. */
async function outage(t: Target, gen: LoadGen, rx: Receiver, influxd: Influxd, rate: number, db: string): Promise<OutageReport> {
  const mark = Date.now();
  const pids = t.procs().map((p) => p.child.pid);
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(pids.reduce<number>((s, pid) => s + rssOf(pid), 0)), 1000);
  const running = gen.step({ rate, durationMs: OUTAGE.total, qos: 1, feverPerS: 20, windowPerConn: WINDOW_PER_CONN, drainMs: 10_000 });
  await sleep(OUTAGE.stopAt);
  const rssBefore = rss[rss.length - 1] ?? 0;
  log(`${t.name}: stopping influxd (outage ${(OUTAGE.startAt - OUTAGE.stopAt) / 1000} s)`);
  await influxd.stop();
  await sleep(OUTAGE.startAt - OUTAGE.stopAt);
  const rssDuring = Math.max(...rss);
  await influxd.start();
  log(`${t.name}: influxd back`);
  const r = await running;
  clearInterval(sampler);
  await waitFor('alarms at the receiver', () => r.fevers.every(([ref]) => rx.arrivals.has(ref)), 15_000).catch(() => undefined);
  const phase = (from: number, to: number) => alarmLatency(r.fevers.filter(([, at]) => at - r.startedAt >= from && at - r.startedAt < to), rx.arrivals);
  const back = Date.now();
  let caughtUpS: number | null = null;
  try {
    await waitFor('all readings in InfluxDB', async () => (await influxCount(influxd.url, db, mark - 1000)) >= r.sent, 90_000, 1000);
    caughtUpS = Math.round((Date.now() - back) / 100) / 10;
  } catch {
    caughtUpS = null;
  }
  const inInflux = await influxCount(influxd.url, db, mark - 1000);
  return {
    rate, sent: r.sent, acked: r.acked, achieved: r.achievedRate,
    before: phase(0, OUTAGE.stopAt), during: phase(OUTAGE.stopAt, OUTAGE.startAt), after: phase(OUTAGE.startAt, OUTAGE.total),
    rssBeforeMB: Math.round(rssBefore / 1e6), rssPeakMB: Math.round(Math.max(rssDuring, ...rss) / 1e6),
    inInflux, caughtUpS,
  };
}

async function benchTarget(t: Target, gen: LoadGen, rx: Receiver, influxd: Influxd, db: string, withOutage: boolean): Promise<TargetReport> {
  const c = await gen.connect(t.host, t.port, t.devices);
  log(`${t.name}: ${c.n} connections in ${c.ms} ms`);
  const qos0 = await search(t, gen, 0);
  const qos1 = await search(t, gen, 1);
  const latRate = qos1.max >= LATENCY_RATE ? LATENCY_RATE : Math.max(1000, qos1.max);
  const lat = await latency(t, gen, rx, latRate);
  log(`${t.name}: alarm latency at ${latRate}/s p50 ${lat.p50} ms p99 ${lat.p99} ms (${lat.n} alarms, ${lat.missing} missing)`);
  const out = withOutage ? await outage(t, gen, rx, influxd, latRate, db) : undefined;
  return { name: t.name, qos0, qos1, latency: lat, outage: out };
}

async function profileRun(dir: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gw-bench-prof-'));
  const rx = await startReceiver();
  const gen = startLoadGen();
  try {
    const ours = await startOurs({ dir: join(work, 'ours'), devices: DEVICES, webhookUrl: rx.url, cpuProfDir: dir, env: OURS_ENV });
    await gen.connect(ours.host, ours.port, ours.devices);
    const rate = Number(process.env.BENCH_PROFILE_RATE ?? 30_000);
    const { row } = await step(ours, gen, rate, 1, 15_000, FEVERS_PER_S);
    console.log(JSON.stringify(row));
    await ours.stop();
    await sleep(500);
    console.log(topFunctions(dir, 25));
  } finally {
    await gen.close();
    await rx.close();
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

function versions(): Record<string, string> {
  const v = (cmd: string, a: string[]) => {
    try {
      return execFileSync(cmd, a, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0]!;
    } catch (err) {
      return ((err as { stdout?: string }).stdout ?? '').trim().split('\n')[0] ?? '?';
    }
  };
  // `--only ours` installs no peers: their packages are then absent, not an error.
  const pkg = (p: string) => (existsSync(join(ROOT, p)) ? (JSON.parse(readFileSync(join(ROOT, p), 'utf8')) as { version: string }).version : 'not installed');
  return {
    node: process.version,
    aedes: pkg('node_modules/aedes/package.json'),
    'better-sqlite3': pkg('node_modules/better-sqlite3/package.json'),
    mosquitto: v('/usr/sbin/mosquitto', ['-h']).replace(/^mosquitto version /, ''),
    influxd: v('/usr/bin/influxd', ['version']),
    'node-red': pkg('bench/peers/node_modules/node-red/package.json'),
    'node-red-contrib-influxdb': pkg('bench/peers/node_modules/node-red-contrib-influxdb/package.json'),
    commit: v('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}

async function main(): Promise<void> {
  if (args.profile) return profileRun(args.profile);
  if (args.render) return writeReport(JSON.parse(readFileSync(args.render, 'utf8')) as Report);
  const t0 = Date.now();
  const onlyOurs = args.only === 'ours';
  if (!onlyOurs) ensurePeers();
  const work = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const loadBefore = loadavg();
  const rx = await startReceiver();
  const influxd = await startInfluxd();
  const gen = startLoadGen();
  const targets: TargetReport[] = [];
  let writers: WriterResult | undefined;
  try {
    log(`influxd at ${influxd.url}, receiver at ${rx.url}`);
    const ours = await startOurs({ dir: join(work, 'ours'), devices: DEVICES, webhookUrl: rx.url, influxUrl: influxd.url, influxDb: 'bench_ours', env: OURS_ENV });
    targets.push(await benchTarget(ours, gen, rx, influxd, 'bench_ours', true));
    await ours.stop();

    writers = await benchInfluxWriters(influxd.url, 200_000);
    log(`InfluxDB writers: ours ${writers.ours.pointsPerS} points/s, raw ${writers.raw.pointsPerS} points/s`);

    if (!onlyOurs) {
      const consumer = await startConsumerPeer({ dir: join(work, 'consumer'), influxUrl: influxd.url, webhookUrl: rx.url, devices: DEVICES });
      targets.push(await benchTarget(consumer, gen, rx, influxd, 'bench_consumer', true));
      await consumer.stop();
      const nodered = await startNodeRedPeer({ dir: join(work, 'nodered'), influxUrl: influxd.url, webhookUrl: rx.url, devices: DEVICES });
      targets.push(await benchTarget(nodered, gen, rx, influxd, 'bench_nodered', true));
      await nodered.stop();
    }
  } finally {
    await gen.close();
    await rx.close();
    await stopAll();
    await influxd.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  const report: Report = {
    date: new Date().toISOString(),
    machine: { cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`, memGB: Math.round(totalmem() / 2 ** 30), loadBefore: loadBefore.map((l) => l.toFixed(2)).join(' '), loadAfter: loadavg().map((l) => l.toFixed(2)).join(' ') },
    versions: versions(),
    devices: DEVICES, stepS: STEP_MS / 1000, durationS: Math.round((Date.now() - t0) / 1000),
    command: `npm run bench${args.only ? ` -- --only ${args.only}` : ''}${LATENCY_RATE !== 10_000 ? ` --latency-rate ${LATENCY_RATE}` : ''}${args.partitions ? ` --partitions ${args.partitions}` : ''}`,
    targets, writers,
  };
  writeFileSync(join(ROOT, 'bench/last-run.json'), JSON.stringify(report, null, 2));
  writeReport(report);
}

/** Prints the table and, unless --no-write, puts the results section into BENCHMARKS.md. */
function writeReport(report: Report): void {
  const md = renderReport(report);
  console.log(md.table);
  if (!args['no-write']) {
    const path = join(ROOT, 'BENCHMARKS.md');
    const begin = '<!-- bench:results:begin -->';
    const end = '<!-- bench:results:end -->';
    const old = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
    const i = old.indexOf(begin);
    const j = old.indexOf(end);
    const next = i >= 0 && j > i ? `${old.slice(0, i + begin.length)}\n${md.full}\n${old.slice(j)}` : `${old}\n${begin}\n${md.full}\n${end}\n`;
    writeFileSync(path, next);
    log('BENCHMARKS.md updated (between the bench:results markers)');
  }
}

main().catch(async (err: unknown) => {
  console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  await stopAll();
  process.exit(1);
});

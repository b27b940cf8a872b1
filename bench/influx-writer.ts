/**
 * InfluxDB delivery of readings: ours against a raw writer on the same
 * influxd, each into its own database, both counts read back.
 *
 * - ours: the readings processor (services/influx/readings.ts) over a SQLite
 *   journal of `n` temperature readings: read a batch of journal rows after
 *   the checkpoint, build each line (readingToLine), gzip POST /write 5,000
 *   lines a batch, advance the checkpoint after the 204. Lines are built
 *   inside the timing: that is the projection's work.
 * - raw: plain fetch POSTs of the same lines, pre-built, 5,000 a batch,
 *   nothing durable, no gzip.
 * - outbox (for the record): the sink's outbox drain the readings used to go
 *   through before issue 18 (pre-built lines queued in influx_outbox, POSTed,
 *   deleted after the 204); alarm changes, facts and inspections still do.
 *
 *   npx tsx bench/influx-writer.ts [points=200000]   (starts its own influxd)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { openDatabase } from '../services/store/db.js';
import { createJournal } from '../services/store/journal.js';
import { createCheckpointsRepo } from '../services/store/checkpoints-repo.js';
import { createInfluxSink, createReadingsProjection, parseInfluxConfig, readingToLine } from '../services/influx/index.js';
import { silentLogger } from '../services/observability/logger.js';
import { influxCount } from './targets.js';

export interface WriterResult {
  points: number;
  ours: { ms: number; pointsPerS: number; readBack: number };
  raw: { ms: number; pointsPerS: number; readBack: number };
  outbox: { ms: number; pointsPerS: number; readBack: number };
}

const BATCH = 5_000;

interface Reading {
  communityId: string;
  deviceId: string;
  kind: 'temperature';
  seq: number;
  eventTime: number;
  payload: { seq: number; ts: string; gateId: string; temperatureC: number; subject: 'resident'; personRef: string };
}

function readings(n: number, t0: number): Reading[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = i + 1;
    return {
      communityId: 'bench-01', deviceId: `therm-${String((i % 200) + 1).padStart(4, '0')}`, kind: 'temperature', seq, eventTime: t0 + Math.floor(i / 200),
      payload: { seq, ts: new Date(t0).toISOString(), gateId: 'g1', temperatureC: 36 + (i % 13) / 10, subject: 'resident', personRef: 'p-00001' },
    };
  });
}

const rate = (n: number, ms: number, readBack: number) => ({ ms: Math.round(ms), pointsPerS: Math.round((n * 1000) / ms), readBack });

export async function benchInfluxWriters(influxUrl: string, n: number): Promise<WriterResult> {
  const t0 = Date.now() - 3_600_000;
  const all = readings(n, t0);
  const lines = all.map((r) => readingToLine(r));
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-writer-'));
  const readBack = (db: string) => influxCount(influxUrl, db, t0 - 1000);
  try {
    const ours = await timeProjection(join(dir, 'projection.sqlite'), influxUrl, all);
    const outbox = await timeOutbox(join(dir, 'outbox.sqlite'), influxUrl, lines);
    const raw = await timeRaw(influxUrl, lines);
    return {
      points: n,
      ours: rate(n, ours, await readBack('bench_writer_ours')),
      raw: rate(n, raw, await readBack('bench_writer_raw')),
      outbox: rate(n, outbox, await readBack('bench_writer_outbox')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The journal filled as ingest does (transactions of 2,000), then the processor timed until it caught up. */
async function timeProjection(path: string, influxUrl: string, all: Reading[]): Promise<number> {
  const db = openDatabase(path);
  try {
    const config = parseInfluxConfig({ GW_INFLUX_URL: influxUrl, GW_INFLUX_DB: 'bench_writer_ours', GW_INFLUX_BATCH_SIZE: String(BATCH) })!;
    const registry = new Registry();
    const sink = createInfluxSink({ db, config, logger: silentLogger(), registry });
    const journal = createJournal(db);
    const checkpoints = createCheckpointsRepo(db);
    // Created on the empty journal (checkpoint 0), so every reading below is projected.
    const projection = createReadingsProjection({ db, journal, checkpoints, sink, config, logger: silentLogger(), registry });
    await sink.flushNow(); // creates the database, as the outbox run does
    const fill = db.transaction((chunk: Reading[]) => {
      for (const r of chunk) journal.appendReading({ ...r, receivedAt: r.eventTime });
    });
    for (let i = 0; i < all.length; i += 2000) fill(all.slice(i, i + 2000));
    const a = performance.now();
    const taken = await projection.runner.drain();
    const ms = performance.now() - a;
    if (taken !== all.length || checkpoints.position('influx.readings') !== all.length) throw new Error(`readings processor: took ${taken} of ${all.length}`);
    await projection.runner.stop();
    return ms;
  } finally {
    db.close();
  }
}

async function timeOutbox(path: string, influxUrl: string, lines: string[]): Promise<number> {
  const db = openDatabase(path);
  try {
    const config = parseInfluxConfig({ GW_INFLUX_URL: influxUrl, GW_INFLUX_DB: 'bench_writer_outbox', GW_INFLUX_BATCH_SIZE: String(BATCH) })!;
    const sink = createInfluxSink({ db, config, logger: silentLogger(), registry: new Registry() });
    await sink.flushNow();
    const fill = db.transaction((chunk: string[]) => sink.enqueue(chunk));
    for (let i = 0; i < lines.length; i += 2000) fill(lines.slice(i, i + 2000));
    const a = performance.now();
    const r = await sink.flushNow();
    const ms = performance.now() - a;
    if (r.error || r.depth > 0) throw new Error(`outbox: ${r.error ?? `${r.depth} lines left`}`);
    return ms;
  } finally {
    db.close();
  }
}

async function timeRaw(influxUrl: string, lines: string[]): Promise<number> {
  const create = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE bench_writer_raw' }) });
  await create.arrayBuffer();
  const url = `${influxUrl}/write?db=bench_writer_raw&precision=ns`;
  const b = performance.now();
  for (let i = 0; i < lines.length; i += BATCH) {
    const res = await fetch(url, { method: 'POST', body: lines.slice(i, i + BATCH).join('\n') });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`raw writer: HTTP ${res.status}`);
  }
  return performance.now() - b;
}

// Run on its own: an influxd of its own (test/support/influxd.ts), three rounds, fresh databases each.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { startInfluxd } = await import('../test/support/influxd.js');
  const n = Number(process.argv[2] ?? 200_000);
  const influxd = await startInfluxd();
  try {
    for (let round = 0; round < 3; round++) {
      const r = await benchInfluxWriters(influxd.url, n);
      console.log(JSON.stringify({ ...r, ratio: Math.round((r.ours.pointsPerS / r.raw.pointsPerS) * 100) / 100 }));
      for (const db of ['bench_writer_ours', 'bench_writer_raw', 'bench_writer_outbox']) await influxd.query(`DROP DATABASE ${db}`);
    }
  } finally {
    await influxd.dispose();
  }
}

/**
 * InfluxDB delivery: our sink (SQLite outbox -> gzip POST /write, 5,000 lines a
 * batch, delete after 204) against a raw writer (plain fetch POSTs of the same
 * pre-built lines, 5,000 a batch, nothing durable) on the same influxd.
 * Both write `n` temperature points to their own database; both counts are
 * read back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { openDatabase } from '../services/store/db.js';
import { createInfluxSink, parseInfluxConfig, readingToLine } from '../services/influx/index.js';
import { silentLogger } from '../services/observability/logger.js';
import { influxCount } from './targets.js';

export interface WriterResult {
  points: number;
  ours: { ms: number; pointsPerS: number; readBack: number };
  raw: { ms: number; pointsPerS: number; readBack: number };
}

function lines(n: number, t0: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const seq = i + 1;
    out.push(readingToLine({
      kind: 'temperature', communityId: 'bench-01', deviceId: `therm-${String((i % 200) + 1).padStart(4, '0')}`, seq, eventTime: t0 + Math.floor(i / 200),
      payload: { seq, ts: new Date(t0).toISOString(), gateId: 'g1', temperatureC: 36 + (i % 13) / 10, subject: 'resident', personRef: 'p-00001' },
    } as Parameters<typeof readingToLine>[0]));
  }
  return out;
}

export async function benchInfluxWriters(influxUrl: string, n: number): Promise<WriterResult> {
  const t0 = Date.now() - 3_600_000;
  const all = lines(n, t0);
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-writer-'));
  try {
    // Ours: the database first (an empty flush creates it), then fill the outbox as ingest does
    // (in transactions) and time draining it to empty.
    const db = openDatabase(join(dir, 'writer.sqlite'));
    const config = parseInfluxConfig({ GW_INFLUX_URL: influxUrl, GW_INFLUX_DB: 'bench_writer_ours' })!;
    const sink = createInfluxSink({ db, config, logger: silentLogger(), registry: new Registry() });
    await sink.flushNow();
    const fill = db.transaction((chunk: string[]) => sink.enqueue(chunk));
    for (let i = 0; i < all.length; i += 2000) fill(all.slice(i, i + 2000));
    const a = performance.now();
    const r = await sink.flushNow();
    const oursMs = performance.now() - a;
    db.close();
    if (r.error || r.depth > 0) throw new Error(`our writer: ${r.error ?? `${r.depth} lines left`}`);
    return await finish(influxUrl, all, n, t0, oursMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function finish(influxUrl: string, all: string[], n: number, t0: number, oursMs: number): Promise<WriterResult> {
  const create = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE bench_writer_raw' }) });
  await create.arrayBuffer();
  const url = `${influxUrl}/write?db=bench_writer_raw&precision=ns`;
  const b = performance.now();
  for (let i = 0; i < all.length; i += 5000) {
    const res = await fetch(url, { method: 'POST', body: all.slice(i, i + 5000).join('\n') });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`raw writer: HTTP ${res.status}`);
  }
  const rawMs = performance.now() - b;
  const readBack = async (db: string) => influxCount(influxUrl, db, t0 - 1000);
  return {
    points: n,
    ours: { ms: Math.round(oursMs), pointsPerS: Math.round((n * 1000) / oursMs), readBack: await readBack('bench_writer_ours') },
    raw: { ms: Math.round(rawMs), pointsPerS: Math.round((n * 1000) / rawMs), readBack: await readBack('bench_writer_raw') },
  };
}

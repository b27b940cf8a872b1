/**
 * The sink against a real InfluxDB 1.x (Debian's influxd, started by the
 * harness): what is written reads back exactly, an outage delays and never
 * drops or doubles, a restarted sink delivers what its predecessor left, and
 * a bad line is set aside without blocking its batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLES } from '../../schemas/src/examples.js';
import type { MessageKind } from '../../schemas/src/device-messages.js';
import { silentLogger } from '../../services/observability/logger.js';
import type { Db } from '../../services/store/db.js';
import type { InfluxConfig } from '../../services/influx/config.js';
import { readingToLine, type JournalReading } from '../../services/influx/points.js';
import { createInfluxSink, type InfluxSink } from '../../services/influx/sink.js';
import { startInfluxd, type Influxd, type InfluxQueryResult } from '../support/influxd.js';
import { influxTestConfig, INFLUX_T0 as T0, metricSum as metric, openTestDb, waitFor } from '../support/influx-fixtures.js';
import { createCleanups } from '../support/cleanups.js';

const COMMUNITY = '桦川 1,a=b';

let influxd: Influxd;
let dir: string;
const cleanups = createCleanups();

beforeAll(async () => {
  influxd = await startInfluxd();
  dir = mkdtempSync(join(tmpdir(), 'gw-influx-sink-'));
});

afterEach(() => cleanups.run());

afterAll(async () => {
  await influxd?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const config = (database: string, env: Record<string, string> = {}): InfluxConfig => influxTestConfig(influxd.url, database, env);

const openDb = (name: string): Db => openTestDb(dir, name, cleanups);

function newSink(db: Db, database: string, registry = new Registry(), now?: () => number): InfluxSink {
  const sink = createInfluxSink({ db, config: config(database), logger: silentLogger(), registry, now });
  cleanups.add(() => (db.open ? sink.stop() : undefined));
  return sink;
}

/** A gate thermometer reading; three per millisecond, so same-ms readings are exercised throughout. */
function temperatureLine(seq: number, community = 'stream'): string {
  const payload = { ...EXAMPLES.temperature.payload, seq, temperatureC: tempOf(seq) };
  return readingToLine({ kind: 'temperature', communityId: community, deviceId: 'therm-g1', seq, eventTime: T0 + Math.floor(seq / 3), payload });
}
const tempOf = (seq: number): number => 36 + (seq % 20) / 10;

function rows(result: InfluxQueryResult): unknown[][] {
  const [first] = result.results;
  if (first?.error) throw new Error(first.error);
  return first?.series?.[0]?.values ?? [];
}


/** Every seq in 1..n once, with its value, in time order. */
function expectedStream(n: number): unknown[][] {
  return Array.from({ length: n }, (_, i) => [i + 1, tempOf(i + 1)]);
}

describe('InfluxDB sink', () => {
  test('what is written reads back exactly, tag values with spaces, commas, = and Chinese included', async () => {
    const sink = newSink(openDb('readback'), 'readback');
    const examples = (Object.keys(EXAMPLES) as MessageKind[]).map((kind) => {
      const { deviceId, payload } = EXAMPLES[kind];
      return { kind, communityId: COMMUNITY, deviceId, seq: payload.seq, eventTime: Date.parse(payload.ts), payload } as JournalReading;
    });
    const odd = { ...EXAMPLES.disinfection.payload, seq: 2, location: 'B2 "east" lobby\\ 大堂,=x' };
    sink.enqueue([...examples.map(readingToLine), readingToLine({ ...examples[3], seq: 2, payload: odd } as JournalReading)]);
    expect(sink.depth()).toBe(9);

    expect(await sink.flushNow()).toEqual({ written: 9, rejected: 0, depth: 0, error: null });

    expect(rows(await influxd.query(`SHOW TAG VALUES FROM "temperature" WITH KEY = "community"`, 'readback'))).toEqual([['community', COMMUNITY]]);
    expect(await influxd.query(`SELECT * FROM "temperature" WHERE "community" = '${COMMUNITY}'`, 'readback')).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            {
              name: 'temperature',
              columns: ['time', 'community', 'device', 'gate', 'seq', 'subject', 'temperature_c'],
              values: [['2021-02-03T00:15:00.000000001Z', COMMUNITY, 'therm-g1', 'g1', 1, 'resident', 38.1]],
            },
          ],
        },
      ],
    });
    expect(rows(await influxd.query(`SELECT "location", "concentration_mg_per_l", "duration_s", "agent" FROM "disinfection" WHERE "community" = '${COMMUNITY}'`, 'readback'))).toEqual([
      ['2021-02-03T01:20:00.000000001Z', 'Building 2 lobby', 500, 900, 'chlorine'],
      ['2021-02-03T01:20:00.000000002Z', 'B2 "east" lobby\\ 大堂,=x', 500, 900, 'chlorine'],
    ]);
    expect(rows(await influxd.query(`SELECT "battery_pct", "firmware", "online", "rssi_dbm", "uptime_s", "state" FROM "device_status"`, 'readback'))).toEqual([
      ['2021-02-03T00:20:00.000000003Z', 87, '1.4.2', 1, -61, 86400, 'online'],
    ]);

    // A resend of the same reading lands on the same point.
    sink.enqueue([readingToLine(examples[0] as JournalReading)]);
    expect(await sink.flushNow()).toEqual({ written: 1, rejected: 0, depth: 0, error: null });
    expect(rows(await influxd.query('SELECT count("temperature_c") FROM "temperature"', 'readback'))).toEqual([['1970-01-01T00:00:00Z', 1]]);
  });

  test('influxd stopped in the middle of a stream: every point arrives exactly once', async () => {
    const registry = new Registry();
    const db = openDb('outage');
    const sink = newSink(db, 'outage', registry);
    sink.start();
    let seq = 0;
    // Enqueued the way ingest will: inside the transaction of the journal write.
    const enqueueTick = db.transaction(() => {
      for (let i = 0; i < 10; i++) sink.enqueue([temperatureLine(++seq)]);
    });
    const tick = () => new Promise((r) => setTimeout(r, 15));

    for (let i = 0; i < 10; i++, await tick()) enqueueTick();
    await influxd.stop();
    for (let i = 0; i < 20; i++, await tick()) enqueueTick();
    const waitingDuringOutage = sink.depth();
    await influxd.start();
    for (let i = 0; i < 10; i++, await tick()) enqueueTick();

    await waitFor('the outbox to drain', () => sink.depth() === 0);
    expect(seq).toBe(400);
    expect(waitingDuringOutage).toBeGreaterThanOrEqual(200);
    expect(await metric(registry, 'gatewatch_influx_write_errors_total', { code: 'network' })).toBeGreaterThan(0);
    expect(await metric(registry, 'gatewatch_influx_points_written_total')).toBe(400);
    expect(rows(await influxd.query('SELECT count("temperature_c"), sum("seq") FROM "temperature"', 'outage'))).toEqual([['1970-01-01T00:00:00Z', 400, 80_200]]);
    expect(rows(await influxd.query('SELECT "seq", "temperature_c" FROM "temperature"', 'outage')).map((r) => r.slice(1))).toEqual(expectedStream(400));
  });

  test('a restarted sink delivers what its predecessor left in the outbox', async () => {
    await influxd.stop();
    let clock = T0;
    const registry1 = new Registry();
    const db1 = openDb('restart');
    const sink1 = newSink(db1, 'restart', registry1, () => clock);
    sink1.start();
    sink1.enqueue(Array.from({ length: 250 }, (_, i) => temperatureLine(i + 1)));
    const attempt = await sink1.flushNow();
    expect(attempt).toMatchObject({ written: 0, rejected: 0, depth: 250 });
    expect(attempt.error).toMatch(/ECONNREFUSED/);
    clock += 5_000;
    expect(await metric(registry1, 'gatewatch_influx_outbox_depth')).toBe(250);
    expect(await metric(registry1, 'gatewatch_influx_outbox_lag_seconds')).toBe(5);
    await sink1.stop();
    db1.close();

    await influxd.start();
    const registry2 = new Registry();
    const sink2 = newSink(openDb('restart'), 'restart', registry2);
    expect(sink2.depth()).toBe(250);
    sink2.start();
    await waitFor('the outbox to drain', () => sink2.depth() === 0);
    expect(await metric(registry2, 'gatewatch_influx_points_written_total')).toBe(250);
    expect(await metric(registry2, 'gatewatch_influx_outbox_lag_seconds')).toBe(0);
    expect(rows(await influxd.query('SELECT "seq", "temperature_c" FROM "temperature"', 'restart')).map((r) => r.slice(1))).toEqual(expectedStream(250));
  });

  test('partial write: a field type conflict and an unparsable line are set aside with their reasons, the rest land', async () => {
    const registry = new Registry();
    const db = openDb('partial');
    const sink = newSink(db, 'partial', registry);
    sink.enqueue(['conflict,device=d1 v=1 1612310400000000000']);
    expect(await sink.flushNow()).toEqual({ written: 1, rejected: 0, depth: 0, error: null });

    const good = (i: number) => `conflict,device=d1 v=${i + 0.5} ${1612310400000000000n + BigInt(i)}`;
    sink.enqueue([good(1), good(2), 'conflict,device=d1 v=3i 1612310400000000003', good(4), 'conflict,device=d1 v= 1612310400000000005', good(6), good(7)]);
    expect(await sink.flushNow()).toEqual({ written: 5, rejected: 2, depth: 0, error: null });

    expect(db.prepare('SELECT line, http_status, reason FROM influx_rejected ORDER BY outbox_id').all()).toEqual([
      {
        line: 'conflict,device=d1 v=3i 1612310400000000003',
        http_status: 400,
        reason: 'partial write: field type conflict: input field "v" on measurement "conflict" is type integer, already exists as type float dropped=1',
      },
      {
        line: 'conflict,device=d1 v= 1612310400000000005',
        http_status: 400,
        reason: "unable to parse 'conflict,device=d1 v= 1612310400000000005': missing field value",
      },
    ]);
    expect(await metric(registry, 'gatewatch_influx_points_rejected_total')).toBe(2);
    expect(rows(await influxd.query('SELECT "v" FROM "conflict"', 'partial'))).toEqual([
      ['2021-02-03T00:00:00Z', 1],
      ['2021-02-03T00:00:00.000000001Z', 1.5],
      ['2021-02-03T00:00:00.000000002Z', 2.5],
      ['2021-02-03T00:00:00.000000004Z', 4.5],
      ['2021-02-03T00:00:00.000000006Z', 6.5],
      ['2021-02-03T00:00:00.000000007Z', 7.5],
    ]);
  });

  test('an enqueue inside a transaction that rolls back leaves nothing behind', () => {
    const db = openDb('rollback');
    const sink = newSink(db, 'rollback');
    const journalWrite = db.transaction((fail: boolean) => {
      sink.enqueue([temperatureLine(1)]);
      if (fail) throw new Error('journal write failed');
    });
    expect(() => journalWrite(true)).toThrow('journal write failed');
    expect(sink.depth()).toBe(0);
    journalWrite(false);
    expect(sink.depth()).toBe(1);
    expect(() => sink.enqueue(['m v=1 1\nm v=2 2'])).toThrow(TypeError);
    expect(sink.depth()).toBe(1);
  });

  test('a database dropped under a running sink (404) is created again and the points land', async () => {
    const registry = new Registry();
    const sink = newSink(openDb('dropped'), 'dropped', registry);
    sink.start();
    sink.enqueue([temperatureLine(1)]);
    await waitFor('the first point', () => sink.depth() === 0);
    await influxd.query('DROP DATABASE "dropped"');
    sink.enqueue([temperatureLine(2), temperatureLine(3)]);
    await waitFor('the outbox to drain', () => sink.depth() === 0);
    expect(await metric(registry, 'gatewatch_influx_write_errors_total', { code: '404' })).toBeGreaterThan(0);
    expect(rows(await influxd.query('SELECT "seq", "temperature_c" FROM "temperature"', 'dropped')).map((r) => r.slice(1))).toEqual([
      [2, tempOf(2)],
      [3, tempOf(3)],
    ]);
  });

  test('a retention policy the server does not have is not the lines\' fault: they wait, none is rejected', async () => {
    const db = openDb('no-rp');
    const sink = createInfluxSink({ db, config: config('no-rp', { GW_INFLUX_RP: 'nope' }), logger: silentLogger(), registry: new Registry() });
    sink.enqueue([temperatureLine(1), temperatureLine(2)]);
    expect(await sink.flushNow()).toEqual({ written: 0, rejected: 0, depth: 2, error: 'retention policy not found: nope' });
    expect(db.prepare('SELECT count(*) FROM influx_rejected').pluck().get()).toBe(0);
  });
});

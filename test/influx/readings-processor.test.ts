/**
 * The InfluxDB projection of readings as a processor over the journal
 * (services/influx/readings.ts), on a real SQLite journal and a real influxd
 * (auth on) behind a proxy that counts the lines each database accepted:
 * every reading after the checkpoint reaches the county database and its
 * company's exactly once; an outage leaves only the lag (the outbox stays
 * empty) and the retry delivers everything; a new process resumes from the
 * checkpoint and sends nothing twice; a crash between the POST and the
 * checkpoint's commit re-sends that one batch (the same points); a company
 * database that refuses writes holds up neither the county nor another
 * company; rows pruned before they were projected are counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLES } from '../../schemas/src/examples.js';
import { silentLogger } from '../../services/observability/logger.js';
import type { Db } from '../../services/store/db.js';
import { createJournal } from '../../services/store/journal.js';
import { createCheckpointsRepo } from '../../services/store/checkpoints-repo.js';
import type { InfluxConfig } from '../../services/influx/config.js';
import { createInfluxSink, type InfluxSink } from '../../services/influx/sink.js';
import { createReadingsProjection, INFLUX_READINGS, type ReadingsProjection } from '../../services/influx/readings.js';
import { startInfluxd, type Influxd } from '../support/influxd.js';
import {
  COMPANY_A as A, COMPANY_A_DB as DB_A, COMPANY_B as B, COMPANY_B_DB as DB_B, COUNTY_DB as COUNTY,
  createLimitedWriter, influxTestConfig, influxUser, INFLUX_T0 as T0, metricSum as metric, openRegistryDb,
  temperatureCounts, waitFor,
} from '../support/influx-fixtures.js';
import { createCleanups } from '../support/cleanups.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';

const ADMIN = { name: 'gwadmin', password: 'admin-pass-Rd72' };

let influxd: Influxd;
let proxy: CountingProxy;
let dir: string;
const cleanups = createCleanups();

beforeAll(async () => {
  influxd = await startInfluxd({ auth: ADMIN });
  proxy = await startCountingProxy(() => influxd.url);
  dir = mkdtempSync(join(tmpdir(), 'gw-influx-readings-'));
});
afterEach(async () => {
  await cleanups.run();
  proxy.reset();
});
afterAll(async () => {
  await proxy?.close();
  await influxd?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function config(user = ADMIN, batchSize = 100): InfluxConfig {
  return influxTestConfig(proxy.url, COUNTY, { ...influxUser(user), GW_INFLUX_BATCH_SIZE: String(batchSize), GW_INFLUX_MAX_BACKOFF_MS: '200' });
}

interface Store {
  db: Db;
  journal: ReturnType<typeof createJournal>;
  checkpoints: ReturnType<typeof createCheckpointsRepo>;
}

/** A SQLite store (reopened when it exists: a new process) whose registry gives communities to companies. */
function openStore(name: string, communities: Record<string, string> = {}): Store {
  const db = openRegistryDb(dir, name, communities, cleanups);
  return { db, journal: createJournal(db), checkpoints: createCheckpointsRepo(db) };
}

let nextSeq = 1;
/** Journals `n` temperature readings of `community` (one device each), in one transaction; returns their seqs. */
function journal(store: Store, community: string, n: number): number[] {
  const seqs: number[] = [];
  store.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const seq = nextSeq++;
      seqs.push(seq);
      store.journal.appendReading({
        communityId: community, deviceId: `therm-${community}`, kind: 'temperature', seq, eventTime: T0 + seq * 1000, receivedAt: T0 + seq * 1000,
        payload: { ...EXAMPLES.temperature.payload, seq, temperatureC: 36.5 },
      });
    }
  })();
  return seqs;
}

function projection(store: Store, options: { user?: typeof ADMIN; batchSize?: number; project?: InfluxSink['project'] } = {}) {
  const registry = new Registry();
  const sink = createInfluxSink({ db: store.db, config: config(options.user, options.batchSize), logger: silentLogger(), registry });
  const readings: ReadingsProjection = createReadingsProjection({
    db: store.db, journal: store.journal, checkpoints: store.checkpoints, sink: options.project ? { project: options.project } : sink,
    config: config(options.user, options.batchSize), logger: silentLogger(), registry,
  });
  cleanups.add(async () => {
    await readings.runner.stop();
    if (store.db.open) await sink.stop();
  });
  return { sink, readings, registry };
}

/** Temperature points per community in `database`, for communities matching `only` (a company database not created yet: none). */
const counts = (database: string, only: RegExp) => temperatureCounts(influxd, database, only, { missingIsEmpty: true });

describe('the readings processor (influx.readings)', () => {
  test('starts at the journal end the first time; every later reading reaches the county and its company once, from the journal alone', async () => {
    const store = openStore('once', { 'hc-a1': A, 'hc-b1': B });
    journal(store, 'hc-a1', 3); // before InfluxDB was configured: not replayed
    const { readings, sink, registry } = projection(store);
    expect(store.checkpoints.position(INFLUX_READINGS)).toBe(3);
    journal(store, 'hc-a1', 5);
    journal(store, 'hc-b1', 4);
    journal(store, 'hc-x1', 3);
    expect(await metric(registry, 'gatewatch_processor_lag_readings')).toBe(12);

    expect(await readings.runner.drain()).toBe(12);
    expect(store.checkpoints.position(INFLUX_READINGS)).toBe(15);
    expect(await metric(registry, 'gatewatch_processor_lag_readings')).toBe(0);
    // Lines sent: the county 12, A 5, B 4 — each once, in one POST per database.
    expect([proxy.lines(COUNTY, 'temperature'), proxy.lines(DB_A, 'temperature'), proxy.lines(DB_B, 'temperature')]).toEqual([12, 5, 4]);
    expect(proxy.writes()).toEqual([{ database: COUNTY, lines: 12 }, { database: DB_A, lines: 5 }, { database: DB_B, lines: 4 }]);
    const only = /^hc-[abx]1$/;
    expect(await counts(COUNTY, only)).toEqual({ 'hc-a1': 5, 'hc-b1': 4, 'hc-x1': 3 });
    expect(await counts(DB_A, only)).toEqual({ 'hc-a1': 5 });
    expect(await counts(DB_B, only)).toEqual({ 'hc-b1': 4 });
    // Nothing went through the outbox tables.
    expect([sink.depth(), store.db.prepare('SELECT count(*) FROM influx_outbox_tenant').pluck().get()]).toEqual([0, 0]);
    expect(await readings.runner.drain()).toBe(0);
    expect(proxy.writes()).toHaveLength(3);
  });

  test('the same line as the outbox had (readingToLine), in batches of GW_INFLUX_BATCH_SIZE', async () => {
    const store = openStore('batches', {});
    const { readings } = projection(store, { batchSize: 4 });
    const seqs = journal(store, 'hc-x2', 10);
    expect(await readings.runner.drain()).toBe(10);
    expect(proxy.writes()).toEqual([4, 4, 2].map((lines) => ({ database: COUNTY, lines })));
    const res = await influxd.query(`SELECT "seq", "temperature_c", "device", "gate", "subject" FROM "temperature" WHERE "community" = 'hc-x2'`, COUNTY);
    // Time: event time in ms × 10⁶ + seq (points.ts), as InfluxDB prints it (RFC 3339, trailing zeros trimmed).
    const time = (seq: number) => `${new Date(T0 + seq * 1000).toISOString().slice(0, 19)}.${String(seq).padStart(9, '0').replace(/0+$/, '')}Z`;
    expect(res.results[0]!.series![0]!.values).toEqual(seqs.map((seq) => [time(seq), seq, 36.5, 'therm-hc-x2', 'g1', 'resident']));
  });

  test('an outage leaves only the lag: nothing is queued, the retry from the checkpoint delivers each reading once', async () => {
    const store = openStore('outage', { 'hc-a3': A });
    const { readings, sink, registry } = projection(store);
    const before = store.checkpoints.position(INFLUX_READINGS);
    await influxd.stop();
    try {
      journal(store, 'hc-a3', 7);
      journal(store, 'hc-x3', 2);
      await expect(readings.runner.drain()).rejects.toThrow(`InfluxDB database "${COUNTY}" did not take 9 reading lines`);
      expect(store.checkpoints.position(INFLUX_READINGS)).toBe(before);
      readings.runner.start();
      await waitFor('two failed steps', () => readings.runner.failures() >= 2);
      expect(await metric(registry, 'gatewatch_processor_lag_readings')).toBe(9);
      expect(sink.depth()).toBe(0);
      expect(store.db.prepare('SELECT (SELECT count(*) FROM influx_outbox) + (SELECT count(*) FROM influx_outbox_tenant)').pluck().get()).toBe(0);
    } finally {
      await influxd.start();
    }
    await waitFor('the lag to reach 0', async () => (await metric(registry, 'gatewatch_processor_lag_readings')) === 0);
    await readings.runner.idle();
    expect([proxy.lines(COUNTY, 'temperature'), proxy.lines(DB_A, 'temperature')]).toEqual([9, 7]);
    expect(await counts(COUNTY, /^hc-[ax]3$/)).toEqual({ 'hc-a3': 7, 'hc-x3': 2 });
    expect(await counts(DB_A, /^hc-[ax]3$/)).toEqual({ 'hc-a3': 7 });
  });

  test('a new process resumes from the checkpoint: what the last one delivered is not sent again', async () => {
    const first = openStore('restart', { 'hc-a4': A });
    const one = projection(first);
    journal(first, 'hc-a4', 6);
    await one.readings.runner.drain();
    journal(first, 'hc-a4', 4); // journaled, not projected yet, when the process stops
    await one.readings.runner.stop();
    first.db.close();

    const second = openStore('restart');
    const two = projection(second);
    expect(await metric(two.registry, 'gatewatch_processor_lag_readings')).toBe(4);
    two.readings.runner.start();
    await waitFor('the lag to reach 0', async () => (await metric(two.registry, 'gatewatch_processor_lag_readings')) === 0);
    expect([proxy.lines(COUNTY, 'temperature'), proxy.lines(DB_A, 'temperature')]).toEqual([10, 10]);
    expect(proxy.writes()).toEqual([{ database: COUNTY, lines: 6 }, { database: DB_A, lines: 6 }, { database: COUNTY, lines: 4 }, { database: DB_A, lines: 4 }]);
    expect(await counts(COUNTY, /^hc-a4$/)).toEqual({ 'hc-a4': 10 });
  });

  test('a crash between the POSTs and the checkpoint commit re-sends that batch only: the same points, none lost', async () => {
    const store = openStore('crash', {});
    let crashes = 1;
    const registry = new Registry();
    const sink = createInfluxSink({ db: store.db, config: config(), logger: silentLogger(), registry });
    const { readings } = projection(store, {
      project: (batch, commitCheckpoint) =>
        sink.project(batch, () => {
          if (crashes-- > 0) throw new Error('the process died before the commit');
          commitCheckpoint();
        }),
    });
    journal(store, 'hc-x5', 5);
    await expect(readings.runner.drain()).rejects.toThrow('the process died before the commit');
    expect(await readings.runner.drain()).toBe(5);
    expect(proxy.writes()).toEqual([{ database: COUNTY, lines: 5 }, { database: COUNTY, lines: 5 }]);
    expect(await counts(COUNTY, /^hc-x5$/)).toEqual({ 'hc-x5': 5 });
    journal(store, 'hc-x5', 2);
    expect(await readings.runner.drain()).toBe(2);
    expect(proxy.lines(COUNTY, 'temperature')).toBe(12);
    expect(await counts(COUNTY, /^hc-x5$/)).toEqual({ 'hc-x5': 7 });
    await sink.stop();
  });

  test('a company database that refuses writes holds up neither the county nor another company; its lines wait in influx_outbox_tenant and land later', async () => {
    const writer = { name: 'gwreadings', password: 'writer-pass-Kq40' };
    await createLimitedWriter(influxd, cleanups, writer, [COUNTY, DB_A, DB_B], [COUNTY, DB_B]);
    const store = openStore('refusing', { 'hc-a6': A, 'hc-b6': B });
    const { readings, sink } = projection(store, { user: writer });
    const tenantRows = () => store.db.prepare('SELECT target, count(*) AS n FROM influx_outbox_tenant GROUP BY target').all();
    // An outbox row first, so the deferred readings must take ids after it.
    store.db.transaction(() => sink.enqueue(['probe,community=hc-b6 v=1i 1'], 'hc-b6'))();

    journal(store, 'hc-a6', 6);
    journal(store, 'hc-b6', 4);
    expect(await readings.runner.drain()).toBe(10);
    expect(tenantRows()).toEqual([{ target: DB_A, n: 6 }]);
    expect((store.db.prepare('SELECT min(id) FROM influx_outbox_tenant').pluck().get() as number) > (store.db.prepare('SELECT max(id) FROM influx_outbox').pluck().get() as number)).toBe(true);
    expect([proxy.lines(COUNTY, 'temperature'), proxy.lines(DB_B, 'temperature'), proxy.lines(DB_A, 'temperature')]).toEqual([10, 4, 0]);

    // More while A still refuses (and backs off): A's queue behind its older lines, the others at once.
    journal(store, 'hc-a6', 3);
    journal(store, 'hc-b6', 2);
    expect(await readings.runner.drain()).toBe(5);
    expect(tenantRows()).toEqual([{ target: DB_A, n: 9 }]);
    const only = /^hc-[ab]6$/;
    expect(await counts(COUNTY, only)).toEqual({ 'hc-a6': 9, 'hc-b6': 6 });
    expect(await counts(DB_B, only)).toEqual({ 'hc-b6': 6 });

    await influxd.query(`GRANT WRITE ON "${DB_A}" TO "${writer.name}"`);
    sink.start();
    await waitFor('the company queue to drain', () => sink.depth() === 0);
    expect(await counts(DB_A, only)).toEqual({ 'hc-a6': 9 });
    expect([proxy.lines(COUNTY, 'temperature'), proxy.lines(DB_A, 'temperature'), proxy.lines(DB_B, 'temperature')]).toEqual([15, 9, 6]);
    expect(store.db.prepare('SELECT count(*) FROM influx_rejected').pluck().get()).toBe(0);
  });

  test('rows retention pruned before they were projected are counted and skipped', async () => {
    const store = openStore('pruned', {});
    const { readings, registry } = projection(store);
    journal(store, 'hc-x7', 3);
    await readings.runner.drain();
    const kept = journal(store, 'hc-x7', 4);
    // Retention deletes the two oldest unprojected rows (event time below the cut-off); it prunes only what the
    // rules processor has taken, here everything.
    store.checkpoints.advance('rules', store.checkpoints.journalEnd(), 0);
    store.journal.prune(T0 + (kept[1]! + 1) * 1000);
    expect(await readings.runner.drain()).toBe(2);
    expect(readings.prunedUnprojected()).toBe(2);
    expect(await metric(registry, 'gatewatch_influx_readings_pruned_unprojected_total')).toBe(2);
    expect(proxy.writes()).toEqual([{ database: COUNTY, lines: 3 }, { database: COUNTY, lines: 2 }]);
    expect(await counts(COUNTY, /^hc-x7$/)).toEqual({ 'hc-x7': 5 });
  });
});

/**
 * What the InfluxDB tests (test/influx/sink, tenants, readings-processor) set
 * up alike, once: the county and two companies, the sink's configuration with
 * a test's short timings, a SQLite file whose registry gives communities to
 * companies, a writer refused on some databases, waiting for a condition,
 * reading a metric and counting the temperature points a database holds per
 * community. Teardown goes through ./cleanups.ts.
 */
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { parseInfluxConfig, type InfluxConfig } from '../../services/influx/config.js';
import { tenantDatabase } from '../../services/influx/tenants.js';
import { openDatabase, type Db } from '../../services/store/db.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import type { Influxd } from './influxd.js';
import type { Cleanups } from './cleanups.js';

/** The county database and two property companies with their own databases: one name in Chinese (its key is a hash), one in ASCII. */
export const COUNTY_DB = 'gatewatch';
export const COMPANY_A = '安居物业';
export const COMPANY_B = 'City Property';
export const COMPANY_A_DB = tenantDatabase('gatewatch_co_', COMPANY_A);
export const COMPANY_B_DB = tenantDatabase('gatewatch_co_', COMPANY_B);

/** 08:00 on the recorded day in Shanghai: the event time the InfluxDB tests' readings count from. */
export const INFLUX_T0 = Date.parse('2021-02-03T08:00:00+08:00');

/**
 * The sink's configuration for `url` and `database` with short timings (batches of 100, a flush every
 * 50 ms, retries capped at 250 ms, 2 s per request), so an outage and its recovery fit in a test; `env`
 * overrides any of it.
 */
export function influxTestConfig(url: string, database: string, env: Record<string, string> = {}): InfluxConfig {
  const c = parseInfluxConfig({
    GW_INFLUX_URL: url, GW_INFLUX_DB: database,
    GW_INFLUX_BATCH_SIZE: '100', GW_INFLUX_FLUSH_MS: '50', GW_INFLUX_MAX_BACKOFF_MS: '250', GW_INFLUX_TIMEOUT_MS: '2000',
    ...env,
  });
  if (!c) throw new Error('sink config expected');
  return c;
}

/** The user and password variables of `user`, for influxTestConfig's env. */
export const influxUser = (user: { name: string; password: string }): Record<string, string> => ({
  GW_INFLUX_USER: user.name, GW_INFLUX_PASSWORD: user.password,
});

/** A SQLite file `dir/name/gatewatch.sqlite` (reopened when it exists: a new process), closed by `cleanups`. */
export function openTestDb(dir: string, name: string, cleanups: Cleanups): Db {
  const db = openDatabase(join(dir, name, 'gatewatch.sqlite'));
  cleanups.add(() => {
    if (db.open) db.close();
  });
  return db;
}

/** openTestDb, its registry giving each community (id → company) to its property company, in Asia/Shanghai. */
export function openRegistryDb(dir: string, name: string, communities: Record<string, string>, cleanups: Cleanups): Db {
  const db = openTestDb(dir, name, cleanups);
  const registry = createRegistryRepo(db);
  for (const [id, company] of Object.entries(communities)) registry.upsertCommunity({ id, name: id, propertyCompany: company, timeZone: 'Asia/Shanghai' });
  return db;
}

/** Polls `condition` every 20 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A metric's value summed over its series, only those with every label of `labels`. */
export async function metricSum(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/**
 * Temperature points per community in `database` (as influxd's admin), for communities matching `only`.
 * A database that does not exist throws, unless `missingIsEmpty` (a company database created on first write).
 */
export async function temperatureCounts(influxd: Influxd, database: string, only: RegExp, options: { missingIsEmpty?: boolean } = {}): Promise<Record<string, number>> {
  const r = await influxd.query(`SELECT count("temperature_c") FROM "temperature" WHERE "community" =~ ${only.toString()} GROUP BY "community"`, database);
  const [first] = r.results;
  if (options.missingIsEmpty && first?.error?.includes('database not found')) return {};
  if (first?.error) throw new Error(first.error);
  return Object.fromEntries((first?.series ?? []).map((s) => [s.tags!.community!, s.values[0]![1] as number]));
}

/**
 * Creates `databases` and the user `writer`, allowed to write `writable` of them only (a write to another
 * is refused with 403, which the sink retries); the user is dropped after the test.
 */
export async function createLimitedWriter(
  influxd: Influxd, cleanups: Cleanups, writer: { name: string; password: string }, databases: readonly string[], writable: readonly string[],
): Promise<void> {
  for (const db of databases) await influxd.query(`CREATE DATABASE "${db}"`);
  await influxd.query(`CREATE USER "${writer.name}" WITH PASSWORD '${writer.password}'`);
  for (const db of writable) await influxd.query(`GRANT WRITE ON "${db}" TO "${writer.name}"`);
  cleanups.add(async () => {
    await influxd.query(`DROP USER "${writer.name}"`);
  });
}

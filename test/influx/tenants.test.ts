/**
 * Per-company databases and read access against a real InfluxDB 1.x with
 * `auth-enabled = true` (Debian's influxd, test/support/influxd.ts): after
 * readings of company A's and company B's communities, A's database holds
 * exactly A's points, B's only B's, the county's all; points queued during
 * an outage reach every database after influxd and the sink restart; the
 * read-only user `influx-tenants` makes for A reads A's database and is
 * refused on B's and the county's; its Grafana calls (organisation, data
 * source, folder, dashboard) reach a local receiver exactly as expected.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLES } from '../../schemas/src/examples.js';
import { silentLogger } from '../../services/observability/logger.js';
import { loadMigrations, migrate, openDatabase, type Db } from '../../services/store/db.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import type { InfluxConfig } from '../../services/influx/config.js';
import { readingToLine } from '../../services/influx/points.js';
import { createInfluxSink, type InfluxSink } from '../../services/influx/sink.js';
import { communityOfLine, companyKey, createTenantRouter } from '../../services/influx/tenants.js';
import { provisionTenants, type GrafanaConfig } from '../../services/influx/provision.js';
import { startInfluxd, type Influxd } from '../support/influxd.js';
import { startFakeGrafana, type FakeGrafana } from './grafana-fake.js';
import {
  COMPANY_A as A, COMPANY_A_DB as DB_A, COMPANY_B as B, COMPANY_B_DB as DB_B, COUNTY_DB as COUNTY,
  createLimitedWriter, influxTestConfig, influxUser, INFLUX_T0 as T0, openRegistryDb, openTestDb, temperatureCounts,
  waitFor,
} from '../support/influx-fixtures.js';
import { createCleanups } from '../support/cleanups.js';

const ROOT = join(import.meta.dirname, '../..');
const ADMIN = { name: 'gwadmin', password: 'admin-pass-Zq81' };

let influxd: Influxd;
let grafana: FakeGrafana;
let dir: string;
const cleanups = createCleanups();

beforeAll(async () => {
  influxd = await startInfluxd({ auth: ADMIN });
  grafana = await startFakeGrafana();
  dir = mkdtempSync(join(tmpdir(), 'gw-influx-tenants-'));
});
afterEach(() => cleanups.run());
afterAll(async () => {
  await grafana?.close();
  await influxd?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = (user = ADMIN): InfluxConfig => influxTestConfig(influxd.url, COUNTY, influxUser(user));

/** A SQLite store whose registry gives `communities` to their companies. */
const openStore = (name: string, communities: Record<string, string>): Db => openRegistryDb(dir, name, communities, cleanups);

function newSink(db: Db, user = ADMIN): InfluxSink {
  const sink = createInfluxSink({ db, config: config(user), logger: silentLogger(), registry: new Registry() });
  cleanups.add(() => (db.open ? sink.stop() : undefined));
  return sink;
}

function temperatures(community: string, seqs: number[]): string[] {
  return seqs.map((seq) =>
    readingToLine({ kind: 'temperature', communityId: community, deviceId: 'therm-g1', seq, eventTime: T0 + seq * 1000, payload: { ...EXAMPLES.temperature.payload, seq, temperatureC: 36.5 } }),
  );
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Temperature points per community in `database` (as the admin), for communities matching `only`; a missing database throws. */
const counts = (database: string, only: RegExp) => temperatureCounts(influxd, database, only);

describe('company databases', () => {
  test('company keys are database-safe and stable; the community tag is read from the series key only', () => {
    expect(companyKey('anju_wuye')).toBe('anju_wuye');
    expect(companyKey(A)).toMatch(/^[0-9a-f]{10}$/);
    expect(companyKey(A)).toBe(companyKey('安居物业'));
    expect(companyKey(B)).toMatch(/^city_property_[0-9a-f]{10}$/);
    expect(companyKey('city_property')).toBe('city_property');
    expect(DB_A).toBe(`gatewatch_co_${companyKey(A)}`);

    expect(communityOfLine(temperatures('桦川 1,a=b', [1])[0]!)).toBe('桦川 1,a=b');
    expect(communityOfLine('m,device=d,community=hc\\ 1 v=1 1')).toBe('hc 1');
    expect(communityOfLine('alarm,rule=fever title="x,community=hc-001" 1')).toBeUndefined();
    expect(communityOfLine('community=hc-001 v=1 1')).toBeUndefined();
  });

  test("each company's database holds exactly its communities' points, the county's all; an unknown community stays county-only", async () => {
    const db = openStore('split', { 'hc-a1': A, 'hc-a2': A, 'hc-b1': B });
    const sink = newSink(db);
    db.transaction(() => {
      sink.enqueue(temperatures('hc-a1', range(1, 5)));
      sink.enqueue([...temperatures('hc-a2', range(1, 3)), ...temperatures('hc-b1', range(1, 4)), ...temperatures('hc-x1', range(1, 2))]);
    })();
    // 14 points for the county, 8 more for A, 4 for B, none more for hc-x1.
    expect(sink.depth()).toBe(26);
    expect(await sink.flushNow()).toEqual({ written: 26, rejected: 0, depth: 0, error: null });

    const all = /^hc-(a1|a2|b1|x1)$/;
    expect(await counts(COUNTY, all)).toEqual({ 'hc-a1': 5, 'hc-a2': 3, 'hc-b1': 4, 'hc-x1': 2 });
    expect(await counts(DB_A, all)).toEqual({ 'hc-a1': 5, 'hc-a2': 3 });
    expect(await counts(DB_B, all)).toEqual({ 'hc-b1': 4 });
    // Created on demand; nothing for a community the registry does not know.
    const databases = (await influxd.query('SHOW DATABASES')).results[0]?.series?.[0]?.values.map((v) => v[0]);
    expect(databases?.sort()).toEqual([COUNTY, DB_A, DB_B].sort());
  });

  test('points queued while influxd is down reach the county and the company databases after influxd and the sink restart', async () => {
    const db = openStore('outage', { 'hc-a3': A, 'hc-b3': B });
    const first = newSink(db);
    await influxd.stop();
    db.transaction(() => first.enqueue([...temperatures('hc-a3', range(1, 10)), ...temperatures('hc-b3', range(1, 5))]))();
    const failed = await first.flushNow();
    expect(failed).toMatchObject({ written: 0, rejected: 0, depth: 30 });
    expect(failed.error).toContain('ECONNREFUSED');
    await first.stop();
    db.close();

    // A new process: the same SQLite file, a new sink, influxd back.
    const reopened = openTestDb(dir, 'outage', cleanups);
    const second = newSink(reopened);
    expect(second.depth()).toBe(30);
    await influxd.start();
    second.start();
    await waitFor('the outbox to drain', () => second.depth() === 0);

    const outage = /^hc-[ab]3$/;
    expect(await counts(COUNTY, outage)).toEqual({ 'hc-a3': 10, 'hc-b3': 5 });
    expect(await counts(DB_A, outage)).toEqual({ 'hc-a3': 10 });
    expect(await counts(DB_B, outage)).toEqual({ 'hc-b3': 5 });
  });

  test('one row per point; the router is told the community or reads the tag, and sees a moved community within its refresh window', () => {
    const db = openStore('router', { 'hc-a4': A, 'hc-b4': B });
    const sink = newSink(db);
    db.transaction(() => {
      sink.enqueue(temperatures('hc-a4', [1, 2]), 'hc-a4');
      sink.enqueue(temperatures('hc-b4', [1]));
      sink.enqueue(temperatures('hc-x4', [1]), 'hc-x4');
    })();
    expect(db.prepare('SELECT target FROM influx_outbox ORDER BY id').pluck().all()).toEqual([DB_A, DB_A, DB_B, null]);
    expect(sink.depth()).toBe(7);

    const fresh = createTenantRouter(db, 'gatewatch_co_', COUNTY, 0);
    const cached = createTenantRouter(db, 'gatewatch_co_', COUNTY, 60_000);
    expect([fresh.targetOf('hc-a4'), cached.targetOf('hc-a4'), cached.targetOf('hc-new')]).toEqual([DB_A, DB_A, null]);
    createRegistryRepo(db).upsertCommunity({ id: 'hc-a4', name: 'hc-a4', propertyCompany: B, timeZone: 'Asia/Shanghai' });
    createRegistryRepo(db).upsertCommunity({ id: 'hc-new', name: 'hc-new', propertyCompany: A, timeZone: 'Asia/Shanghai' });
    // Reloaded on every call: the move at once. Cached: the old company until the refresh; an unknown community was looked up, and is cached too.
    expect([fresh.targetOf('hc-a4'), fresh.targetOf('hc-new'), cached.targetOf('hc-a4'), cached.targetOf('hc-new')]).toEqual([DB_B, DB_A, DB_A, null]);
    expect(fresh.targets([temperatures('hc-a4', [3])[0]!, 'no_tag v=1 1'])).toEqual([DB_B, null]);
    expect(createTenantRouter(db, null, COUNTY).targetOf('hc-a4')).toBeNull();
  });

  test("a company database that refuses writes holds up neither the county nor another company; its points wait and land once it accepts them", async () => {
    // A writer allowed to write the county's and B's databases, not A's (403, a retry).
    const writer = { name: 'gwwriter', password: 'writer-pass-Lm20' };
    await createLimitedWriter(influxd, cleanups, writer, [COUNTY, DB_A, DB_B], [COUNTY, DB_B]);
    const db = openStore('refusing', { 'hc-a5': A, 'hc-b5': B });
    const sink = newSink(db, writer);
    const tenantRows = () => db.prepare('SELECT target, count(*) AS n FROM influx_outbox_tenant GROUP BY target').all();

    db.transaction(() => sink.enqueue([...temperatures('hc-a5', range(1, 6)), ...temperatures('hc-b5', range(1, 4))]))();
    expect(sink.depth()).toBe(20);
    const first = await sink.flushNow();
    // County 10 + B 4 written; A's 6 wait in influx_outbox_tenant.
    expect(first).toMatchObject({ written: 14, rejected: 0, depth: 6 });
    expect(first.error).toContain(`not authorized to write to database "${DB_A}"`);
    expect(db.prepare('SELECT count(*) FROM influx_outbox').pluck().get()).toBe(0);
    expect(tenantRows()).toEqual([{ target: DB_A, n: 6 }]);

    // More points while A still refuses: the county and B get them at once, A's queue behind its older ones.
    db.transaction(() => sink.enqueue([...temperatures('hc-a5', range(7, 9)), ...temperatures('hc-b5', range(5, 6))]))();
    const second = await sink.flushNow();
    expect(second).toMatchObject({ written: 7, rejected: 0, depth: 9 });
    expect(tenantRows()).toEqual([{ target: DB_A, n: 9 }]);
    const only = /^hc-[ab]5$/;
    expect(await counts(COUNTY, only)).toEqual({ 'hc-a5': 9, 'hc-b5': 6 });
    expect(await counts(DB_B, only)).toEqual({ 'hc-b5': 6 });
    expect(await counts(DB_A, only)).toEqual({});

    // A accepts writes again: its queue drains, in the background loop, with its own backoff.
    await influxd.query(`GRANT WRITE ON "${DB_A}" TO "${writer.name}"`);
    sink.start();
    await waitFor('the company queue to drain', () => sink.depth() === 0);
    expect(tenantRows()).toEqual([]);
    expect(await counts(DB_A, only)).toEqual({ 'hc-a5': 9 });
    expect(await counts(COUNTY, only)).toEqual({ 'hc-a5': 9, 'hc-b5': 6 });
    expect(await counts(DB_B, only)).toEqual({ 'hc-b5': 6 });
    expect(db.prepare('SELECT count(*) FROM influx_rejected').pluck().get()).toBe(0);
  });

  test('upgrade from 0500: rows queued twice (county row, company row) reach exactly the databases they were queued for', async () => {
    const path = join(dir, 'upgrade', 'gatewatch.sqlite');
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path);
    migrate(old, loadMigrations().filter((m) => m.version <= 500));
    const registry = createRegistryRepo(old);
    registry.upsertCommunity({ id: 'hc-a6', name: 'hc-a6', propertyCompany: A, timeZone: 'Asia/Shanghai' });
    registry.upsertCommunity({ id: 'hc-b6', name: 'hc-b6', propertyCompany: B, timeZone: 'Asia/Shanghai' });
    const [a1, a2, a3, a4] = temperatures('hc-a6', range(1, 4));
    const [b1, b2] = temperatures('hc-b6', range(1, 2));
    const [x1] = temperatures('hc-x6', [1]);
    // As 0500's sink left them: a1, a2, b1 twice; a3 only for the county (A has it already);
    // a4 and b2 only for their company (the county has them already); x1 county only.
    const rows: Array<[string, string | null]> = [[a1!, null], [a1!, DB_A], [a2!, null], [a2!, DB_A], [b1!, null], [b1!, DB_B], [a3!, null], [a4!, DB_A], [b2!, DB_B], [x1!, null]];
    const insert = old.prepare('INSERT INTO influx_outbox (line, enqueued_at, target) VALUES (?, ?, ?)');
    for (const [line, target] of rows) insert.run(line, T0, target);
    old.close();

    const db = openTestDb(dir, 'upgrade', cleanups);
    expect(db.prepare('SELECT count(*) FROM influx_outbox WHERE target IS NOT NULL').pluck().get()).toBe(0);
    expect(db.prepare('SELECT target FROM influx_outbox_tenant ORDER BY id').pluck().all()).toEqual([DB_A, DB_A, DB_B, DB_A, DB_B]);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'influx_outbox_by_target'").pluck().get()).toBe(0);
    const sink = newSink(db);
    expect(sink.depth()).toBe(10);
    expect(await sink.flushNow()).toEqual({ written: 10, rejected: 0, depth: 0, error: null });
    const only = /^hc-[abx]6$/;
    expect(await counts(COUNTY, only)).toEqual({ 'hc-a6': 3, 'hc-b6': 1, 'hc-x6': 1 });
    expect(await counts(DB_A, only)).toEqual({ 'hc-a6': 3 });
    expect(await counts(DB_B, only)).toEqual({ 'hc-b6': 2 });
    const seqs = async (database: string) =>
      ((await influxd.query('SELECT "seq" FROM "temperature" WHERE "community" = \'hc-a6\'', database)).results[0]?.series?.[0]?.values ?? []).map((v) => v[1]);
    // Which points: the county has a1..a3, A has a1, a2, a4.
    expect(await seqs(COUNTY)).toEqual([1, 2, 3]);
    expect(await seqs(DB_A)).toEqual([1, 2, 4]);
  });
});

describe('read access per company (influx-tenants)', () => {
  const GRAFANA_AUTH = `Basic ${Buffer.from('admin:grafana-admin-pw').toString('base64')}`;
  const community = JSON.parse(readFileSync(join(ROOT, 'dashboards/generated/gatewatch-community.json'), 'utf8')) as Record<string, unknown>;
  const grafanaConfig = (): GrafanaConfig => ({ url: grafana.url, user: 'admin', password: 'grafana-admin-pw', influxUrl: 'http://influxdb:8086' });
  const communities = [
    { id: 'hc-a1', propertyCompany: A },
    { id: 'hc-a2', propertyCompany: A },
    { id: 'hc-b1', propertyCompany: B },
  ];
  let n = 0;
  const newPassword = () => `pw-${++n}-Kd93`;
  const userA = `${DB_A}_reader`;
  const userB = `${DB_B}_reader`;
  const count = 'SELECT count("temperature_c") FROM "temperature" WHERE "community" =~ /^hc-(a1|a2|b1|x1)$/';

  const datasource = (company: string, database: string, user: string, password?: string) => ({
    name: `gatewatch InfluxDB (${company})`, uid: 'gatewatch-influxdb', type: 'influxdb', access: 'proxy', url: 'http://influxdb:8086', isDefault: true,
    user, database, jsonData: { version: 'InfluxQL', dbName: database, httpMode: 'GET', timeInterval: '10s' },
    ...(password === undefined ? {} : { secureJsonData: { password } }),
  });
  const firstRun = (company: string, org: number, database: string, user: string, password: string) => [
    { method: 'GET', path: `/api/orgs/name/${encodeURIComponent(company)}`, org: null, body: undefined },
    { method: 'POST', path: '/api/orgs', org: null, body: { name: company } },
    { method: 'GET', path: '/api/datasources/uid/gatewatch-influxdb', org: String(org), body: undefined },
    { method: 'POST', path: '/api/datasources', org: String(org), body: datasource(company, database, user, password) },
    { method: 'GET', path: '/api/folders/gatewatch', org: String(org), body: undefined },
    { method: 'POST', path: '/api/folders', org: String(org), body: { uid: 'gatewatch', title: 'gatewatch' } },
    { method: 'POST', path: '/api/dashboards/db', org: String(org), body: { dashboard: { ...community, id: null }, folderUid: 'gatewatch', overwrite: true, message: 'gatewatch influx-tenants' } },
  ];
  const laterRun = (company: string, org: number, database: string, user: string, password?: string) => [
    { method: 'GET', path: `/api/orgs/name/${encodeURIComponent(company)}`, org: null, body: undefined },
    { method: 'GET', path: '/api/datasources/uid/gatewatch-influxdb', org: String(org), body: undefined },
    { method: 'PUT', path: '/api/datasources/uid/gatewatch-influxdb', org: String(org), body: datasource(company, database, user, password) },
    { method: 'GET', path: '/api/folders/gatewatch', org: String(org), body: undefined },
    { method: 'POST', path: '/api/dashboards/db', org: String(org), body: { dashboard: { ...community, id: null }, folderUid: 'gatewatch', overwrite: true, message: 'gatewatch influx-tenants' } },
  ];
  const calls = () => grafana.requests.splice(0).map(({ method, path, org, body, authorization }) => {
    expect(authorization).toBe(GRAFANA_AUTH);
    return { method, path, org, body };
  });
  const provision = (rotate?: ReadonlySet<string> | 'all') =>
    provisionTenants({ communities, influx: config(), prefix: 'gatewatch_co_', grafana: grafanaConfig(), dashboards: [community], rotate, newPassword });

  test("a company's user reads its database and is refused on another company's and on the county's; Grafana gets one organisation per company", async () => {
    grafana.requests.length = 0;
    expect(await provision()).toEqual([
      { company: B, communities: ['hc-b1'], database: DB_B, user: userB, password: 'pw-1-Kd93', grafanaOrgId: 2 },
      { company: A, communities: ['hc-a1', 'hc-a2'], database: DB_A, user: userA, password: 'pw-2-Kd93', grafanaOrgId: 3 },
    ]);
    expect(calls()).toEqual([...firstRun(B, 2, DB_B, userB, 'pw-1-Kd93'), ...firstRun(A, 3, DB_A, userA, 'pw-2-Kd93')]);

    const a = { name: userA, password: 'pw-2-Kd93' };
    const own = await influxd.queryAs(a, count, DB_A);
    expect(own.status).toBe(200);
    expect(own.body.results[0]?.series?.map((s) => s.values[0]?.[1])).toEqual([8]);
    for (const other of [DB_B, COUNTY]) {
      const refused = await influxd.queryAs(a, count, other);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toContain(`requires READ on ${other}`);
    }
    // Read-only: writing to its own database is refused too; a wrong password is 401.
    const write = await fetch(`${influxd.url}/write?db=${DB_A}`, { method: 'POST', body: 'temperature,community=hc-a1 temperature_c=1 1', headers: { Authorization: `Basic ${Buffer.from(`${userA}:pw-2-Kd93`).toString('base64')}` } });
    expect([write.status, ((await write.json()) as { error: string }).error]).toEqual([403, `"${userA}" user is not authorized to write to database "${DB_A}"`]);
    expect((await influxd.queryAs({ name: userA, password: 'wrong' }, count, DB_A)).status).toBe(401);
    expect((await influxd.query(`SHOW GRANTS FOR "${userA}"`)).results[0]?.series?.[0]?.values).toEqual([[DB_A, 'READ']]);
    const users = (await influxd.query('SHOW USERS')).results[0]?.series?.[0]?.values;
    expect(users?.sort()).toEqual([[ADMIN.name, true], [userA, false], [userB, false]].sort());
  });

  test('run again it changes nothing but keeps grants exact; --rotate sets a new password in InfluxDB and Grafana', async () => {
    // A stray grant (someone's manual change) is taken away again.
    await influxd.query(`GRANT READ ON "${COUNTY}" TO "${userB}"`);
    expect(await provision()).toEqual([
      { company: B, communities: ['hc-b1'], database: DB_B, user: userB, password: null, grafanaOrgId: 2 },
      { company: A, communities: ['hc-a1', 'hc-a2'], database: DB_A, user: userA, password: null, grafanaOrgId: 3 },
    ]);
    expect(calls()).toEqual([...laterRun(B, 2, DB_B, userB), ...laterRun(A, 3, DB_A, userA)]);
    expect((await influxd.queryAs({ name: userB, password: 'pw-1-Kd93' }, count, COUNTY)).status).toBe(403);
    expect((await influxd.queryAs({ name: userB, password: 'pw-1-Kd93' }, count, DB_B)).status).toBe(200);
    // Grafana kept the password it was given first.
    expect(grafana.datasources.get(2)?.get('gatewatch-influxdb')?.secureJsonData).toEqual({ password: 'pw-1-Kd93' });

    expect((await provision(new Set([A])))[1]).toMatchObject({ company: A, password: 'pw-3-Kd93' });
    expect(calls()).toEqual([...laterRun(B, 2, DB_B, userB), ...laterRun(A, 3, DB_A, userA, 'pw-3-Kd93')]);
    expect((await influxd.queryAs({ name: userA, password: 'pw-2-Kd93' }, count, DB_A)).status).toBe(401);
    expect((await influxd.queryAs({ name: userA, password: 'pw-3-Kd93' }, count, DB_A)).status).toBe(200);
    expect(grafana.dashboards.get(3)?.get('gatewatch-community')?.folderUid).toBe('gatewatch');
  });

  test('npm run admin -- influx-tenants: from the registry, a password shown once, recorded in the audit log without it', async () => {
    const dataDir = join(dir, 'split');
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'services/cli/admin.ts'), 'influx-tenants', '--rotate', B], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GW_DATA_DIR: dataDir, GW_INFLUX_URL: influxd.url, GW_INFLUX_USER: ADMIN.name, GW_INFLUX_PASSWORD: ADMIN.password },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout.split('\n');
    expect(out[0]).toBe(`${B}: database ${DB_B}, read-only user ${userB} (hc-b1)`);
    const shown = /^ {2}password of (\S+) \(shown only now\): (\S+)$/.exec(out[1] ?? '');
    expect(shown?.[1]).toBe(userB);
    expect(out.slice(2)).toEqual([`${A}: database ${DB_A}, read-only user ${userA} (hc-a1, hc-a2)`, 'GRAFANA_URL unset: no Grafana organisations were set up', '']);
    const password = shown![2]!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await influxd.queryAs({ name: userB, password }, count, DB_B)).status).toBe(200);
    expect((await influxd.queryAs({ name: userB, password: 'pw-1-Kd93' }, count, DB_B)).status).toBe(401);
    const db = openDatabase(join(dataDir, 'gatewatch.sqlite'));
    try {
      const entries = db.prepare("SELECT actor, object_id, after FROM audit_log WHERE action = 'influx.tenant_provision' ORDER BY id").all() as { actor: string; object_id: string; after: string }[];
      expect(entries.map((e) => e.object_id)).toEqual([B, A]);
      expect(entries[0]!.actor).toMatch(/^cli:/);
      expect(JSON.parse(entries[0]!.after)).toEqual({ company: B, communities: ['hc-b1'], database: DB_B, user: userB, grafanaOrgId: null, passwordChanged: true });
      expect(JSON.parse(entries[1]!.after)).toEqual({ company: A, communities: ['hc-a1', 'hc-a2'], database: DB_A, user: userA, grafanaOrgId: null, passwordChanged: false });
      expect(JSON.stringify(entries)).not.toContain(password);
    } finally {
      db.close();
    }
  });
});

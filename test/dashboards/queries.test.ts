/**
 * Every panel's query, from the generated JSON Grafana loads, run against a
 * real InfluxDB 1.x filled with a simulated day (test/dashboards/simulated-day.ts)
 * through the service's InfluxDB sink, with Grafana's macros substituted.
 * Each must return exactly the series and values worked out below by hand.
 * hc-001 belongs to 安居物业 and hc-002 to City Property in the registry, so
 * the sink also fills each company's own database: the community dashboard,
 * unchanged, must show hc-001 exactly the same on 安居物业's database, and
 * nothing of hc-002 there.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../services/observability/logger.js';
import { openDatabase, type Db } from '../../services/store/db.js';
import { parseInfluxConfig } from '../../services/influx/config.js';
import { tenantDatabase } from '../../services/influx/tenants.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import { createInfluxSink, type InfluxSink } from '../../services/influx/sink.js';
import { alarmEventToLine, dailyFactToLine, readingToLine } from '../../services/influx/points.js';
import { inspectionToLines, telemetryScoreToLines } from '../../services/influx/checklist-points.js';
import { startInfluxd, type Influxd, type InfluxQueryResult } from '../support/influxd.js';
import { bySeries, englishTitle, influxql, interpolate, panelRange, variableOptions, type GrafanaDashboard, type GrafanaPanel, type GrafanaVariable } from './grafana.js';
import { communityChecks, countyChecks, hourly, type Check } from './expected.js';
import {
  FIXED_DAY, inspectionOf, inspections, simulatedAlarmEvents, simulatedFacts, simulatedReadings, telemetryScores,
} from './simulated-day.js';

const T = FIXED_DAY;
const { DAY0, DAY0_ISO, DAY_BEFORE_ISO, NOW, at } = T;

const DB = 'gatewatch';
const COMPANY_A = '安居物业';
const DB_A = tenantDatabase('gatewatch_co_', COMPANY_A);
const DB_B = tenantDatabase('gatewatch_co_', 'City Property');
const GENERATED = join(import.meta.dirname, '../../dashboards/generated');
const dashboards: GrafanaDashboard[] = readdirSync(GENERATED)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(GENERATED, f), 'utf8')) as GrafanaDashboard);
const byUid = (uid: string): GrafanaDashboard => {
  const d = dashboards.find((x) => x.uid === uid);
  if (!d) throw new Error(`no generated dashboard ${uid}`);
  return d;
};

let influxd: Influxd;
let dir: string;
let db: Db;
let sink: InfluxSink;
let registry: ReturnType<typeof createRegistryRepo>;

beforeAll(async () => {
  influxd = await startInfluxd();
  dir = mkdtempSync(join(tmpdir(), 'gw-dashboards-'));
  db = openDatabase(join(dir, 'gatewatch.sqlite'));
  const config = parseInfluxConfig({ GW_INFLUX_URL: influxd.url, GW_INFLUX_DB: DB, GW_INFLUX_FLUSH_MS: '50', GW_INFLUX_TIMEOUT_MS: '5000' });
  if (!config) throw new Error('sink config expected');
  registry = createRegistryRepo(db);
  registry.upsertCommunity({ id: 'hc-001', name: '阳光花园', propertyCompany: COMPANY_A, timeZone: 'Asia/Shanghai' });
  registry.upsertCommunity({ id: 'hc-002', name: '和平里', propertyCompany: 'City Property', timeZone: 'Asia/Shanghai' });
  sink = createInfluxSink({ db, config, logger: silentLogger(), registry: new Registry() });
  await influxd.query(`CREATE DATABASE ${DB}`);

  const lines = [
    ...simulatedReadings(T).map(readingToLine),
    ...simulatedAlarmEvents(T).map(alarmEventToLine),
    ...simulatedFacts(T).map((f) => dailyFactToLine(f, 'Asia/Shanghai')),
    ...inspections(T).flatMap((i) => inspectionToLines(i.communityId, i.day, inspectionOf(i.total), 'Asia/Shanghai')),
    ...telemetryScoreToLines('hc-001', DAY_BEFORE_ISO, telemetryScores({ '4.3': 0 }), 'Asia/Shanghai'),
    ...telemetryScoreToLines('hc-001', DAY0_ISO, telemetryScores({ '3.3': null, '4.3': 3 }), 'Asia/Shanghai'),
    ...telemetryScoreToLines('hc-002', DAY0_ISO, telemetryScores(), 'Asia/Shanghai'),
  ];
  db.transaction(() => sink.enqueue(lines))();
  // A line of hc-001 or hc-002 goes to the county's and its company's database; hc-003 is in no registry entry: county only.
  const countyOnly = inspections(T).filter((i) => i.communityId === 'hc-003').flatMap((i) => inspectionToLines(i.communityId, i.day, inspectionOf(i.total), 'Asia/Shanghai'));
  expect(countyOnly).toHaveLength(44);
  // The registry's two communities, for the picker: one `community` point each, in the county's and its company's database.
  expect(sink.syncCommunities()).toBe(2);
  expect(sink.syncCommunities()).toBe(0);
  const flushed = await sink.flushNow();
  expect(flushed).toEqual({ written: 2 * lines.length - countyOnly.length + 4, rejected: 0, depth: 0, error: null });
});

afterAll(async () => {
  await sink?.stop();
  if (db?.open) db.close();
  await influxd?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs one target of a panel as Grafana would on `dashboard` at NOW with $__interval = 1h. */
async function run(dashboard: GrafanaDashboard, panel: GrafanaPanel, refId: string, vars: Record<string, string>, database = DB): Promise<InfluxQueryResult> {
  const target = panel.targets?.find((t) => t.refId === refId);
  if (!target) throw new Error(`panel "${englishTitle(panel)}" has no target ${refId}`);
  const range = panelRange(dashboard, panel, NOW);
  return influxql(influxd.url, database, interpolate(target.query, { ...range, interval: '1h', vars }));
}

const panelsOf = (d: GrafanaDashboard) => d.panels.filter((p) => p.type !== 'row');

const CASES: Array<{ uid: string; checks: Record<string, Check>; vars: Record<string, string>; database: string }> = [
  { uid: 'gatewatch-community', checks: communityChecks(T), vars: { community: 'hc-001' }, database: DB },
  { uid: 'gatewatch-county', checks: countyChecks(T), vars: {}, database: DB },
  // The same dashboard and checks on the company's own database, as its Grafana organisation reads it.
  { uid: 'gatewatch-community', checks: communityChecks(T), vars: { community: 'hc-001' }, database: DB_A },
];

describe.each(CASES)('$uid on $database', ({ uid, checks, vars, database }) => {
  test('every panel has a check, and every check a panel', () => {
    expect(panelsOf(byUid(uid)).map((p) => englishTitle(p)).sort()).toEqual(Object.keys(checks).sort());
  });

  test.each(panelsOf(byUid(uid)).flatMap((p) => (p.targets ?? []).map((t) => ({ title: englishTitle(p), refId: t.refId }))))(
    '$title ($refId)',
    async ({ title, refId }) => {
      const dashboard = byUid(uid);
      const panel = dashboard.panels.find((p) => englishTitle(p) === title)!;
      const check = checks[title];
      if (!check) throw new Error(`no check for panel "${title}"`);
      check(await run(dashboard, panel, refId, vars, database), panelRange(dashboard, panel, NOW));
    },
  );
});

const communityVar = (): GrafanaVariable => {
  const variable = byUid('gatewatch-community').templating?.list.find((v) => v.name === 'community');
  if (!variable) throw new Error('no community variable');
  return variable;
};
/** The picker's options on `database`, as Grafana makes them from the variable's query and regex. */
const pickerOn = async (database: string) => variableOptions(await influxql(influxd.url, database, communityVar().query), communityVar());

test('the community picker lists the registered names, each with its id as the value', async () => {
  expect(await pickerOn(DB)).toEqual([
    { text: '和平里', value: 'hc-002' },
    { text: '阳光花园', value: 'hc-001' },
  ]);
});

test('picking 阳光花园 filters every query by its id, hc-001', async () => {
  const d = byUid('gatewatch-community');
  const picked = (await pickerOn(DB)).find((o) => o.text === '阳光花园')!;
  const fevers = d.panels.find((p) => englishTitle(p) === 'Fevers')!;
  const temperatures = d.panels.find((p) => englishTitle(p) === 'Gate temperatures')!;
  expect(interpolate(fevers.targets![0]!.query, { ...panelRange(d, fevers, NOW), interval: '1h', vars: { community: picked.value } })).toContain(`"community" = 'hc-001'`);
  communityChecks(T)['Fevers']!(await run(d, fevers, 'A', { community: picked.value }), panelRange(d, fevers, NOW));
  communityChecks(T)['Gate temperatures']!(await run(d, temperatures, 'A', { community: picked.value }), panelRange(d, temperatures, NOW));
});

test('the community variable filters: hc-002 sees its own fever, device and nothing of hc-001', async () => {
  const d = byUid('gatewatch-community');
  const panel = (title: string) => d.panels.find((p) => englishTitle(p) === title)!;
  const vars = { community: 'hc-002' };
  expect(bySeries(await run(d, panel('Fevers'), 'A', vars))).toEqual({ '': [[DAY0, 1]] });
  expect(bySeries(await run(d, panel('Gate temperatures'), 'A', vars))).toEqual({ 'gate=g1': [[at(10), 39]] });
  expect(bySeries(await run(d, panel('Device online state'), 'A', vars))).toEqual({
    'device=therm-b1': hourly(T, DAY0, (h) => (h < 12 ? 1 : 0)),
  });
  expect(bySeries(await run(d, panel('Devices flagged'), 'A', vars), false)).toEqual({ '': [[0]] });
  expect(bySeries(await run(d, panel('Disinfection sessions today per area (2 required)'), 'A', vars))).toEqual({});
});

test("a company's database holds only its communities: the picker lists 阳光花园 on 安居物业's, 和平里 on City Property's", async () => {
  expect(await pickerOn(DB_A)).toEqual([{ text: '阳光花园', value: 'hc-001' }]);
  expect(await pickerOn(DB_B)).toEqual([{ text: '和平里', value: 'hc-002' }]);
  const d = byUid('gatewatch-community');
  const fevers = d.panels.find((p) => englishTitle(p) === 'Fevers')!;
  // hc-002's fever is on City Property's database and not on 安居物业's.
  expect(bySeries(await run(d, fevers, 'A', { community: 'hc-002' }, DB_B))).toEqual({ '': [[DAY0, 1]] });
  expect(bySeries(await run(d, fevers, 'A', { community: 'hc-002' }, DB_A))).toEqual({});
});

// Last: it renames a community for good.
test('a renamed community shows its new name (the latest per id), still filtering by its id', async () => {
  await new Promise((r) => setTimeout(r, 5)); // a later point than the first name's
  registry.upsertCommunity({ id: 'hc-002', name: '和平里新苑', propertyCompany: 'City Property', timeZone: 'Asia/Shanghai' });
  expect(sink.syncCommunities()).toBe(1);
  expect(await sink.flushNow()).toEqual({ written: 2, rejected: 0, depth: 0, error: null });
  expect(await pickerOn(DB)).toEqual([
    { text: '和平里新苑', value: 'hc-002' },
    { text: '阳光花园', value: 'hc-001' },
  ]);
  expect(await pickerOn(DB_B)).toEqual([{ text: '和平里新苑', value: 'hc-002' }]);
  // Both names are in the measurement; only the latest is an option.
  const names = await influxql(influxd.url, DB, `SELECT "name" FROM "community" WHERE "community" = 'hc-002'`);
  expect(names.results[0]?.series?.[0]?.values.map((v) => v[1])).toEqual(['和平里', '和平里新苑']);
  const d = byUid('gatewatch-community');
  const picked = (await pickerOn(DB)).find((o) => o.text === '和平里新苑')!;
  expect(bySeries(await run(d, d.panels.find((p) => englishTitle(p) === 'Fevers')!, 'A', { community: picked.value }))).toEqual({ '': [[DAY0, 1]] });
});

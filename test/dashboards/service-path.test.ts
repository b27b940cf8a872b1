/**
 * The same simulated day, this time THROUGH THE SERVICE: every reading is
 * published over MQTT by its device to the real service (broker thread,
 * ingest, rules, InfluxDB outbox) feeding a real influxd, on a recent local
 * day (the service refuses readings older than GW_MAX_LATENESS_HOURS).
 * Panels on readings must show exactly what the sink-path test shows; panels
 * on alarms must agree with the service's own alarms table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { telemetryTopic } from '../../schemas/src/topics.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import type { RegistryFile } from '../../schemas/src/registry.js';
import { startInfluxd, type Influxd } from '../support/influxd.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { communityChecks } from './expected.js';
import { bySeries, englishTitle, influxql, interpolate, panelRange, variableOptions, type GrafanaDashboard } from './grafana.js';
import { DAY, simClock, simulatedReadings } from './simulated-day.js';

const DB = 'gatewatch';
const dashboard = (uid: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, `../../dashboards/generated/${uid}.json`), 'utf8')) as GrafanaDashboard;

// Three local days ago: recent enough for the service, wholly in the past.
const T = simClock(new Date(Date.now() + 8 * 3_600_000 - 3 * DAY).toISOString().slice(0, 10));
const readings = simulatedReadings(T);

const device = (id: string, kind: RegistryFile['communities'][number]['devices'][number]['kind'], location: string) => ({
  id, kind, location, secret: `${id}-secret`, enabled: true,
});
const REGISTRY: RegistryFile = {
  communities: [
    {
      id: 'hc-001', name: '阳光花园', propertyCompany: '安居物业', timeZone: 'Asia/Shanghai',
      gates: [{ id: 'g1', name: '南门' }, { id: 'g2', name: '北门' }],
      areas: [
        { id: 'b2-lobby', name: '2号楼大堂', kind: 'lobby' }, { id: 'b3-corridor', name: '3号楼走廊', kind: 'corridor' },
        { id: 'parking', name: '停车场', kind: 'parking' }, { id: 'bins', name: '垃圾站', kind: 'garbage' },
      ],
      staff: [],
      devices: [
        device('therm-g1', 'thermometer', 'g1'), device('therm-g2', 'thermometer', 'g2'),
        device('panel-g1', 'access_panel', 'g1'), device('panel-g2', 'access_panel', 'g2'),
        device('sprayer-1', 'sprayer', 'b2-lobby'), device('sprayer-2', 'sprayer', 'b3-corridor'),
        device('vent-b2', 'ventilation', 'b2-lobby'), device('vent-b3', 'ventilation', 'b3-corridor'),
      ],
    },
    {
      id: 'hc-002', name: '幸福小区', propertyCompany: '宜家物业', timeZone: 'Asia/Shanghai',
      gates: [{ id: 'g1', name: '北门' }], areas: [], staff: [], devices: [device('therm-b1', 'thermometer', 'g1')],
    },
  ],
};

let influxd: Influxd;
let svc: TestService;

beforeAll(async () => {
  influxd = await startInfluxd();
  svc = await startTestService({
    GW_INFLUX_URL: influxd.url, GW_INFLUX_DB: DB, GW_INFLUX_FLUSH_MS: '100', GW_MAX_LATENESS_HOURS: String(5 * 24),
  });
  await applyRegistry(REGISTRY, svc.runtime.db, createRegistryRepo(svc.runtime.db), Date.now());
  const byDevice = new Map<string, typeof readings>();
  for (const r of readings) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r]);
  for (const [deviceId, own] of byDevice) {
    const client = await svc.connect(deviceId);
    for (const r of own) await client.publishAsync(telemetryTopic(r.communityId, r.deviceId, r.kind), JSON.stringify(r.payload), { qos: 1 });
  }
  // Every reading is in InfluxDB (one point each: seq on every measurement).
  let total = 0;
  await eventually(async () => {
    const res = await influxql(influxd.url, DB, 'SELECT count("seq") FROM "temperature", "access", "shift", "disinfection", "ventilation", "device_status"').catch(() => undefined);
    total = (res?.results[0]?.series ?? []).reduce((sum, s) => sum + Number(s.values[0]?.[1] ?? 0), 0);
    return total === readings.length;
  }, 30_000, 200).catch(async (err: Error) => {
    const dead = await svc.api('GET', '/api/v1/dead-letters');
    throw new Error(`${total} of ${readings.length} readings in InfluxDB (${err.message}); dead letters: ${JSON.stringify(dead.json).slice(0, 1500)}`);
  });
}, 90_000);

afterAll(async () => {
  await svc?.stop();
  await influxd?.dispose();
});

async function runPanel(uid: string, title: string, vars: Record<string, string>) {
  const d = dashboard(uid);
  const panel = d.panels.find((p) => englishTitle(p) === title);
  if (!panel?.targets?.[0]) throw new Error(`no panel "${title}"`);
  const range = panelRange(d, panel, T.NOW);
  return { result: await influxql(influxd.url, DB, interpolate(panel.targets[0].query, { ...range, interval: '1h', vars })), range };
}

const READING_PANELS = [
  'Gate temperatures', 'Fevers', 'Gate staffing over the day', 'Fully checked entries', 'Couriers and delivery riders at the gates',
  'Contractors on site', 'Disinfection sessions today per area (2 required)', 'Ventilation minutes per day', 'Device online state',
];

test.each(READING_PANELS)('%s: the same exact values as the sink path', async (title) => {
  const { result, range } = await runPanel('gatewatch-community', title, { community: 'hc-001' });
  communityChecks(T)[title]!(result, range);
});

test('Fever alarms: the service raised one per fever, at the reading time', async () => {
  const { result } = await runPanel('gatewatch-community', 'Fever alarms', { community: 'hc-001' });
  const opened = (bySeries(result)[''] ?? []).filter((row) => row[3] === 'opened').map((row) => [row[0], row[2], row[4]]);
  expect(opened).toEqual([[T.at(10), 'fever', 'critical'], [T.at(11), 'fever', 'critical']]);
});

test('Open alarms per community agrees with the service\'s alarms table', async () => {
  await eventually(async () => {
    const { result } = await runPanel('gatewatch-county', 'Open alarms per community', {});
    const fromInflux = Object.fromEntries(Object.entries(bySeries(result, false)).map(([k, rows]) => [k.replace('community=', ''), rows[0]?.[0]]));
    const rows = svc.runtime.db
      .prepare("SELECT community_id AS c, count(*) AS n FROM alarms WHERE status != 'resolved' GROUP BY community_id")
      .all() as Array<{ c: string; n: number }>;
    const fromService = Object.fromEntries(rows.map((r) => [r.c, r.n]));
    for (const c of Object.keys(fromInflux)) fromService[c] ??= 0;
    return rows.length > 0 && JSON.stringify(fromInflux, Object.keys(fromInflux).sort()) === JSON.stringify(fromService, Object.keys(fromInflux).sort())
      ? true
      : undefined;
  }, 20_000, 250);
});

test('the picker lists the registry\'s names from the running service, and a rename through the API within seconds', async () => {
  const variable = dashboard('gatewatch-community').templating!.list.find((v) => v.name === 'community')!;
  const picker = async () => variableOptions(await influxql(influxd.url, DB, variable.query), variable);
  await eventually(async () => ((await picker()).length === 2 ? true : undefined), 10_000, 200);
  expect(await picker()).toEqual([{ text: '幸福小区', value: 'hc-002' }, { text: '阳光花园', value: 'hc-001' }]);
  const saved = await svc.api('PUT', '/api/v1/communities/hc-002', {
    token: svc.tokens.admin,
    body: { name: '幸福里', propertyCompany: '宜家物业', timeZone: 'Asia/Shanghai', gates: [{ id: 'g1', name: '北门' }], areas: [], staff: [] },
  });
  expect(saved.status).toBe(200);
  await eventually(async () => ((await picker()).some((o) => o.text === '幸福里') ? true : undefined), 10_000, 200);
  expect(await picker()).toEqual([{ text: '幸福里', value: 'hc-002' }, { text: '阳光花园', value: 'hc-001' }]);
});

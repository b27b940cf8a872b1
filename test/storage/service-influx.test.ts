/**
 * The service feeding a real InfluxDB, readings by their processor over the
 * journal (services/influx/readings.ts), behind a proxy that counts the lines
 * InfluxDB accepted: readings published over MQTT land exactly once (sent
 * once, not only stored once), an InfluxDB outage in the middle of the stream
 * delays points and drops none while only the processor's lag grows (no
 * reading enters the outbox), and readings a stopped service had not
 * projected are delivered by the next one, from its checkpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { startInfluxd, type Influxd } from '../support/influxd.js';
import { startCountingProxy, type CountingProxy } from '../influx/counting-proxy.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { nowWithinOneLocalDay } from '../support/clock.js';
import { dayBounds, localDay } from '../../services/time/local-day.js';

let influxd: Influxd;
let proxy: CountingProxy;
const dataDir = mkdtempSync(join(tmpdir(), 'gatewatch-influx-svc-'));
let svc: TestService | undefined;
let seq = 0;
// Every reading is stamped from this one instant, so they all fall on one Shanghai day even when the file runs
// across a midnight; the day's checklist point is read by its time (the service also scores today, which is
// another day once midnight has passed).
const NOW = nowWithinOneLocalDay(60_000);
const DAY_START_MS = dayBounds(localDay(NOW, 'Asia/Shanghai'), 'Asia/Shanghai')[0];
const ON_THE_DAY = `time = ${DAY_START_MS}ms`;

const env = () => ({ GW_INFLUX_URL: proxy.url, GW_INFLUX_DB: 'gw_test', GW_INFLUX_FLUSH_MS: '100', GW_INFLUX_MAX_BACKOFF_MS: '300', GW_INFLUX_TIMEOUT_MS: '500' });

beforeAll(async () => {
  influxd = await startInfluxd();
  proxy = await startCountingProxy(() => influxd.url);
});
afterAll(async () => {
  await svc?.stop();
  await proxy?.close();
  await influxd?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Publishes n readings 36.0, 36.1, ... (QoS 1; resolves when all are acknowledged). */
async function publish(device: MqttClient, n: number): Promise<number> {
  let sum = 0;
  const now = NOW;
  await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const t = Math.round((36 + (seq % 10) / 10) * 10) / 10;
      sum += t;
      seq++;
      return device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature',
        JSON.stringify({ seq, ts: new Date(now - n + i).toISOString(), gateId: 'g1', temperatureC: t, subject: 'resident', personRef: `p-${String(seq).padStart(6, '0')}` }), { qos: 1 });
    }),
  );
  return sum;
}

async function influxTotals(): Promise<{ count: number; sum: number }> {
  const res = await influxd.query('SELECT count(temperature_c), sum(temperature_c) FROM temperature', 'gw_test');
  const row = res.results[0]?.series?.[0]?.values[0];
  return row ? { count: Number(row[1]), sum: Number(row[2]) } : { count: 0, sum: 0 };
}

/**
 * Until InfluxDB holds n points and the proxy has counted at least n accepted lines: influxd stores a
 * write before its 204 reaches the proxy, so the points can be readable while the proxy has yet to
 * count them (a loaded machine showed 0 of 100). The exact line count is then asserted by the test.
 */
async function waitForCount(n: number) {
  return eventually(async () => {
    const t = await influxTotals();
    return t.count === n && proxy.lines('gw_test', 'temperature') >= n ? t : undefined;
  }, 20_000, 100);
}

describe('service → InfluxDB', () => {
  let expectedSum = 0;

  it('writes every accepted reading once, with tags and fields that read back', async () => {
    svc = await startTestService(env(), dataDir);
    const device = await svc.connect('therm-g1');
    expectedSum += await publish(device, 100);
    const totals = await waitForCount(100);
    expect(totals.sum).toBeCloseTo(expectedSum, 6);
    expect(proxy.lines('gw_test', 'temperature')).toBe(100);
    const tags = await influxd.query('SHOW TAG VALUES FROM temperature WITH KEY IN ("community", "gate", "device")', 'gw_test');
    expect(tags.results[0]!.series![0]!.values).toEqual([['community', 'hc-001'], ['device', 'therm-g1'], ['gate', 'g1']]);
    const keys = await influxd.query('SHOW TAG KEYS FROM temperature', 'gw_test');
    expect(keys.results[0]!.series![0]!.values.flat()).not.toContain('person');
  });

  it('keeps points through an InfluxDB outage and delivers each exactly once afterwards', async () => {
    const device = await svc!.connect('therm-g1');
    await influxd.stop();
    expectedSum += await publish(device, 100);
    // The journal is the outbox: the readings processor's lag shows the 100, no reading is queued.
    const lag = await eventually(async () => {
      const metrics = (await svc!.runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
      const m = /gatewatch_processor_lag_readings\{processor="influx.readings"\} (\d+)/.exec(metrics);
      return m && Number(m[1]) >= 100 ? Number(m[1]) : undefined;
    }, 10_000, 100);
    expect(lag).toBe(100);
    expect(svc!.runtime.db.prepare("SELECT count(*) FROM influx_outbox WHERE line LIKE 'temperature,%'").pluck().get()).toBe(0);
    await influxd.start();
    const totals = await waitForCount(200);
    expect(totals.sum).toBeCloseTo(expectedSum, 6);
    expect(proxy.lines('gw_test', 'temperature')).toBe(200);
  });

  it('delivers points left in the outbox by a stopped service after the next start', async () => {
    const device = await svc!.connect('therm-g1');
    await influxd.stop();
    expectedSum += await publish(device, 50);
    await svc!.stop();
    svc = undefined;
    await influxd.start();
    svc = await startTestService(env(), dataDir);
    const totals = await waitForCount(250);
    expect(totals.sum).toBeCloseTo(expectedSum, 6);
    // Resumed from the checkpoint: the 200 delivered before were not sent again.
    expect(proxy.lines('gw_test', 'temperature')).toBe(250);
  });

  it("sends each recomputed day's telemetry checklist sub-scores for the county dashboard", async () => {
    svc!.runtime.ingest.runPeriodic();
    const res = await eventually(async () => {
      const r = await influxd.query(`SELECT "max", scored_items, insufficient_items FROM checklist_score WHERE stage = 'telemetry' AND community = 'hc-001' AND ${ON_THE_DAY}`, 'gw_test');
      return r.results[0]?.series?.[0]?.values;
    }, 10_000, 100);
    // 11 telemetry items (auto + assisted) worth 57 points; a day recomputed again overwrites the same point.
    expect(res.length).toBe(1);
    expect(res[0]!.slice(1)).toEqual([57, expect.any(Number), expect.any(Number)]);
    expect(Number(res[0]![2]) + Number(res[0]![3])).toBe(11);
    const items = await influxd.query(`SELECT count(score) FROM checklist_item WHERE stage = 'telemetry' AND community = 'hc-001' AND ${ON_THE_DAY} GROUP BY item`, 'gw_test');
    expect(items.results[0]!.series!.map((s) => s.tags!.item).sort()).toEqual(['1.4', '2.1', '3.1', '3.2', '3.3', '4.1', '4.2', '4.3', '6.1', '7.2', '7.3']);
  });
});

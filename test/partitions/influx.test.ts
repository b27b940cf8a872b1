/**
 * InfluxDB with partitions (issue 18): each partition's readings processor projects its own journal into a
 * real influxd, and its sink routes each community's points to its property company's database from the
 * registry in the shared file. With GW_PARTITIONS=2 (hc-001 in partition 0, hc-002 in 1), every reading of
 * both communities reaches the county database once, and each company's database holds its community only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd, type Influxd } from '../support/influxd.js';
import { eventually, startTestService, OTHER_COMMUNITY, OTHER_COMPANY, TEST_COMMUNITY, TEST_COMPANY, type TestService } from '../support/service.js';
import { tenantDatabase } from '../../services/influx/tenants.js';

let influxd: Influxd;
let svc: TestService;
const dir = mkdtempSync(join(tmpdir(), 'gw-partitions-influx-'));
const COUNTY = 'gw_partitions';
const PREFIX = 'gw_co_';

beforeAll(async () => {
  influxd = await startInfluxd();
  svc = await startTestService({ GW_PARTITIONS: '2', GW_INFLUX_URL: influxd.url, GW_INFLUX_DB: COUNTY, GW_INFLUX_TENANT_DB_PREFIX: PREFIX, GW_INFLUX_FLUSH_MS: '100' }, dir);
});
afterAll(async () => {
  await svc?.stop();
  await influxd?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Readings per community in one database (0 for a community without any). */
async function countsIn(database: string): Promise<Record<string, number>> {
  const r = await influxd.query('SELECT count("temperature_c") FROM "temperature" GROUP BY "community"', database);
  const out: Record<string, number> = {};
  for (const s of r.results[0]?.series ?? []) out[s.tags!.community!] = s.values[0]![1] as number;
  return out;
}

describe('GW_PARTITIONS=2 with InfluxDB', () => {
  it("projects each partition's journal once, into the county database and its community's company database", async () => {
    const devices = [
      { id: 'therm-g1', community: TEST_COMMUNITY, n: 5 },
      { id: 'therm-b1', community: OTHER_COMMUNITY, n: 3 },
    ];
    const now = Date.now();
    for (const d of devices) {
      const client = await svc.connect(d.id);
      for (let seq = 1; seq <= d.n; seq++) {
        await client.publishAsync(`gatewatch/v1/${d.community}/${d.id}/temperature`,
          JSON.stringify({ seq, ts: new Date(now - 60_000 + seq).toISOString(), gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: `p-00000${seq}` }), { qos: 1 });
      }
    }
    const expected = { [TEST_COMMUNITY]: 5, [OTHER_COMMUNITY]: 3 };
    await eventually(async () => JSON.stringify(await countsIn(COUNTY).catch(() => ({}))) === JSON.stringify(expected), 15_000, 200);
    expect(await countsIn(COUNTY)).toEqual(expected);
    await eventually(async () => (await countsIn(tenantDatabase(PREFIX, OTHER_COMPANY)).catch((): Record<string, number> => ({})))[OTHER_COMMUNITY] === 3, 15_000, 200);
    expect(await countsIn(tenantDatabase(PREFIX, TEST_COMPANY))).toEqual({ [TEST_COMMUNITY]: 5 });
    expect(await countsIn(tenantDatabase(PREFIX, OTHER_COMPANY))).toEqual({ [OTHER_COMMUNITY]: 3 });
  });
});

/**
 * Partitions by community (issue 18): with GW_PARTITIONS=2 the two test communities live in different
 * partitions (hc-001 in 0, hc-002 in 1: domain/partitions.ts), each on its own thread and SQLite file.
 * A fever in each raises exactly its own alarm, journaled and stored only in its partition's file; the
 * API lists both, acts on either through its partition, and reads the audit log across them; /metrics
 * shows each partition's series; after a restart each partition rebuilds its rules state from its own
 * journal; and the data directory keeps its partition count.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDb } from '../support/sqlite.js';
import { eventually, startTestService, OTHER_COMMUNITY, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { PARTITION_ID_STRIDE, partitionFile } from '../../services/store/partitioning.js';
import { partitionOf } from '../../services/domain/partitions.js';
import { localDay } from '../../services/time/local-day.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-partitions-'));
let svc: TestService | undefined;
afterAll(async () => {
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Noon of today in Shanghai minus `minutes`: every reading of the test falls on one local day whenever it runs. */
const NOON = Date.parse(`${localDay(Date.now(), 'Asia/Shanghai')}T12:00:00+08:00`);
const base = Math.min(NOON, Date.now());
const fever = (seq: number, minutesAgo: number, personRef: string) =>
  JSON.stringify({ seq, ts: new Date(base - minutesAgo * 60_000).toISOString(), gateId: 'g1', temperatureC: 38.6, subject: 'resident', personRef });

/** Rows of a table in one file, read with a connection of the test's own. */
const rows = (file: string, sql: string): unknown[] => readDb(file, (db) => db.prepare(sql).all());
const readingsIn = (file: string) => rows(file, 'SELECT id, community_id AS communityId, device_id AS deviceId, seq FROM readings ORDER BY id');

async function publishFevers(s: TestService, seqBase: number, minutesAgo: number): Promise<void> {
  const a = await s.connect('therm-g1');
  const b = await s.connect('therm-b1');
  // QoS 1: each resolves on its PUBACK, sent after its own partition committed it.
  await a.publishAsync(`gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`, fever(seqBase, minutesAgo, 'p-0a0a0a'), { qos: 1 });
  await b.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, fever(seqBase, minutesAgo, 'p-0b0b0b'), { qos: 1 });
}

describe('GW_PARTITIONS=2', () => {
  it('puts the two communities in different partitions', () => {
    expect([partitionOf(TEST_COMMUNITY, 2), partitionOf(OTHER_COMMUNITY, 2)]).toEqual([0, 1]);
  });

  it("journals each community's readings in its own partition's file, and raises exactly its own alarm", async () => {
    svc = await startTestService({ GW_PARTITIONS: '2' }, dir);
    expect(svc.runtime.partitions?.count).toBe(2);
    await publishFevers(svc, 1, 30);

    // Acknowledged means journaled, in the partition of the community and nowhere else.
    const p0 = partitionFile(dir, 0);
    const p1 = partitionFile(dir, 1);
    expect(readingsIn(p0)).toEqual([{ id: PARTITION_ID_STRIDE + 1, communityId: TEST_COMMUNITY, deviceId: 'therm-g1', seq: 1 }]);
    expect(readingsIn(p1)).toEqual([{ id: 2 * PARTITION_ID_STRIDE + 1, communityId: OTHER_COMMUNITY, deviceId: 'therm-b1', seq: 1 }]);
    expect(readingsIn(join(dir, 'gatewatch.sqlite'))).toEqual([]);

    const alarms = await eventually(async () => {
      const items = (await svc!.api('GET', '/api/v1/alarms?status=open')).json.items as { id: number; communityId: string }[];
      return items.length === 2 ? items : undefined;
    });
    const byCommunity = Object.fromEntries(alarms.map((a) => [a.communityId, a]));
    expect(byCommunity[TEST_COMMUNITY]).toMatchObject({ id: PARTITION_ID_STRIDE + 1, rule: 'fever', subject: 'person:p-0a0a0a', status: 'open', occurrences: 1, readingIds: [PARTITION_ID_STRIDE + 1] });
    expect(byCommunity[OTHER_COMMUNITY]).toMatchObject({ id: 2 * PARTITION_ID_STRIDE + 1, rule: 'fever', subject: 'person:p-0b0b0b', status: 'open', occurrences: 1, readingIds: [2 * PARTITION_ID_STRIDE + 1] });
    // Each alarm is stored once, in its partition.
    expect(rows(p0, 'SELECT community_id AS c FROM alarms')).toEqual([{ c: TEST_COMMUNITY }]);
    expect(rows(p1, 'SELECT community_id AS c FROM alarms')).toEqual([{ c: OTHER_COMMUNITY }]);
    expect(rows(join(dir, 'gatewatch.sqlite'), 'SELECT id FROM alarms')).toEqual([]);

    // Tenancy across partitions: the operator of TEST_COMMUNITY's company sees its alarm only.
    const operator = (await svc.api('GET', '/api/v1/alarms', { token: svc.tokens.operator })).json.items as { communityId: string }[];
    expect(operator.map((a) => a.communityId)).toEqual([TEST_COMMUNITY]);
    expect((await svc.api('GET', `/api/v1/alarms/${2 * PARTITION_ID_STRIDE + 1}`, { token: svc.tokens.operator })).status).toBe(404);
  });

  it("acknowledges an alarm in its partition's thread, audited there and read across partitions", async () => {
    const id = 2 * PARTITION_ID_STRIDE + 1;
    const ack = await svc!.api('POST', `/api/v1/alarms/${id}/acknowledge`, { body: { note: '已处理' } });
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ id, status: 'acknowledged', acknowledgedBy: 'admin:test-admin', acknowledgeNote: '已处理' });
    expect(rows(partitionFile(dir, 1), "SELECT status FROM alarms")).toEqual([{ status: 'acknowledged' }]);
    const again = await svc!.api('POST', `/api/v1/alarms/${id}/acknowledge`, { body: {} });
    expect(again.status).toBe(409);
    expect((await svc!.api('POST', `/api/v1/alarms/${3 * PARTITION_ID_STRIDE + 7}/resolve`, { body: {} })).status).toBe(404);

    const audit = (await svc!.api('GET', `/api/v1/audit?objectType=alarm&objectId=${id}`)).json.items as { action: string; actor: string; communityId: string }[];
    expect(audit.map((e) => [e.action, e.communityId])).toEqual([['alarm.acknowledge', OTHER_COMMUNITY]]);
  });

  it('shows every partition in one /metrics', async () => {
    const text = (await svc!.runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('gatewatch_readings_accepted_total{kind="temperature",partition="0"} 1');
    expect(text).toContain('gatewatch_readings_accepted_total{kind="temperature",partition="1"} 1');
    expect(text.match(/^gatewatch_alarms_raised_total\{rule="fever",.*partition="(\d)"\} (\d+)$/gm)?.map((l) => l.replace(/new="\w+",/, ''))).toEqual([
      'gatewatch_alarms_raised_total{rule="fever",partition="0"} 1',
      'gatewatch_alarms_raised_total{rule="fever",partition="1"} 1',
    ]);
    expect(text).toContain('gatewatch_alarms_open{partition="0"} 1');
    expect(text).toContain('gatewatch_alarms_open{partition="1"} 1');
  });

  it("rebuilds each partition's rules state from its own journal after a restart", async () => {
    await svc!.stop();
    // Unset: the data directory's recorded count.
    svc = await startTestService({}, dir);
    expect(svc.runtime.partitions?.count).toBe(2);
    await publishFevers(svc, 2, 20);
    await svc.runtime.partitions!.all({ op: 'runPeriodic' });
    // The same person's second fever bumps the alarm the state rebuilt from the journal knows (one alarm, two readings).
    const items = (await svc.api('GET', '/api/v1/alarms')).json.items as { id: number; occurrences: number; readingIds: number[] }[];
    expect(items.map((a) => [a.id, a.occurrences, a.readingIds]).sort((x, y) => x[0] as number - (y[0] as number))).toEqual([
      [PARTITION_ID_STRIDE + 1, 2, [PARTITION_ID_STRIDE + 1, PARTITION_ID_STRIDE + 2]],
      [2 * PARTITION_ID_STRIDE + 1, 2, [2 * PARTITION_ID_STRIDE + 1, 2 * PARTITION_ID_STRIDE + 2]],
    ]);
    // Facts of the day count the readings of both sides of the restart, each in its community.
    const day = localDay(base, 'Asia/Shanghai');
    for (const community of [TEST_COMMUNITY, OTHER_COMMUNITY]) {
      const facts = (await svc.api('GET', `/api/v1/communities/${community}/facts?from=${day}&to=${day}&rule=fever`)).json.items;
      expect(facts).toMatchObject([{ place: 'g1', figures: { measured: 2, fevers: 2 } }]);
    }
  });

  it('refuses another partition count for the same data directory, naming GW_PARTITIONS', async () => {
    await svc!.stop();
    svc = undefined;
    await expect(startTestService({ GW_PARTITIONS: '3' }, dir)).rejects.toThrow(/GW_PARTITIONS=3: this data directory was created with 2 partition\(s\)/);
  });
});

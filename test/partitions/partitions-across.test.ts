/**
 * What crosses partitions (issue 18), with GW_PARTITIONS=2 (hc-001 in partition 0, hc-002 in 1):
 * - a partition whose file is locked by another connection holds only its own devices' PUBACKs: the other
 *   partition's devices are acknowledged meanwhile, and every acknowledged reading is journaled once;
 * - an import file with lines of both communities is split between their partitions and answers one
 *   report with the file's own line numbers;
 * - dead letters are kept by the partition of their topic's community and listed across partitions;
 * - the checklist and the alarm events of the live feed read across partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDb } from '../support/sqlite.js';
import { eventually, startTestService, OTHER_COMMUNITY, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { holdWriteLock } from '../support/write-lock.js';
import { PARTITION_ID_STRIDE, partitionFile } from '../../services/store/partitioning.js';
import { localDay } from '../../services/time/local-day.js';
import type { Alarm } from '../../services/domain/alarm.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-partitions-across-'));
let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ GW_PARTITIONS: '2', GW_MAX_LATENESS_HOURS: '72' }, dir);
});
afterAll(async () => {
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const count = (file: string, sql: string, ...params: unknown[]): number => readDb(file, (db) => db.prepare(sql).pluck().get(...params) as number);
/** Noon today in Shanghai, or now if earlier: readings minutes before it share one local day. */
const BASE = Math.min(Date.parse(`${localDay(Date.now(), 'Asia/Shanghai')}T12:00:00+08:00`), Date.now());
const reading = (seq: number, minutesAgo: number, temperatureC = 36.6) =>
  JSON.stringify({ seq, ts: new Date(BASE - minutesAgo * 60_000).toISOString(), gateId: 'g1', temperatureC, subject: 'resident', personRef: 'p-0c0c0c' });

describe('GW_PARTITIONS=2 across partitions', () => {
  it("acknowledges one partition's devices while the other's file is locked, and the other's once it is free", async () => {
    const a = await svc.connect('therm-g1');
    const b = await svc.connect('therm-b1');
    const lock = await holdWriteLock(partitionFile(dir, 1), 1500);
    const lockedAt = Date.now();
    const blocked = b.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, reading(1, 10), { qos: 1 }).then(() => Date.now());
    for (let seq = 1; seq <= 20; seq++) await a.publishAsync(`gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`, reading(seq, 10), { qos: 1 });
    const freeAcked = Date.now();
    // Partition 0 took all 20 while partition 1's file was still locked.
    expect(freeAcked - lockedAt).toBeLessThan(1500);
    expect(count(partitionFile(dir, 0), 'SELECT COUNT(*) FROM readings WHERE device_id = ?', 'therm-g1')).toBe(20);
    expect(count(partitionFile(dir, 1), 'SELECT COUNT(*) FROM readings')).toBe(0);
    await lock.released;
    const blockedAcked = await blocked;
    expect(blockedAcked - lockedAt).toBeGreaterThanOrEqual(1500);
    expect(count(partitionFile(dir, 1), 'SELECT COUNT(*) FROM readings WHERE device_id = ?', 'therm-b1')).toBe(1);
    expect(count(partitionFile(dir, 1), 'SELECT COUNT(*) FROM dead_letters')).toBe(0);
  });

  it('splits an import between the partitions and answers one report with the file\'s line numbers', async () => {
    const yesterday = localDay(BASE - 86_400_000, 'Asia/Shanghai');
    const ts = (hhmm: string) => new Date(`${yesterday}T${hhmm}:00+08:00`).toISOString();
    const line = (community: string, device: string, seq: number, hhmm: string) =>
      JSON.stringify({ topic: `gatewatch/v1/${community}/${device}/temperature`, payload: { seq, ts: ts(hhmm), gateId: 'g1', temperatureC: 36.4, subject: 'resident', personRef: 'p-0d0d0d' } });
    const file = [
      line(TEST_COMMUNITY, 'therm-g1', 501, '08:00'),
      line(OTHER_COMMUNITY, 'therm-b1', 501, '08:05'),
      '{"topic": "gatewatch/v1/hc-002/therm-b1/temperature", "payload": {',
      line(OTHER_COMMUNITY, 'therm-b1', 502, '08:10'),
      line(TEST_COMMUNITY, 'therm-g1', 501, '08:00'),
    ].join('\n');
    const res = await svc.runtime.http.inject({
      method: 'POST', url: '/api/v1/readings/import?source=two-partitions', payload: file,
      headers: { authorization: `Bearer ${svc.tokens.admin}`, 'content-type': 'application/x-ndjson' },
    });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect({ accepted: report.accepted, duplicate: report.duplicate, rejected: report.rejected }).toEqual({ accepted: 3, duplicate: 1, rejected: 1 });
    expect(report.problems).toMatchObject([{ line: 3, code: 'LINE_INVALID' }]);
    expect([...report.days].sort((x: { communityId: string }, y: { communityId: string }) => x.communityId.localeCompare(y.communityId))).toEqual([
      { communityId: TEST_COMMUNITY, day: yesterday },
      { communityId: OTHER_COMMUNITY, day: yesterday },
    ]);
    expect(count(partitionFile(dir, 0), 'SELECT COUNT(*) FROM readings WHERE seq = 501')).toBe(1);
    expect(count(partitionFile(dir, 1), 'SELECT COUNT(*) FROM readings WHERE seq IN (501, 502)')).toBe(2);
    const facts = (await svc.api('GET', `/api/v1/communities/${OTHER_COMMUNITY}/facts?from=${yesterday}&to=${yesterday}&rule=fever`)).json.items;
    expect(facts).toMatchObject([{ place: 'g1', figures: { measured: 2, fevers: 0 } }]);
  });

  it("keeps a dead letter in its community's partition and lists it across partitions", async () => {
    const b = await svc.connect('therm-b1');
    await b.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, JSON.stringify({ seq: 9, ts: new Date(BASE).toISOString(), gateId: 'g1' }), { qos: 1 });
    expect(count(partitionFile(dir, 1), 'SELECT COUNT(*) FROM dead_letters')).toBe(1);
    expect(count(partitionFile(dir, 0), 'SELECT COUNT(*) FROM dead_letters')).toBe(0);
    const listed = (await svc.api('GET', '/api/v1/dead-letters')).json.items as { id: number; code: string; topic: string }[];
    expect(listed.map((d) => [d.id, d.code, d.topic])).toEqual([[2 * PARTITION_ID_STRIDE + 1, 'PAYLOAD_SCHEMA_INVALID', `gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`]]);
  });

  it("emits a partition's alarm on the main thread's bus and scores the community from its partition's facts", async () => {
    const created: Alarm[] = [];
    const off = svc.runtime.bus.on('alarm.created', (a) => void created.push(a));
    const b = await svc.connect('therm-b1');
    await b.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, reading(20, 5, 38.9), { qos: 1 });
    const alarm = await eventually(() => created[0]);
    off();
    expect(alarm).toMatchObject({ communityId: OTHER_COMMUNITY, rule: 'fever', status: 'open', subject: 'person:p-0c0c0c' });
    expect(alarm.id).toBeGreaterThan(2 * PARTITION_ID_STRIDE);
    const day = localDay(BASE, 'Asia/Shanghai');
    await svc.runtime.partitions!.all({ op: 'runPeriodic' });
    const fever = (await svc.api('GET', `/api/v1/communities/${OTHER_COMMUNITY}/facts?from=${day}&to=${day}&rule=fever`)).json.items;
    expect(fever).toMatchObject([{ place: 'g1', figures: { measured: 2, fevers: 1 } }]);
    const scores = await svc.api('GET', `/api/v1/communities/${OTHER_COMMUNITY}/scores?from=${day}&to=${day}`);
    expect(scores.status).toBe(200);
    expect(scores.json.items.length).toBeGreaterThan(0);
  });
});

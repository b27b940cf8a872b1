/**
 * The store side of partitions (store/partitioning.ts) and the partition map (domain/partitions.ts):
 * striped AUTOINCREMENT ids (rows, indexes and triggers kept when a table is rebuilt), the read connection's
 * union views, and the data directory's partition count.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../services/store/db.js';
import { createRepositories } from '../../services/store/repositories.js';
import { openPartitionDatabase, openReadAcross, partitionFile, PARTITION_ID_STRIDE, resolvePartitionCount, shadowPartitionTables } from '../../services/store/partitioning.js';
import { MAX_PARTITIONS, partitionOf, partitionOfTopic } from '../../services/domain/partitions.js';
import { defaultPartitions } from '../../services/partitions/main-side.js';
import { loadServiceConfig } from '../../services/config/service-config.js';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'gw-partition-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const entry = (actor: string) => ({ actor, action: 'alarm.acknowledge', objectType: 'alarm', objectId: 1, communityId: 'hc-001', before: null, after: null });

describe('partition map', () => {
  it('is a stable FNV-1a of the community id, and routes a topic by its community level', () => {
    expect([partitionOf('hc-001', 2), partitionOf('hc-002', 2), partitionOf('hc-001', 4), partitionOf('hc-002', 4)]).toEqual([0, 1, 2, 3]);
    expect(partitionOf('hc-001', 1)).toBe(0);
    expect(partitionOfTopic('gatewatch/v1/hc-002/therm-b1/temperature', 4)).toBe(3);
    // Not a telemetry topic: partition 0, whose ingest dead-letters it.
    expect([partitionOfTopic('gatewatch/v2/hc-002/x/temperature', 4), partitionOfTopic('gatewatch/v1/', 4), partitionOfTopic('other', 4)]).toEqual([0, 0, 0]);
    expect(MAX_PARTITIONS).toBe(8);
  });

  it('defaults to 1 partition on up to 3 cores, else cores - 2 (at most 8); a count outside 1-8 fails naming GW_PARTITIONS', () => {
    expect([1, 2, 3, 4, 6, 10, 16].map((cores) => defaultPartitions(cores))).toEqual([1, 1, 1, 2, 4, 8, 8]);
    expect(loadServiceConfig({ GW_PARTITIONS: '4' }).GW_PARTITIONS).toBe(4);
    expect(loadServiceConfig({}).GW_PARTITIONS).toBeUndefined();
    expect(() => loadServiceConfig({ GW_PARTITIONS: '9' })).toThrow(/GW_PARTITIONS="9"/);
    expect(() => loadServiceConfig({ GW_PARTITIONS: 'two' })).toThrow(/GW_PARTITIONS="two"/);
  });
});

describe('partition files', () => {
  it("starts each partition's ids at (k + 1) · 2^44, keeps them on reopening, and keeps the audit log append-only", () => {
    const dir = fresh();
    const p1 = openPartitionDatabase(partitionFile(dir, 1), 1);
    const audit = createRepositories(p1).audit;
    expect(audit.record(entry('a'), 1)).toBe(2 * PARTITION_ID_STRIDE + 1);
    expect(() => p1.prepare('DELETE FROM audit_log').run()).toThrow('the audit log is append-only');
    p1.close();
    const again = openPartitionDatabase(partitionFile(dir, 1), 1);
    expect(createRepositories(again).audit.record(entry('b'), 2)).toBe(2 * PARTITION_ID_STRIDE + 2);
    expect(again.prepare("SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'audit_log' AND type IN ('index', 'trigger')").pluck().get()).toBe(4);
    again.close();
  });

  it('reads the union of the partitions through TEMP views, and refuses writes through them', () => {
    const dir = fresh();
    const shared = openDatabase(join(dir, 'gatewatch.sqlite'));
    const paths = [0, 1].map((k) => partitionFile(dir, k));
    const parts = paths.map((p, k) => openPartitionDatabase(p, k));
    createRepositories(shared).audit.record(entry('shared'), 1);
    parts.forEach((db, k) => createRepositories(db).audit.record(entry(`p${k}`), 2));
    const reads = openReadAcross(join(dir, 'gatewatch.sqlite'), paths);
    const repos = createRepositories(reads);
    shadowPartitionTables(reads, 2);
    expect(repos.audit.list({ limit: 10 }).map((e) => [e.id, e.actor])).toEqual([
      [2 * PARTITION_ID_STRIDE + 1, 'p1'],
      [PARTITION_ID_STRIDE + 1, 'p0'],
      [1, 'shared'],
    ]);
    expect(() => repos.audit.record(entry('x'), 3)).toThrow('cannot modify audit_log because it is a view');
    for (const db of [reads, shared, ...parts]) db.close();
  });

  it('records the count at the first start, keeps it, and calls another a mismatch', () => {
    const db = openDatabase(join(fresh(), 'gatewatch.sqlite'));
    expect(resolvePartitionCount(db, undefined, 2, 1)).toEqual({ kind: 'ok', partitions: 2 });
    expect(resolvePartitionCount(db, undefined, 4, 2)).toEqual({ kind: 'ok', partitions: 2 });
    expect(resolvePartitionCount(db, 2, 4, 3)).toEqual({ kind: 'ok', partitions: 2 });
    expect(resolvePartitionCount(db, 3, 4, 4)).toEqual({ kind: 'mismatch', recorded: 2 });
    db.close();
  });

  it('gives a directory from before partitions (readings, no record) one partition', () => {
    const db = openDatabase(join(fresh(), 'gatewatch.sqlite'));
    db.prepare("INSERT INTO readings (community_id, device_id, kind, seq, event_time, received_at, payload) VALUES ('hc-001', 'd', 'temperature', 1, 1, 1, '{}')").run();
    expect(resolvePartitionCount(db, undefined, 4, 1)).toEqual({ kind: 'ok', partitions: 1 });
    expect(resolvePartitionCount(db, 4, 4, 2)).toEqual({ kind: 'mismatch', recorded: 1 });
    db.close();
  });
});

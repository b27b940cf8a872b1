/**
 * Journal first, processors after: readings journaled (and acknowledged) but
 * not yet taken by the rules processor when the process died are taken after
 * the restart, exactly once; the rules' state after the restart is built from
 * the journal up to the processor's checkpoint, never past it, so nothing is
 * evaluated twice and nothing is skipped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../services/store/db.js';
import { createRepositories } from '../../services/store/repositories.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createIngest } from '../../services/ingest/ingest.js';
import { createMetrics } from '../../services/observability/metrics.js';
import { silentLogger } from '../../services/observability/logger.js';
import { EventBus, InCommit } from '../../services/events.js';
import { DEFAULT_RULES_CONFIG } from '../../services/rules/index.js';
import { OTHER_COMMUNITY, TEST_COMMUNITY, TEST_REGISTRY } from '../support/service.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const NOW = Date.now();

const temperature = (community: string, device: string, seq: number, minutesAgo: number, temperatureC: number, personRef: string) => ({
  receivedAt: NOW,
  clientId: device,
  topic: `gatewatch/v1/${community}/${device}/temperature`,
  payload: Buffer.from(JSON.stringify({ seq, ts: new Date(NOW - minutesAgo * 60_000).toISOString(), gateId: 'g1', temperatureC, subject: 'resident', personRef })),
  qos: 1,
});

function open(dir: string) {
  const db = openDatabase(join(dir, 'gatewatch.sqlite'));
  const repos = createRepositories(db);
  const logger = silentLogger();
  const ingest = createIngest({
    db, ...repos, rulesConfig: DEFAULT_RULES_CONFIG, metrics: createMetrics(false), logger, bus: new EventBus(logger), inCommit: new InCommit(() => db.inTransaction),
    maxPayloadBytes: 4096, factsRefreshMs: 60_000, retentionDays: 400, now: () => NOW,
  });
  return { db, repos, ingest };
}
const checkpoint = (db: Db) => db.prepare("SELECT position FROM processor_checkpoints WHERE name = 'rules'").pluck().get();
const fevers = (db: Db) =>
  db.prepare("SELECT community_id, subject, occurrences, reading_ids FROM alarms WHERE rule = 'fever' ORDER BY community_id, subject").all();

describe('the rules processor across a restart', () => {
  it('takes what was journaled but not processed, exactly once, from its checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-processor-restart-'));
    dirs.push(dir);
    const first = open(dir);
    await applyRegistry(TEST_REGISTRY, first.db, first.repos.registry, NOW);
    first.ingest.rules.refreshLayouts();
    // Taken by the processor before the crash: one fever in each community.
    first.ingest.processBatch([temperature(TEST_COMMUNITY, 'therm-g1', 1, 50, 38.1, 'p-a1'), temperature(OTHER_COMMUNITY, 'therm-b1', 1, 50, 38.2, 'p-b1')]);
    expect(first.ingest.processors.drain()).toBe(2);
    expect(checkpoint(first.db)).toBe(2);
    // Journaled (the PUBACKs went out), not yet processed: the process dies here (no stop, no drain).
    first.ingest.processBatch([
      temperature(TEST_COMMUNITY, 'therm-g1', 2, 40, 38.1, 'p-a1'),
      temperature(TEST_COMMUNITY, 'therm-g1', 3, 30, 38.6, 'p-a2'),
      temperature(OTHER_COMMUNITY, 'therm-b1', 2, 30, 36.4, 'p-b2'),
    ]);
    expect(checkpoint(first.db)).toBe(2);
    expect(fevers(first.db)).toEqual([
      { community_id: TEST_COMMUNITY, subject: 'person:p-a1', occurrences: 1, reading_ids: '[1]' },
      { community_id: OTHER_COMMUNITY, subject: 'person:p-b1', occurrences: 1, reading_ids: '[2]' },
    ]);
    first.db.close();

    // The restart: the state is rebuilt from the journal up to the checkpoint, then the processor takes rows 3-5.
    const second = open(dir);
    expect(second.ingest.processors.drain()).toBe(3);
    expect(checkpoint(second.db)).toBe(5);
    expect(fevers(second.db)).toEqual([
      { community_id: TEST_COMMUNITY, subject: 'person:p-a1', occurrences: 2, reading_ids: '[1,3]' },
      { community_id: TEST_COMMUNITY, subject: 'person:p-a2', occurrences: 1, reading_ids: '[4]' },
      { community_id: OTHER_COMMUNITY, subject: 'person:p-b1', occurrences: 1, reading_ids: '[2]' },
    ]);
    // Nothing left, nothing taken twice on a further restart.
    expect(second.ingest.processors.drain()).toBe(0);
    second.ingest.stop();
    second.db.close();
    const third = open(dir);
    expect(third.ingest.processors.drain()).toBe(0);
    expect(fevers(third.db)).toHaveLength(3);
    third.ingest.stop();
    third.db.close();
  });
});

describe('a tick whose transaction does not commit', () => {
  it('leaves the rules as the journal has them, so the next tick raises the alarm it could not store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tick-rollback-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'gatewatch.sqlite'));
    const repos = createRepositories(db);
    await applyRegistry(TEST_REGISTRY, db, repos.registry, NOW);
    const logger = silentLogger();
    const inCommit = new InCommit(() => db.inTransaction);
    let failing = true;
    // Stands for what a full disk does to the tick's transaction: it throws inside it.
    inCommit.add({ name: 'failing-disk', 'alarm.changed': () => { if (failing) throw new Error('SQLITE_FULL'); } });
    let clock = NOW - 60 * 60_000;
    const ingest = createIngest({
      db, ...repos, rulesConfig: DEFAULT_RULES_CONFIG, metrics: createMetrics(false), logger, bus: new EventBus(logger), inCommit,
      maxPayloadBytes: 4096, factsRefreshMs: 60_000, retentionDays: 400, now: () => clock,
    });
    ingest.rules.refreshLayouts();
    const reading = temperature(OTHER_COMMUNITY, 'therm-b1', 1, 0, 36.5, 'p-c1');
    ingest.processBatch([{ ...reading, receivedAt: clock, payload: Buffer.from(JSON.stringify({ seq: 1, ts: new Date(clock).toISOString(), gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: 'p-c1' })) }]);
    expect(ingest.processors.drain()).toBe(1);
    // 40 minutes of silence: the device-health alarm falls due, but its transaction fails.
    clock += 40 * 60_000;
    expect(() => ingest.tick()).toThrow('SQLITE_FULL');
    const silent = () => db.prepare("SELECT subject, status FROM alarms WHERE rule = 'device-health' AND community_id = ?").all(OTHER_COMMUNITY);
    expect(silent()).toEqual([]);
    failing = false;
    clock += 5_000;
    ingest.tick();
    expect(silent()).toEqual([{ subject: 'device:therm-b1', status: 'open' }]);
    ingest.stop();
    db.close();
  });
});

describe('the journal never runs far ahead of the rules', () => {
  it('is backlogged past 10,000 readings the rules processor has not taken, and not once it caught up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-backlog-'));
    dirs.push(dir);
    const { db, repos, ingest } = open(dir);
    await applyRegistry(TEST_REGISTRY, db, repos.registry, NOW);
    ingest.rules.refreshLayouts();
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => temperature(TEST_COMMUNITY, 'therm-g1', from + i, 50 - (from + i) / 1000, 36.5, `p-r${from + i}`));
    ingest.processBatch(batch(1, 10_000));
    expect(ingest.backlog()).toBe(10_000);
    expect(ingest.backlogged()).toBe(false);
    ingest.processBatch(batch(10_001, 1));
    expect(ingest.backlog()).toBe(10_001);
    expect(ingest.backlogged()).toBe(true);
    expect(ingest.processors.drain()).toBe(10_001);
    expect(ingest.backlog()).toBe(0);
    expect(ingest.backlogged()).toBe(false);
    ingest.stop();
    db.close();
  });
});

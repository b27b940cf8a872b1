/**
 * An upgrade: rows an earlier version left in its inbox table (acknowledged,
 * not yet processed when it was killed) are processed once at start.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../services/store/db.js';
import { createJournal } from '../../services/store/journal.js';
import { startTestService, TEST_COMMUNITY } from '../support/service.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('upgrade from the two-step inbox', () => {
  it('processes the inbox rows above the checkpoint once, in order, at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatewatch-legacy-'));
    dirs.push(dir);
    const first = await startTestService({}, dir);
    await first.stop();

    // What an earlier version left after kill -9: rows 1-3 acknowledged, only row 1 processed.
    const db = openDatabase(join(dir, 'gatewatch.sqlite'));
    const topic = `gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`;
    const reading = (seq: number) => JSON.stringify({ seq, ts: new Date(Date.now() - 60_000).toISOString(), gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-000001' });
    const insert = db.prepare('INSERT INTO inbox (received_at, client_id, topic, payload, qos) VALUES (?, ?, ?, ?, 1)');
    for (const payload of [reading(1), reading(2), '{"seq": "not a number"}']) insert.run(Date.now(), 'therm-g1', topic, Buffer.from(payload));
    createJournal(db).setCheckpoint(1);
    db.close();

    const second = await startTestService({}, dir);
    try {
      const rows = (sql: string) => second.runtime.db.prepare(sql).all();
      expect(rows(`SELECT seq FROM readings WHERE device_id = 'therm-g1' ORDER BY seq`)).toEqual([{ seq: 2 }]);
      expect(rows(`SELECT topic, code FROM dead_letters`)).toEqual([{ topic, code: 'PAYLOAD_SCHEMA_INVALID' }]);
      expect(createJournal(second.runtime.db).checkpoint()).toBe(3);
      // Replayed once: a second start finds nothing to do.
      expect(second.runtime.ingest.replayUnprocessed()).toBe(0);
    } finally {
      await second.stop();
    }
  });
});

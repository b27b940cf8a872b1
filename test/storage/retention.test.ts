/**
 * Retention: raw readings older than the cut-off go; processed rows of the
 * legacy inbox (written by versions before the single-commit intake) go;
 * nothing unprocessed does.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../services/store/db.js';
import { createJournal } from '../../services/store/journal.js';
import { createLegacyInbox } from '../../services/store/inbox.js';
import type { Db } from '../../services/store/db.js';

/** What an earlier version's broker wrote before its PUBACK. */
const legacyAppend = (db: Db) => db.prepare("INSERT INTO inbox (received_at, client_id, topic, payload, qos) VALUES (0, 'c', 't', '{}', 1)").run();

describe('journal retention', () => {
  it('never prunes what the rules processor has not taken, and prunes in bounded chunks', () => {
    const db = openDatabase(':memory:');
    const journal = createJournal(db);
    for (let i = 0; i < 3; i++) legacyAppend(db);
    journal.setCheckpoint(2); // rows 1 and 2 processed, row 3 not yet
    const day = 86_400_000;
    const base = { communityId: 'hc-001', deviceId: 'd1', kind: 'temperature', receivedAt: 0, payload: {} };
    journal.appendReading({ ...base, seq: 1, eventTime: 10 * day });
    journal.appendReading({ ...base, seq: 2, eventTime: 20 * day });
    journal.appendReading({ ...base, seq: 3, eventTime: 30 * day });

    // Never what the rules processor has not taken: here it has taken the first two readings only.
    db.prepare("UPDATE processor_checkpoints SET position = 2 WHERE name = 'rules'").run();
    expect(journal.prune(40 * day)).toEqual({ readings: 2, inbox: 2, more: false });
    expect(journal.readingsSince(0, 10).map((r) => r.seq)).toEqual([3]);
    // Bounded chunks: one row per community per call, `more` until nothing old is left.
    db.prepare("UPDATE processor_checkpoints SET position = 3 WHERE name = 'rules'").run();
    journal.appendReading({ ...base, seq: 10, eventTime: 5 * day });
    journal.appendReading({ ...base, seq: 11, eventTime: 6 * day });
    db.prepare("UPDATE processor_checkpoints SET position = 5 WHERE name = 'rules'").run();
    expect(journal.prune(7 * day, 1)).toEqual({ readings: 1, inbox: 0, more: true });
    expect(journal.prune(7 * day, 1)).toEqual({ readings: 1, inbox: 0, more: true });
    expect(journal.prune(7 * day, 1)).toEqual({ readings: 0, inbox: 0, more: false });
    expect(journal.readingsSince(0, 10).map((r) => r.seq)).toEqual([3]);
  });

  it('prunes old readings and processed inbox rows, keeps the rest, and never reuses ids', () => {
    const db = openDatabase(':memory:');
    const journal = createJournal(db);
    const inbox = createLegacyInbox(db);
    for (let i = 0; i < 3; i++) legacyAppend(db);
    journal.setCheckpoint(2);
    const day = 86_400_000;
    const base = { communityId: 'hc-001', deviceId: 'd1', kind: 'temperature', receivedAt: 0, payload: {} };
    journal.appendReading({ ...base, seq: 1, eventTime: 10 * day });
    journal.appendReading({ ...base, seq: 2, eventTime: 20 * day });
    const last = journal.appendReading({ ...base, seq: 3, eventTime: 30 * day });
    db.prepare("UPDATE processor_checkpoints SET position = 3 WHERE name = 'rules'").run();

    expect(journal.prune(20 * day)).toEqual({ readings: 1, inbox: 2, more: false });
    expect(journal.readingsSince(0, 10).map((r) => r.seq)).toEqual([2, 3]);
    expect(inbox.unprocessed(0).map((r) => r.id)).toEqual([3]);

    // Ids are never handed out again, even after the highest rows were deleted.
    journal.prune(40 * day);
    journal.setCheckpoint(3);
    journal.prune(40 * day);
    expect(journal.appendReading({ ...base, seq: 4, eventTime: 41 * day })).toBe(last! + 1);
    legacyAppend(db);
    expect(inbox.unprocessed(3).map((r) => r.id)).toEqual([4]);
    db.close();
  });
});

describe('journal retention across communities', () => {
  it('prunes every community that has readings, by event time, and nothing newer', () => {
    const db = openDatabase(':memory:');
    const journal = createJournal(db);
    const day = 86_400_000;
    let seq = 0;
    for (const communityId of ['hc-001', 'hc-002', 'zz-unknown']) {
      for (const d of [1, 2, 3]) journal.appendReading({ communityId, deviceId: `${communityId}-d`, kind: 'temperature', seq: ++seq, eventTime: d * day, receivedAt: 0, payload: {} });
    }
    db.prepare("UPDATE processor_checkpoints SET position = 9 WHERE name = 'rules'").run();
    expect(journal.prune(2 * day)).toEqual({ readings: 3, inbox: 0, more: false });
    expect(journal.prune(2 * day)).toEqual({ readings: 0, inbox: 0, more: false });
    expect(db.prepare('SELECT community_id, event_time / ? AS d FROM readings ORDER BY community_id, d').all(day)).toEqual(
      ['hc-001', 'hc-002', 'zz-unknown'].flatMap((c) => [{ community_id: c, d: 2 }, { community_id: c, d: 3 }]),
    );
    db.close();
  });
});

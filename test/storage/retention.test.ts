/** Retention: raw readings older than the cut-off go; processed inbox rows go; nothing unprocessed does. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../services/store/db.js';
import { createJournal } from '../../services/store/journal.js';
import { createInbox } from '../../services/store/inbox.js';

describe('journal retention', () => {
  it('prunes old readings and processed inbox rows, keeps the rest, and never reuses ids', () => {
    const db = openDatabase(':memory:');
    const journal = createJournal(db);
    const inbox = createInbox(db, { maxBatch: 100, onCommitted: () => {} });
    for (let i = 0; i < 3; i++) inbox.append('c', 't', Buffer.from('{}'), 1, () => {});
    inbox.flush();
    journal.setCheckpoint(2); // rows 1 and 2 processed, row 3 not yet
    const day = 86_400_000;
    const base = { communityId: 'hc-001', deviceId: 'd1', kind: 'temperature', receivedAt: 0, payload: {} };
    journal.appendReading({ ...base, seq: 1, eventTime: 10 * day });
    journal.appendReading({ ...base, seq: 2, eventTime: 20 * day });
    const last = journal.appendReading({ ...base, seq: 3, eventTime: 30 * day });

    expect(journal.prune(20 * day)).toEqual({ readings: 1, inbox: 2 });
    expect(journal.readingsSince(0, 10).map((r) => r.seq)).toEqual([2, 3]);
    expect(inbox.unprocessed(0).map((r) => r.id)).toEqual([3]);

    // Ids are never handed out again, even after the highest rows were deleted.
    journal.prune(40 * day);
    journal.setCheckpoint(3);
    journal.prune(40 * day);
    expect(journal.appendReading({ ...base, seq: 4, eventTime: 41 * day })).toBe(last! + 1);
    inbox.append('c', 't', Buffer.from('{}'), 1, () => {});
    inbox.flush();
    expect(inbox.unprocessed(3).map((r) => r.id)).toEqual([4]);
    db.close();
  });
});

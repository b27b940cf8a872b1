/**
 * How routes change things: inside one SQLite transaction with the audit
 * entry that records them, so a change is never without its record (and a
 * rolled-back change leaves none).
 */
import type { Db } from '../store/db.js';
import type { AuditEntry, AuditRepo } from '../store/audit-repo.js';

export function createChanges(db: Db, audit: AuditRepo, now: () => number) {
  return {
    /** Runs fn in a transaction (nested calls become savepoints). */
    run<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    /** Appends an audit entry; call it inside run(). */
    record(entry: AuditEntry): void {
      if (!db.inTransaction) throw new Error('audit entries are written in the transaction of their change');
      audit.record(entry, now());
    },
  };
}

export type Changes = ReturnType<typeof createChanges>;

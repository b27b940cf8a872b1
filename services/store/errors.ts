/**
 * Which SQLite errors are the infrastructure's fault, not the data's.
 *
 * A message that breaks the contract is dead-lettered and acknowledged: the
 * device must not resend it. A locked database, a full disk or an I/O error
 * says nothing about the message: dead-lettering it would acknowledge a
 * reading that was never journaled (issue 18, item 4). Such an error fails
 * the whole batch instead; nothing of it is acknowledged and the broker
 * thread sends it again (broker/handover.ts).
 *
 * By better-sqlite3's `SqliteError.code`, the extended result code's name
 * (https://www.sqlite.org/rescode.html): `SQLITE_BUSY_SNAPSHOT`,
 * `SQLITE_IOERR_WRITE`, ... share their primary code's prefix.
 */
import Database from 'better-sqlite3';

/** Primary result codes that never depend on the row being written. */
const INFRASTRUCTURE = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_NOMEM'] as const;

/** The primary result code (`SQLITE_IOERR` for `SQLITE_IOERR_FSYNC`), or undefined for anything not from SQLite. */
export function sqlitePrimaryCode(err: unknown): string | undefined {
  if (!(err instanceof Database.SqliteError) || typeof err.code !== 'string') return undefined;
  const { code } = err;
  return INFRASTRUCTURE.find((p) => code === p || code.startsWith(`${p}_`)) ?? code.match(/^SQLITE_[A-Z]+/)?.[0];
}

/** True when the database, not the data, failed: the batch must fail and be retried, never dead-lettered. */
export function isInfrastructureError(err: unknown): boolean {
  const primary = sqlitePrimaryCode(err);
  return primary !== undefined && (INFRASTRUCTURE as readonly string[]).includes(primary);
}

/** Busy or locked: another connection holds the write lock; waiting and trying again is the cure. */
export function isBusyError(err: unknown): boolean {
  const primary = sqlitePrimaryCode(err);
  return primary === 'SQLITE_BUSY' || primary === 'SQLITE_LOCKED';
}

/**
 * The storage itself cannot take writes (disk full, I/O error, read-only, cannot open, out of memory):
 * unlike a busy database this does not pass by itself, so /readyz reports it.
 */
export function isStorageFailure(err: unknown): boolean {
  return isInfrastructureError(err) && !isBusyError(err);
}

export interface StorageHealth {
  /** A write failed; a storage failure (not a busy database) makes the storage not ready. */
  failed(err: unknown, at?: number): void;
  /** A write committed: the storage takes writes again. */
  succeeded(): void;
  /** null while the last write succeeded (or was only busy); otherwise why it failed, for /readyz. */
  problem(): { code: string; since: string } | null;
}

/** Remembers whether the last ingest write failed for the storage's sake (readiness, services/runtime.ts). */
export function createStorageHealth(now: () => number = Date.now): StorageHealth {
  let problem: { code: string; since: string } | null = null;
  return {
    failed(err, at = now()) {
      if (!isStorageFailure(err)) return;
      const code = (err as { code: string }).code;
      // The first failure of an episode is when it began; the code is the latest.
      problem = { code, since: problem?.since ?? new Date(at).toISOString() };
    },
    succeeded() {
      problem = null;
    },
    problem: () => problem,
  };
}

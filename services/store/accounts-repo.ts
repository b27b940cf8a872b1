/**
 * Accounts, web sessions and failed-login counters (migration 0400).
 * Password hashing and the login policy live in services/auth; this is storage.
 */
import type { Db } from './db.js';
import type { Role } from '../domain/role.js';

export interface Account {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  /** The property company of an operator; null for inspectors and admins (the county). */
  company: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface AccountWithHash extends Account {
  passwordHash: string;
}

export interface NewAccount {
  username: string;
  displayName: string;
  role: Role;
  company: string | null;
  passwordHash: string;
}

export interface Session {
  id: number;
  accountId: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface FailureCounter {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

type AccountRow = {
  id: number; username: string; display_name: string; role: Role; property_company: string | null; password_hash: string;
  enabled: number; created_at: number; updated_at: number;
};
const toAccount = (r: AccountRow): AccountWithHash => ({
  id: r.id, username: r.username, displayName: r.display_name, role: r.role, company: r.property_company, enabled: r.enabled === 1,
  createdAt: r.created_at, updatedAt: r.updated_at, passwordHash: r.password_hash,
});
export const withoutHash = ({ passwordHash: _hash, ...account }: AccountWithHash): Account => account;

export function createAccountsRepo(db: Db) {
  const byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
  const byName = db.prepare('SELECT * FROM accounts WHERE username = ?');
  const sessionByHash = db.prepare(
    'SELECT id, account_id, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = ? AND revoked_at IS NULL',
  );
  return {
    get(id: number): AccountWithHash | undefined {
      const r = byId.get(id) as AccountRow | undefined;
      return r && toAccount(r);
    },
    byUsername(username: string): AccountWithHash | undefined {
      const r = byName.get(username) as AccountRow | undefined;
      return r && toAccount(r);
    },
    list(): Account[] {
      return (db.prepare('SELECT * FROM accounts ORDER BY id').all() as AccountRow[]).map((r) => withoutHash(toAccount(r)));
    },
    /** undefined when the username is taken (case-insensitive). */
    create(a: NewAccount, now: number): AccountWithHash | undefined {
      const r = db
        .prepare(
          `INSERT INTO accounts (username, display_name, role, property_company, password_hash, enabled, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (username) DO NOTHING`,
        )
        .run(a.username, a.displayName, a.role, a.company, a.passwordHash, now, now);
      return r.changes === 1 ? this.get(Number(r.lastInsertRowid)) : undefined;
    },
    update(id: number, patch: { displayName?: string; enabled?: boolean; passwordHash?: string }, now: number): boolean {
      const current = this.get(id);
      if (!current) return false;
      db.prepare('UPDATE accounts SET display_name = ?, enabled = ?, password_hash = ?, updated_at = ? WHERE id = ?').run(
        patch.displayName ?? current.displayName,
        (patch.enabled ?? current.enabled) ? 1 : 0,
        patch.passwordHash ?? current.passwordHash,
        now,
        id,
      );
      return true;
    },
    countEnabledAdmins: (): number => db.prepare("SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND enabled = 1").pluck().get() as number,

    createSession(accountId: number, tokenHash: string, now: number, expiresAt: number): number {
      return Number(
        db.prepare('INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(tokenHash, accountId, now, now, expiresAt)
          .lastInsertRowid,
      );
    },
    sessionByHash(tokenHash: string): Session | undefined {
      const r = sessionByHash.get(tokenHash) as { id: number; account_id: number; created_at: number; last_seen_at: number; expires_at: number } | undefined;
      return r && { id: r.id, accountId: r.account_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at };
    },
    touchSession: (id: number, now: number): void => void db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(now, id),
    revokeSession: (id: number, now: number): boolean => db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1,
    revokeSessionsOf: (accountId: number, now: number): number =>
      db.prepare('UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL').run(now, accountId).changes,

    failures(key: string): FailureCounter | undefined {
      const r = db.prepare('SELECT failures, last_failure_at, locked_until FROM login_failures WHERE key = ?').get(key) as
        | { failures: number; last_failure_at: number; locked_until: number | null }
        | undefined;
      return r && { failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until };
    },
    setFailures(key: string, c: FailureCounter): void {
      db.prepare(
        `INSERT INTO login_failures (key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
      ).run(key, c.failures, c.lastFailureAt, c.lockedUntil);
    },
    clearFailures: (key: string): void => void db.prepare('DELETE FROM login_failures WHERE key = ?').run(key),

    /**
     * Forgets what can no longer matter: sessions that expired, went idle or
     * were revoked, and failure counters with no lock running that are older
     * than the failure window (the sign-in logic ignores those already).
     */
    prune(now: number, idleMs: number, failureWindowMs: number): { sessions: number; failures: number } {
      const sessions = db
        .prepare('DELETE FROM sessions WHERE expires_at <= @now OR revoked_at IS NOT NULL OR last_seen_at <= @idleBefore')
        .run({ now, idleBefore: now - idleMs }).changes;
      const failures = db
        .prepare('DELETE FROM login_failures WHERE (locked_until IS NULL OR locked_until <= @now) AND last_failure_at <= @before')
        .run({ now, before: now - failureWindowMs }).changes;
      return { sessions, failures };
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;

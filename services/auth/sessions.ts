/**
 * Web sign-in: username + password (scrypt) → a session whose random id goes
 * in an HttpOnly cookie and whose SHA-256 is stored. Sessions end after an
 * idle timeout, at an absolute expiry, on logout, or when the account is
 * disabled. Failed logins are counted per username and per client address;
 * past the limit the key is locked with exponential back-off (429 +
 * Retry-After). Unknown usernames are counted and verified against a dummy
 * hash, so they cannot be told from wrong passwords by answer or timing.
 */
import type { AccountsRepo, FailureCounter } from '../store/accounts-repo.js';
import type { Role } from '../domain/role.js';
import { hashSecret, newSecret, sha256Hex, verifySecret } from '../crypto/secrets.js';
import { isBusyError } from '../store/errors.js';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  /** Failures per username before it is locked. */
  maxFailures: number;
  /** Failures per client address before it is locked (offices share one address). */
  maxFailuresPerIp: number;
  /** First lock; each further failure doubles it, up to lockMaxMs. */
  lockBaseMs: number;
  lockMaxMs: number;
  /** Failures older than this (and no lock running) are forgotten. */
  failureWindowMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3_600_000,
  maxFailures: 5,
  maxFailuresPerIp: 20,
  lockBaseMs: 60_000,
  lockMaxMs: 15 * 60_000,
  failureWindowMs: 15 * 60_000,
};

export const MIN_PASSWORD_LENGTH = 10;

export interface SessionIdentity {
  accountId: number;
  sessionId: number;
  username: string;
  displayName: string;
  role: Role;
  company: string | null;
}

export type LoginResult =
  | { kind: 'ok'; token: string; expiresAt: number; identity: SessionIdentity }
  | { kind: 'invalid' }
  | { kind: 'locked'; retryAfterSeconds: number };

export function createSessions(deps: { accounts: AccountsRepo; policy?: Partial<SessionPolicy>; now?: () => number }) {
  const policy = { ...DEFAULT_SESSION_POLICY, ...deps.policy };
  const now = deps.now ?? Date.now;
  const { accounts } = deps;
  // A real scrypt hash of a random secret: unknown users cost the same time as known ones.
  const dummyHash = hashSecret(newSecret());

  const live = (c: FailureCounter | undefined, at: number): FailureCounter | undefined =>
    c && ((c.lockedUntil ?? 0) > at || at - c.lastFailureAt < policy.failureWindowMs) ? c : undefined;

  function lockedFor(keys: string[], at: number): number {
    let until = 0;
    for (const key of keys) until = Math.max(until, accounts.failures(key)?.lockedUntil ?? 0);
    return until > at ? until - at : 0;
  }

  function fail(key: string, limit: number, at: number): void {
    const failures = (live(accounts.failures(key), at)?.failures ?? 0) + 1;
    const lockedUntil = failures >= limit ? at + Math.min(policy.lockMaxMs, policy.lockBaseMs * 2 ** Math.min(failures - limit, 20)) : null;
    accounts.setFailures(key, { failures, lastFailureAt: at, lockedUntil });
  }

  return {
    policy,

    async login(username: string, password: string, ip: string): Promise<LoginResult> {
      const userKey = `user:${username.toLowerCase()}`;
      const ipKey = `ip:${ip}`;
      const locked = lockedFor([userKey, ipKey], now());
      if (locked > 0) return { kind: 'locked', retryAfterSeconds: Math.ceil(locked / 1000) };
      // Counted before the (slow) check, so parallel guesses cannot slip past the limit.
      const before = accounts.failures(ipKey);
      fail(userKey, policy.maxFailures, now());
      fail(ipKey, policy.maxFailuresPerIp, now());
      const account = accounts.byUsername(username);
      const matches = await verifySecret(password, account?.passwordHash ?? (await dummyHash));
      if (!account || !matches || !account.enabled) return { kind: 'invalid' };
      accounts.clearFailures(userKey);
      if (before) accounts.setFailures(ipKey, before);
      else accounts.clearFailures(ipKey);
      const token = newSecret(32);
      const at = now();
      const expiresAt = at + policy.absoluteMs;
      const sessionId = accounts.createSession(account.id, sha256Hex(token), at, expiresAt);
      return {
        kind: 'ok', token, expiresAt,
        identity: { accountId: account.id, sessionId, username: account.username, displayName: account.displayName, role: account.role, company: account.company },
      };
    },

    /** The identity behind a cookie value, or undefined when it is unknown, expired, idle too long, revoked or its account disabled. */
    verify(token: string): SessionIdentity | undefined {
      const session = accounts.sessionByHash(sha256Hex(token));
      if (!session) return undefined;
      const at = now();
      if (at >= session.expiresAt || at - session.lastSeenAt >= policy.idleMs) {
        accounts.revokeSession(session.id, at);
        return undefined;
      }
      const account = accounts.get(session.accountId);
      if (!account?.enabled) return undefined;
      try {
        accounts.touchSession(session.id, at);
      } catch (err) {
        // Another connection holds the write lock: the idle clock is not moved this once, and a read stays a read
        // (it is not refused with DATABASE_BUSY for the bookkeeping of the session).
        if (!isBusyError(err)) throw err;
      }
      return { accountId: account.id, sessionId: session.id, username: account.username, displayName: account.displayName, role: account.role, company: account.company };
    },

    logout: (sessionId: number): boolean => accounts.revokeSession(sessionId, now()),
    /** Deletes ended sessions and stale failure counters (run periodically). */
    prune: () => accounts.prune(now(), policy.idleMs, policy.failureWindowMs),
  };
}

export type Sessions = ReturnType<typeof createSessions>;

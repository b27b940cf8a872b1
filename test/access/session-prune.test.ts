/** Ended sessions and stale failure counters are deleted; live ones and running locks stay. */
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../services/crypto/secrets.js';
import { createSessions, DEFAULT_SESSION_POLICY } from '../../services/auth/sessions.js';
import { createAccountsRepo } from '../../services/store/accounts-repo.js';
import { openDatabase } from '../../services/store/db.js';

describe('session and login-failure pruning', () => {
  it('keeps what can still matter and forgets the rest', async () => {
    const db = openDatabase(':memory:');
    const accounts = createAccountsRepo(db);
    let clock = 1_000_000_000_000;
    const sessions = createSessions({ accounts, now: () => clock });
    const account = accounts.create({ username: 'wang', displayName: '王', role: 'inspector', company: null, passwordHash: await hashSecret('a-long-password') }, clock)!;
    const { idleMs, absoluteMs, failureWindowMs } = DEFAULT_SESSION_POLICY;

    const live = accounts.createSession(account.id, 'live', clock, clock + absoluteMs);
    const idle = accounts.createSession(account.id, 'idle', clock - idleMs - 1, clock + absoluteMs);
    const expired = accounts.createSession(account.id, 'expired', clock - absoluteMs, clock - 1);
    const revoked = accounts.createSession(account.id, 'revoked', clock, clock + absoluteMs);
    accounts.revokeSession(revoked, clock);
    accounts.setFailures('user:stale', { failures: 3, lastFailureAt: clock - failureWindowMs - 1, lockedUntil: null });
    accounts.setFailures('user:recent', { failures: 3, lastFailureAt: clock - 1000, lockedUntil: null });
    accounts.setFailures('user:locked', { failures: 9, lastFailureAt: clock - failureWindowMs - 1, lockedUntil: clock + 60_000 });

    expect(sessions.prune()).toEqual({ sessions: 3, failures: 1 });
    const left = db.prepare('SELECT id FROM sessions ORDER BY id').pluck().all();
    expect(left).toEqual([live]);
    expect([idle, expired, revoked].some((id) => left.includes(id))).toBe(false);
    expect(accounts.failures('user:stale')).toBeUndefined();
    expect(accounts.failures('user:recent')?.failures).toBe(3);
    expect(accounts.failures('user:locked')?.lockedUntil).toBe(clock + 60_000);

    clock += 61_000 + failureWindowMs;
    expect(sessions.prune().failures).toBe(2);
    db.close();
  });
});

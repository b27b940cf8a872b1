/**
 * Account and API-token administration, shared by the admin API and the CLI:
 * each change is written with its audit entry in one transaction. Password
 * hashes and token hashes never reach the audit log.
 */
import type { Db } from '../store/db.js';
import { withoutHash, type Account, type AccountsRepo, type AccountWithHash } from '../store/accounts-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { Role } from '../domain/role.js';
import { companyProblem, type TokenInfo, type TokensRepo } from '../store/tokens-repo.js';
import { hashSecret } from '../crypto/secrets.js';
import { CodedError } from '../domain/errors.js';

export class AdminError extends CodedError {
  constructor(statusCode: number, code: string, message: string) {
    super(statusCode, code, message);
  }
}

export interface NewAccountInput {
  username: string;
  displayName: string;
  role: Role;
  company?: string | null;
  password: string;
}

const accountShape = (a: AccountWithHash | undefined) => (a ? withoutHash(a) : null);

export function createAccountAdmin(deps: { db: Db; accounts: AccountsRepo; tokens: TokensRepo; audit: AuditRepo; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const { db, accounts, tokens, audit } = deps;

  function checkCompany(role: Role, company: string | null | undefined): void {
    const problem = companyProblem(role, company);
    if (problem) throw new AdminError(400, 'COMPANY_INVALID', problem);
  }

  return {
    async createAccount(input: NewAccountInput, actor: string): Promise<Account> {
      checkCompany(input.role, input.company);
      const passwordHash = await hashSecret(input.password);
      return db.transaction(() => {
        const created = accounts.create({ username: input.username, displayName: input.displayName, role: input.role, company: input.company ?? null, passwordHash }, now());
        if (!created) throw new AdminError(409, 'ACCOUNT_EXISTS', `username ${input.username} is taken`);
        audit.record({ actor, action: 'account.create', objectType: 'account', objectId: created.id, before: null, after: accountShape(created) }, now());
        return withoutHash(created);
      })();
    },

    /** Disabling or a new password ends the account's sessions at once. */
    async updateAccount(id: number, patch: { displayName?: string; enabled?: boolean; password?: string }, actor: string): Promise<Account> {
      const passwordHash = patch.password === undefined ? undefined : await hashSecret(patch.password);
      return db.transaction(() => {
        const before = accounts.get(id);
        if (!before) throw new AdminError(404, 'NOT_FOUND', 'account not found');
        if (before.role === 'admin' && before.enabled && patch.enabled === false && accounts.countEnabledAdmins() === 1) {
          throw new AdminError(409, 'LAST_ADMIN', 'the last enabled admin account cannot be disabled');
        }
        accounts.update(id, { displayName: patch.displayName, enabled: patch.enabled, passwordHash }, now());
        const endedSessions = patch.enabled === false || passwordHash ? accounts.revokeSessionsOf(id, now()) : 0;
        const after = accounts.get(id)!;
        audit.record(
          {
            actor, action: patch.enabled === false ? 'account.disable' : patch.enabled === true && !before.enabled ? 'account.enable' : 'account.update',
            objectType: 'account', objectId: id, before: accountShape(before),
            after: { ...accountShape(after), ...(passwordHash ? { passwordChanged: true } : {}), ...(endedSessions ? { endedSessions } : {}) },
          },
          now(),
        );
        return withoutHash(after);
      })();
    },

    createToken(input: { name: string; role: Role; company?: string | null }, actor: string): { info: TokenInfo; token: string } {
      checkCompany(input.role, input.company);
      return db.transaction(() => {
        const { id, token } = tokens.create(input.name, input.role, now(), { company: input.company ?? null, createdBy: actor });
        const info = tokens.get(id)!;
        audit.record({ actor, action: 'token.create', objectType: 'token', objectId: id, before: null, after: info }, now());
        return { info, token };
      })();
    },

    revokeToken(id: number, actor: string): TokenInfo {
      return db.transaction(() => {
        const before = tokens.get(id);
        if (!before) throw new AdminError(404, 'NOT_FOUND', 'token not found');
        if (!tokens.revoke(id, now())) throw new AdminError(409, 'TOKEN_REVOKED', `token ${id} is revoked already`);
        const after = tokens.get(id)!;
        audit.record({ actor, action: 'token.revoke', objectType: 'token', objectId: id, before, after }, now());
        return after;
      })();
    },
  };
}

export type AccountAdmin = ReturnType<typeof createAccountAdmin>;

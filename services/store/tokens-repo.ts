/**
 * API tokens for machines: stored as SHA-256, shown once at creation,
 * revocable, bound to a role and, for operators, to a property company.
 */
import { newSecret, sha256Hex } from '../crypto/secrets.js';
import type { Role } from '../domain/role.js';
import type { Db } from './db.js';

export interface TokenIdentity { tokenId: number; name: string; role: Role; company: string | null }

export interface TokenInfo {
  id: number;
  name: string;
  role: Role;
  company: string | null;
  createdAt: number;
  createdBy: string | null;
  revokedAt: number | null;
}

type Row = { id: number; name: string; role: Role; property_company: string | null; created_at: number; created_by: string | null; revoked_at: number | null };
const toInfo = (r: Row): TokenInfo => ({
  id: r.id, name: r.name, role: r.role, company: r.property_company, createdAt: r.created_at, createdBy: r.created_by, revokedAt: r.revoked_at,
});

/** Operators need a company; inspectors and admins see the county and have none. */
export function companyProblem(role: Role, company: string | null | undefined): string | null {
  if (role === 'operator' && !company) return 'an operator needs a property company';
  if (role !== 'operator' && company) return `an ${role} sees the whole county and takes no property company`;
  return null;
}

export function createTokensRepo(db: Db) {
  const insert = db.prepare('INSERT INTO api_tokens (name, role, property_company, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)');
  return {
    /** Returns the plain token; only its hash is kept. */
    create(
      name: string, role: Role, now: number,
      opts: { company?: string | null; createdBy?: string | null; plain?: string } = {},
    ): { id: number; token: string } {
      const problem = companyProblem(role, opts.company);
      if (problem) throw new Error(problem);
      const plain = opts.plain ?? `gw_${newSecret(32)}`;
      const id = Number(insert.run(name, role, opts.company ?? null, sha256Hex(plain), now, opts.createdBy ?? null).lastInsertRowid);
      return { id, token: plain };
    },
    /** Ensures a given admin token exists (bootstrap from the environment); idempotent. */
    ensure(name: string, role: Role, plain: string, now: number): void {
      db.prepare('INSERT OR IGNORE INTO api_tokens (name, role, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(name, role, sha256Hex(plain), now, 'environment');
    },
    /** An operator token without a company (made before accounts existed) is refused. */
    verify(plain: string): TokenIdentity | undefined {
      const r = db.prepare('SELECT id, name, role, property_company FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL').get(sha256Hex(plain)) as
        | { id: number; name: string; role: Role; property_company: string | null }
        | undefined;
      if (!r || companyProblem(r.role, r.property_company)) return undefined;
      return { tokenId: r.id, name: r.name, role: r.role, company: r.property_company };
    },
    get(id: number): TokenInfo | undefined {
      const r = db.prepare('SELECT id, name, role, property_company, created_at, created_by, revoked_at FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
      return r && toInfo(r);
    },
    list(): TokenInfo[] {
      return (db.prepare('SELECT id, name, role, property_company, created_at, created_by, revoked_at FROM api_tokens ORDER BY id').all() as Row[]).map(toInfo);
    },
    revoke: (id: number, now: number): boolean => db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1,
    count: (): number => db.prepare('SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL').pluck().get() as number,
  };
}

export type TokensRepo = ReturnType<typeof createTokensRepo>;

/** API tokens for the HTTP API: stored as SHA-256, shown once at creation, revocable. */
import { newSecret, sha256Hex } from '../auth/secrets.js';
import type { Db } from './db.js';

export type Role = 'admin' | 'operator' | 'inspector';
export interface TokenIdentity { tokenId: number; name: string; role: Role }

export function createTokensRepo(db: Db) {
  return {
    /** Returns the plain token; only its hash is kept. */
    create(name: string, role: Role, now: number, plain: string = `gw_${newSecret(32)}`): { id: number; token: string } {
      const id = Number(db.prepare('INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)').run(name, role, sha256Hex(plain), now).lastInsertRowid);
      return { id, token: plain };
    },
    /** Ensures a given token exists (bootstrap from the environment); idempotent. */
    ensure(name: string, role: Role, plain: string, now: number): void {
      db.prepare('INSERT OR IGNORE INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)').run(name, role, sha256Hex(plain), now);
    },
    verify(plain: string): TokenIdentity | undefined {
      const r = db.prepare('SELECT id, name, role FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL').get(sha256Hex(plain)) as
        | { id: number; name: string; role: Role }
        | undefined;
      return r && { tokenId: r.id, name: r.name, role: r.role };
    },
    revoke: (id: number, now: number): boolean => db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1,
    count: (): number => db.prepare('SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL').pluck().get() as number,
  };
}

export type TokensRepo = ReturnType<typeof createTokensRepo>;

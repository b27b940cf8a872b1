/**
 * The audit log (migration 0400): append-only. record() is a synchronous
 * insert, so callers put it in the same transaction as the change it records;
 * if the change rolls back, so does its entry. Secrets and password hashes
 * never go in: callers pass redacted shapes.
 */
import type { Db } from './db.js';

export interface AuditEntry {
  actor: string;
  action: string;
  objectType: string;
  objectId: string | number;
  /** The community the object belongs to, so entries can be filtered by it. */
  communityId?: string | null;
  before: unknown;
  after: unknown;
}

export interface StoredAuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  communityId: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditFilter {
  objectType?: string;
  objectId?: string;
  action?: string;
  actor?: string;
  communityId?: string;
  /** Inclusive lower and exclusive upper bound, unix ms. */
  from?: number;
  to?: number;
  beforeId?: number;
  limit: number;
}

type Row = { id: number; at: number; actor: string; action: string; object_type: string; object_id: string; community_id: string | null; before: string | null; after: string | null };

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (v: string | null): unknown => (v === null ? null : (JSON.parse(v) as unknown));

export function createAuditRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO audit_log (at, actor, action, object_type, object_id, community_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return {
    record(e: AuditEntry, at: number): number {
      return Number(insert.run(at, e.actor, e.action, e.objectType, String(e.objectId), e.communityId ?? null, json(e.before), json(e.after)).lastInsertRowid);
    },
    list(f: AuditFilter): StoredAuditEntry[] {
      const where: string[] = [];
      if (f.objectType) where.push('object_type = @objectType');
      if (f.objectId) where.push('object_id = @objectId');
      if (f.action) where.push('action = @action');
      if (f.actor) where.push('actor = @actor');
      if (f.communityId) where.push('community_id = @communityId');
      if (f.from !== undefined) where.push('at >= @from');
      if (f.to !== undefined) where.push('at < @to');
      if (f.beforeId !== undefined) where.push('id < @beforeId');
      const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT @limit`;
      return (db.prepare(sql).all({ ...f }) as Row[]).map((r) => ({
        id: r.id, at: r.at, actor: r.actor, action: r.action, objectType: r.object_type, objectId: r.object_id, communityId: r.community_id,
        before: parse(r.before), after: parse(r.after),
      }));
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;

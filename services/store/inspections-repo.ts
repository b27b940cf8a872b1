/** Persistence of inspections (migration 0300): drafts, signatures, frozen snapshots, overrides kept with reasons. */
import type { Db } from './db.js';
import { inList, type Visible } from './visible.js';

export type InspectionStatus = 'draft' | 'signed';

export interface StoredOverride {
  score: number;
  reason: string;
  by: string;
  at: number;
}

export interface InspectionRecord {
  id: number;
  communityId: string;
  communityName: string;
  propertyCompany: string;
  inspector: string;
  inspectorName: string;
  date: string;
  windowFrom: string;
  windowTo: string;
  manualScores: Record<string, number>;
  overrides: Record<string, StoredOverride>;
  notes: string;
  status: InspectionStatus;
  createdAt: number;
  updatedAt: number;
  signedAt: number | null;
  signedBy: string | null;
  /** The signer's name as printed on the form (null: signed before names were kept). */
  signedByName: string | null;
  /** JSON frozen at signing; the service owns its shape. */
  snapshot: unknown;
  total: number | null;
  passed: boolean | null;
  rectificationDeadline: string | null;
  reinspectionOf: number | null;
  /** The re-inspection that follows this one, if any. */
  reinspectionId: number | null;
}

/** What creating an inspection takes: its identity and window; the rest starts empty. */
export type NewInspection = Pick<
  InspectionRecord,
  'communityId' | 'communityName' | 'propertyCompany' | 'inspector' | 'inspectorName' | 'date' | 'windowFrom' | 'windowTo'
> & { reinspectionOf?: number | null };

export interface OverrideLogRow {
  itemId: string;
  score: number | null;
  reason: string;
  actor: string;
  at: number;
}

export interface Signature {
  signedAt: number;
  signedBy: string;
  signedByName: string;
  snapshot: unknown;
  total: number;
  passed: boolean;
  rectificationDeadline: string | null;
}

type Row = {
  id: number; community_id: string; community_name: string; property_company: string; inspector: string; inspector_name: string;
  inspection_date: string; window_from: string; window_to: string; manual_scores: string; overrides: string; notes: string;
  status: InspectionStatus; created_at: number; updated_at: number; signed_at: number | null; signed_by: string | null; signed_by_name: string | null;
  snapshot: string | null; total: number | null; passed: number | null; rectification_deadline: string | null;
  reinspection_of: number | null; reinspection_id: number | null;
};

const SELECT = `SELECT i.*, (SELECT r.id FROM inspections r WHERE r.reinspection_of = i.id) AS reinspection_id FROM inspections i`;

function fromRow(r: Row): InspectionRecord {
  return {
    id: r.id, communityId: r.community_id, communityName: r.community_name, propertyCompany: r.property_company,
    inspector: r.inspector, inspectorName: r.inspector_name, date: r.inspection_date, windowFrom: r.window_from, windowTo: r.window_to,
    manualScores: JSON.parse(r.manual_scores) as Record<string, number>,
    overrides: JSON.parse(r.overrides) as Record<string, StoredOverride>,
    notes: r.notes, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at, signedAt: r.signed_at, signedBy: r.signed_by, signedByName: r.signed_by_name,
    snapshot: r.snapshot === null ? null : (JSON.parse(r.snapshot) as unknown),
    total: r.total, passed: r.passed === null ? null : r.passed === 1, rectificationDeadline: r.rectification_deadline,
    reinspectionOf: r.reinspection_of, reinspectionId: r.reinspection_id,
  };
}

export interface InspectionFilter {
  communityId?: string;
  status?: InspectionStatus;
  limit: number;
  /** Only these communities (a caller's tenancy); null or absent = all. */
  visible?: Visible;
}

export function createInspectionsRepo(db: Db) {
  const byId = db.prepare(`${SELECT} WHERE i.id = ?`);
  const get = (id: number): InspectionRecord | undefined => {
    const r = byId.get(id) as Row | undefined;
    return r && fromRow(r);
  };
  const logOverride = db.prepare('INSERT INTO inspection_override_log (inspection_id, item_id, score, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)');

  return {
    get,
    create(n: NewInspection, now: number): InspectionRecord {
      const id = Number(
        db
          .prepare(
            `INSERT INTO inspections (community_id, community_name, property_company, inspector, inspector_name, inspection_date,
               window_from, window_to, reinspection_of, created_at, updated_at)
             VALUES (@communityId, @communityName, @propertyCompany, @inspector, @inspectorName, @date, @windowFrom, @windowTo, @reinspectionOf, @now, @now)`,
          )
          .run({ ...n, reinspectionOf: n.reinspectionOf ?? null, now }).lastInsertRowid,
      );
      return get(id)!;
    },
    /**
     * Saves the draft's scores; each override change is appended to the log in
     * the same transaction. Returns false when the inspection is no longer a draft.
     */
    saveDraft: db.transaction(
      (id: number, draft: Pick<InspectionRecord, 'manualScores' | 'overrides' | 'notes' | 'inspectorName'>, log: OverrideLogRow[], now: number): boolean => {
        const changed = db
          .prepare(
            `UPDATE inspections SET manual_scores = ?, overrides = ?, notes = ?, inspector_name = ?, updated_at = ? WHERE id = ? AND status = 'draft'`,
          )
          .run(JSON.stringify(draft.manualScores), JSON.stringify(draft.overrides), draft.notes, draft.inspectorName, now, id).changes;
        if (changed === 0) return false;
        for (const l of log) logOverride.run(id, l.itemId, l.score, l.reason, l.actor, l.at);
        return true;
      },
    ),
    /** Signs a draft; false when it was already signed (a concurrent signature). */
    sign(id: number, s: Signature): boolean {
      return (
        db
          .prepare(
            `UPDATE inspections SET status = 'signed', signed_at = ?, signed_by = ?, signed_by_name = ?, snapshot = ?, total = ?, passed = ?,
               rectification_deadline = ?, updated_at = ? WHERE id = ? AND status = 'draft'`,
          )
          .run(s.signedAt, s.signedBy, s.signedByName, JSON.stringify(s.snapshot), s.total, s.passed ? 1 : 0, s.rectificationDeadline, s.signedAt, id).changes === 1
      );
    },
    overrideLog(id: number): OverrideLogRow[] {
      return (
        db.prepare('SELECT item_id, score, reason, actor, at FROM inspection_override_log WHERE inspection_id = ? ORDER BY id').all(id) as {
          item_id: string; score: number | null; reason: string; actor: string; at: number;
        }[]
      ).map((r) => ({ itemId: r.item_id, score: r.score, reason: r.reason, actor: r.actor, at: r.at }));
    },
    list(f: InspectionFilter): InspectionRecord[] {
      const where: string[] = [];
      if (f.communityId) where.push('i.community_id = @communityId');
      if (f.status) where.push('i.status = @status');
      const visible = f.visible ?? null;
      where.push(inList('i.community_id', visible));
      const sql = `${SELECT} WHERE ${where.join(' AND ')} ORDER BY i.inspection_date DESC, i.id DESC LIMIT @limit`;
      return (db.prepare(sql).all(...(visible ?? []), { communityId: f.communityId, status: f.status, limit: f.limit }) as Row[]).map(fromRow);
    },
    /** The latest signed inspection and the newest draft of each community. */
    latestByCommunity(): { signed: Map<string, InspectionRecord>; drafts: Map<string, number> } {
      const signed = new Map<string, InspectionRecord>();
      const rows = db
        .prepare(
          `${SELECT} WHERE i.status = 'signed' AND i.id = (SELECT s.id FROM inspections s WHERE s.community_id = i.community_id AND s.status = 'signed'
             ORDER BY s.inspection_date DESC, s.signed_at DESC, s.id DESC LIMIT 1)`,
        )
        .all() as Row[];
      for (const r of rows) signed.set(r.community_id, fromRow(r));
      const drafts = new Map<string, number>();
      for (const d of db.prepare("SELECT community_id, MAX(id) AS id FROM inspections WHERE status = 'draft' GROUP BY community_id").all() as {
        community_id: string; id: number;
      }[]) {
        drafts.set(d.community_id, d.id);
      }
      return { signed, drafts };
    },
  };
}

export type InspectionsRepo = ReturnType<typeof createInspectionsRepo>;

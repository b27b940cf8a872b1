/** Which community (and property company) an addressed object belongs to: the queries behind api/tenancy.ts. */
import type { Db } from './db.js';

export type ObjectKind = 'community' | 'alarm' | 'device' | 'inspection';

export interface ScopeStore {
  /** The community and its company an object belongs to, if the object exists. */
  owner(kind: ObjectKind, id: string): { communityId: string; company: string } | undefined;
  communitiesOf(company: string): string[];
}

export function createScopeStore(db: Db): ScopeStore {
  const sql: Record<ObjectKind, string> = {
    community: 'SELECT id AS community_id, property_company FROM communities WHERE id = ?',
    alarm: 'SELECT c.id AS community_id, c.property_company FROM alarms a JOIN communities c ON c.id = a.community_id WHERE a.id = ?',
    device: 'SELECT c.id AS community_id, c.property_company FROM devices d JOIN communities c ON c.id = d.community_id WHERE d.id = ?',
    inspection: 'SELECT c.id AS community_id, c.property_company FROM inspections i JOIN communities c ON c.id = i.community_id WHERE i.id = ?',
  };
  const statements = Object.fromEntries(Object.entries(sql).map(([k, s]) => [k, db.prepare(s)])) as Record<ObjectKind, ReturnType<Db['prepare']>>;
  const byCompany = db.prepare('SELECT id FROM communities WHERE property_company = ? ORDER BY id').pluck();
  return {
    owner(kind, id) {
      const r = statements[kind].get(id) as { community_id: string; property_company: string } | undefined;
      return r && { communityId: r.community_id, company: r.property_company };
    },
    communitiesOf: (company) => byCompany.all(company) as string[],
  };
}

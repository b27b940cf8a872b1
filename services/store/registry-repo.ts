/** The registry: communities, gates, areas, devices (with hashed secrets) and staff. */
import type { Db } from './db.js';
import { sha256Hex } from '../crypto/secrets.js';
import { inList, type Visible } from './visible.js';

export interface Community { id: string; name: string; propertyCompany: string; timeZone: string }
export interface Gate { communityId: string; id: string; name: string }
export interface Area { communityId: string; id: string; name: string; kind: string }
/** A staff member; gate, shift and duties only when registered (migration 0030). */
export interface Staff {
  communityId: string;
  ref: string;
  role: string;
  active: boolean;
  gate?: string;
  shift?: { start: string; end: string };
  duties?: string[];
}

type StaffRow = {
  community_id: string; ref: string; role: string; active: number;
  gate_id: string | null; shift_start: string | null; shift_end: string | null; duties: string | null;
};
const toStaff = (r: StaffRow): Staff => ({
  communityId: r.community_id,
  ref: r.ref,
  role: r.role,
  active: r.active === 1,
  ...(r.gate_id !== null && { gate: r.gate_id }),
  ...(r.shift_start !== null && r.shift_end !== null && { shift: { start: r.shift_start, end: r.shift_end } }),
  ...(r.duties !== null && { duties: JSON.parse(r.duties) as string[] }),
});
export interface Device { id: string; communityId: string; kind: string; location: string; enabled: boolean; createdAt: number }
export interface DeviceWithSecret extends Device { secretHash: string }

type DeviceRow = { id: string; community_id: string; kind: string; location: string; enabled: number; created_at: number; secret_hash: string };
const toDevice = (r: DeviceRow): DeviceWithSecret => ({
  id: r.id, communityId: r.community_id, kind: r.kind, location: r.location, enabled: r.enabled === 1, createdAt: r.created_at, secretHash: r.secret_hash,
});

/**
 * What the audit log keeps of a device. Never the secret or its hash: a
 * fingerprint of the hash shows that a rotation changed it, and nothing more.
 */
export function deviceAuditShape(d: DeviceWithSecret) {
  return { id: d.id, communityId: d.communityId, kind: d.kind, location: d.location, enabled: d.enabled, secretFingerprint: sha256Hex(d.secretHash).slice(0, 12) };
}

export function createRegistryRepo(db: Db) {
  return {
    upsertCommunity(c: Community): void {
      db.prepare(
        `INSERT INTO communities (id, name, property_company, time_zone) VALUES (@id, @name, @propertyCompany, @timeZone)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, property_company = excluded.property_company, time_zone = excluded.time_zone`,
      ).run(c);
    },
    getCommunity(id: string): Community | undefined {
      const r = db.prepare('SELECT id, name, property_company, time_zone FROM communities WHERE id = ?').get(id) as
        | { id: string; name: string; property_company: string; time_zone: string }
        | undefined;
      return r && { id: r.id, name: r.name, propertyCompany: r.property_company, timeZone: r.time_zone };
    },
    /** Every community, or only those in `visible` (a caller's tenancy; null = all). */
    listCommunities(visible: Visible = null): Community[] {
      const rows = db.prepare(`SELECT id, name, property_company, time_zone FROM communities WHERE ${inList('id', visible)} ORDER BY id`).all(...(visible ?? [])) as {
        id: string; name: string; property_company: string; time_zone: string;
      }[];
      return rows.map((r) => ({ id: r.id, name: r.name, propertyCompany: r.property_company, timeZone: r.time_zone }));
    },
    /** A community with its gates, areas and staff, in one transaction (none removed). */
    saveCommunity(c: Community & { gates: Omit<Gate, 'communityId'>[]; areas: Omit<Area, 'communityId'>[]; staff: Omit<Staff, 'communityId'>[] }): void {
      db.transaction(() => {
        this.upsertCommunity({ id: c.id, name: c.name, propertyCompany: c.propertyCompany, timeZone: c.timeZone });
        for (const g of c.gates) this.upsertGate({ communityId: c.id, ...g });
        for (const a of c.areas) this.upsertArea({ communityId: c.id, ...a });
        for (const s of c.staff) this.upsertStaff({ communityId: c.id, ...s });
      })();
    },
    upsertGate(g: Gate): void {
      db.prepare('INSERT INTO gates (community_id, id, name) VALUES (@communityId, @id, @name) ON CONFLICT DO UPDATE SET name = excluded.name').run(g);
    },
    upsertArea(a: Area): void {
      db.prepare('INSERT INTO areas (community_id, id, name, kind) VALUES (@communityId, @id, @name, @kind) ON CONFLICT DO UPDATE SET name = excluded.name, kind = excluded.kind').run(a);
    },
    /** Replaces the whole entry: an assignment left out is cleared (StaffSpec). */
    upsertStaff(s: Staff): void {
      db.prepare(
        `INSERT INTO staff (community_id, ref, role, active, gate_id, shift_start, shift_end, duties)
         VALUES (@communityId, @ref, @role, @active, @gate, @shiftStart, @shiftEnd, @duties)
         ON CONFLICT DO UPDATE SET role = excluded.role, active = excluded.active, gate_id = excluded.gate_id,
           shift_start = excluded.shift_start, shift_end = excluded.shift_end, duties = excluded.duties`,
      ).run({
        communityId: s.communityId,
        ref: s.ref,
        role: s.role,
        active: s.active ? 1 : 0,
        gate: s.gate ?? null,
        shiftStart: s.shift?.start ?? null,
        shiftEnd: s.shift?.end ?? null,
        duties: s.duties ? JSON.stringify(s.duties) : null,
      });
    },
    gates: (communityId: string): Gate[] =>
      (db.prepare('SELECT community_id, id, name FROM gates WHERE community_id = ? ORDER BY id').all(communityId) as { community_id: string; id: string; name: string }[]).map((r) => ({
        communityId: r.community_id, id: r.id, name: r.name,
      })),
    areas: (communityId: string): Area[] =>
      (db.prepare('SELECT community_id, id, name, kind FROM areas WHERE community_id = ? ORDER BY id').all(communityId) as { community_id: string; id: string; name: string; kind: string }[]).map(
        (r) => ({ communityId: r.community_id, id: r.id, name: r.name, kind: r.kind }),
      ),
    staff: (communityId: string): Staff[] =>
      (
        db
          .prepare('SELECT community_id, ref, role, active, gate_id, shift_start, shift_end, duties FROM staff WHERE community_id = ? ORDER BY ref')
          .all(communityId) as StaffRow[]
      ).map(toStaff),
    upsertDevice(d: Omit<Device, 'createdAt' | 'enabled'> & { enabled?: boolean; secretHash: string }, now: number): void {
      db.prepare(
        `INSERT INTO devices (id, community_id, kind, location, secret_hash, enabled, created_at) VALUES (@id, @communityId, @kind, @location, @secretHash, @enabled, @now)
         ON CONFLICT (id) DO UPDATE SET community_id = excluded.community_id, kind = excluded.kind, location = excluded.location,
           secret_hash = excluded.secret_hash, enabled = excluded.enabled`,
      ).run({ ...d, enabled: d.enabled === false ? 0 : 1, now });
    },
    /** Adds a device; false (nothing written) when the id exists already. */
    insertDevice(d: Omit<Device, 'createdAt' | 'enabled'> & { secretHash: string }, now: number): boolean {
      return (
        db
          .prepare(
            `INSERT INTO devices (id, community_id, kind, location, secret_hash, enabled, created_at) VALUES (@id, @communityId, @kind, @location, @secretHash, 1, @now)
             ON CONFLICT (id) DO NOTHING`,
          )
          .run({ ...d, now }).changes === 1
      );
    },
    setDeviceSecret(id: string, secretHash: string): boolean {
      return db.prepare('UPDATE devices SET secret_hash = ? WHERE id = ?').run(secretHash, id).changes === 1;
    },
    setDeviceEnabled(id: string, enabled: boolean): boolean {
      return db.prepare('UPDATE devices SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id).changes === 1;
    },
    getDevice(id: string): DeviceWithSecret | undefined {
      const r = db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
      return r && toDevice(r);
    },
    /** Devices of one community or all, only in `visible` communities (a caller's tenancy; null = all). */
    devices(communityId?: string, visible: Visible = null): Device[] {
      const rows = (communityId
        ? db.prepare(`SELECT * FROM devices WHERE community_id = ? AND ${inList('community_id', visible)} ORDER BY id`).all(communityId, ...(visible ?? []))
        : db.prepare(`SELECT * FROM devices WHERE ${inList('community_id', visible)} ORDER BY id`).all(...(visible ?? []))) as DeviceRow[];
      return rows.map((r) => {
        const { secretHash: _secret, ...device } = toDevice(r);
        return device;
      });
    },
  };
}

export type RegistryRepo = ReturnType<typeof createRegistryRepo>;

/**
 * Which property company each community belongs to, for routing points to a
 * company's InfluxDB database (influx/tenants.ts), and the community names the
 * sink writes for the dashboards' picker (influx/community-names.ts): two cheap
 * statements, no more of the registry than that.
 */
export function createCompanyDirectory(db: Db) {
  const all = db.prepare('SELECT id, name, property_company FROM communities');
  const one = db.prepare('SELECT property_company FROM communities WHERE id = ?').pluck();
  return {
    *all(): Generator<{ id: string; name: string; propertyCompany: string | null }> {
      for (const row of all.iterate() as Iterable<{ id: string; name: string; property_company: string | null }>) yield { id: row.id, name: row.name, propertyCompany: row.property_company };
    },
    companyOf: (id: string): string | null | undefined => one.get(id) as string | null | undefined,
  };
}

/**
 * The device whose client-id namespace `clientId` is in, if any: `<device id>`
 * and every `<device id>-<suffix>`, the longest registered device id winning
 * where ids nest (services/broker/client-ids.ts says why).
 */
export function clientIdOwner(registry: Pick<RegistryRepo, 'getDevice'>, clientId: string): string | undefined {
  for (let end = clientId.length; end > 0; end = clientId.lastIndexOf('-', end - 1)) {
    const candidate = clientId.slice(0, end);
    if (registry.getDevice(candidate)) return candidate;
  }
  return undefined;
}

/** The device that owns `clientId` when that is not `deviceId` (for a service, no device id: any owner), else undefined. */
export function clientIdTakenBy(registry: Pick<RegistryRepo, 'getDevice'>, clientId: string, deviceId?: string): string | undefined {
  const owner = clientIdOwner(registry, clientId);
  return owner !== undefined && owner !== deviceId ? owner : undefined;
}

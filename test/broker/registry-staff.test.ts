/**
 * Registry staff assignments (issue 15.4): gate, shift and duties go in
 * through PUT /api/v1/communities/:id and the registry file, are stored
 * (migration 0030), come back from GET and the audit log, and an upsert
 * replaces the whole entry. Bad values are 400 with the field named; a gate
 * the community does not have is 400 STAFF_GATE_UNKNOWN. Rows from before
 * the migration read as they always did.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../services/store/db.js';
import { loadRegistryFile } from '../../services/store/registry-loader.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import { startTestService, type TestService } from '../support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

const URL = '/api/v1/communities/hc-200';
const base = { name: '和平里小区', propertyCompany: '城建物业', gates: [{ id: 'east', name: '东门' }, { id: 'west', name: '西门' }] };
const night = { ref: 's-guard-01', role: 'gate_attendant', active: true, gate: 'east', shift: { start: '20:00', end: '08:00' }, duties: ['gate_duty', 'temperature_check'] };
const cleaner = { ref: 's-clean-03', role: 'cleaner', active: true, duties: ['disinfection', 'touch_points', 'garbage'] };
const manager = { ref: 's-mgr-01', role: 'manager', active: true };

describe('registry staff: gate, shift, duties', () => {
  it('round-trips through PUT, GET and the community list, exactly as sent', async () => {
    const put = await svc.api('PUT', URL, { body: { ...base, staff: [night, cleaner, { ref: manager.ref, role: manager.role }] } });
    expect(put.status).toBe(200);
    expect(put.json.staff).toEqual([cleaner, night, manager]);
    const got = await svc.api('GET', URL, { token: svc.tokens.inspector });
    expect(got.json.staff).toEqual([cleaner, night, manager]);
    const listed = (await svc.api('GET', '/api/v1/communities', { token: svc.tokens.inspector })).json.items.find((c: { id: string }) => c.id === 'hc-200');
    expect(listed.staff).toEqual([cleaner, night, manager]);
  });

  it('an upsert replaces the entry: what is left out is cleared; a gate stored before is a known gate', async () => {
    // No gates in this body: "west" was stored by the first PUT.
    const moved = { ref: 's-guard-01', role: 'gate_attendant', gate: 'west' };
    const put = await svc.api('PUT', URL, { body: { name: base.name, propertyCompany: base.propertyCompany, staff: [moved] } });
    expect(put.status).toBe(200);
    expect(put.json.staff).toEqual([cleaner, { ...moved, active: true }, manager]);
    const audit = (await svc.api('GET', '/api/v1/audit?communityId=hc-200&action=community.save', { token: svc.tokens.inspector })).json.items;
    expect(audit).toHaveLength(2);
    // Newest first: the second save, with the staff entry before and after.
    expect(audit[0].before.staff.find((s: { ref: string }) => s.ref === 's-guard-01')).toEqual(night);
    expect(audit[0].after.staff.find((s: { ref: string }) => s.ref === 's-guard-01')).toEqual({ ...moved, active: true });
  });

  it.each([
    ['a shift hour past 23', { shift: { start: '25:00', end: '08:00' } }, ['body.staff.0.shift.start']],
    ['a shift that starts when it ends', { shift: { start: '08:00', end: '08:00' } }, ['body.staff.0.shift.end']],
    ['an unknown duty', { duties: ['gate_duty', 'singing'] }, ['body.staff.0.duties.1']],
    ['a repeated duty', { duties: ['garbage', 'garbage'] }, ['body.staff.0.duties']],
    ['a gate that is no id', { gate: 'East Gate' }, ['body.staff.0.gate']],
    ['an unknown field in the shift', { shift: { start: '08:00', end: '20:00', break: '12:00' } }, ['body.staff.0.shift']],
  ])('400 for %s, the field named, nothing stored', async (_what, extra, paths) => {
    const res = await svc.api('PUT', URL, { body: { ...base, staff: [{ ref: 's-guard-01', role: 'gate_attendant', ...extra }] } });
    expect(res.status).toBe(400);
    expect(res.json.fields.map((f: { path: string }) => f.path)).toEqual(paths);
    expect((await svc.api('GET', URL)).json.staff.find((s: { ref: string }) => s.ref === 's-guard-01')).toEqual({ ref: 's-guard-01', role: 'gate_attendant', active: true, gate: 'west' });
  });

  it('400 STAFF_GATE_UNKNOWN for a gate the community does not have, nothing stored', async () => {
    const res = await svc.api('PUT', URL, { body: { ...base, staff: [{ ...night, gate: 'north' }, { ...cleaner, active: false }] } });
    expect(res.json).toEqual({ statusCode: 400, code: 'STAFF_GATE_UNKNOWN', message: 'staff posted at a gate the community does not have: s-guard-01 (gate north)' });
    expect((await svc.api('GET', URL)).json.staff.find((s: { ref: string }) => s.ref === 's-clean-03')).toEqual(cleaner);
  });
});

describe('staff assignments in the store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatewatch-staff-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rows written before migration 0030 read as before, then take assignments', () => {
    const db = new Database(join(dir, 'old.db'));
    migrate(db, loadMigrations().filter((m) => m.version < 30));
    db.prepare("INSERT INTO communities (id, name, property_company, time_zone) VALUES ('hc-1', 'x', 'y', 'Asia/Shanghai')").run();
    db.prepare("INSERT INTO gates (community_id, id, name) VALUES ('hc-1', 'g1', 'south')").run();
    db.prepare("INSERT INTO staff (community_id, ref, role, active) VALUES ('hc-1', 's-guard-01', 'gate_attendant', 1)").run();
    expect(migrate(db)).toContain(30);
    const registry = createRegistryRepo(db);
    expect(registry.staff('hc-1')).toEqual([{ communityId: 'hc-1', ref: 's-guard-01', role: 'gate_attendant', active: true }]);
    registry.upsertStaff({ communityId: 'hc-1', ref: 's-guard-01', role: 'gate_attendant', active: true, gate: 'g1', shift: { start: '08:00', end: '20:00' }, duties: ['gate_duty'] });
    expect(registry.staff('hc-1')).toEqual([
      { communityId: 'hc-1', ref: 's-guard-01', role: 'gate_attendant', active: true, gate: 'g1', shift: { start: '08:00', end: '20:00' }, duties: ['gate_duty'] },
    ]);
    db.close();
  });

  it('the registry file (npm run admin -- load-registry) stores assignments and refuses an unknown gate', async () => {
    const db = new Database(join(dir, 'file.db'));
    migrate(db);
    const registry = createRegistryRepo(db);
    const community = { id: 'hc-2', name: 'x', propertyCompany: 'y', gates: [{ id: 'g1', name: 'south' }], staff: [{ ref: 's-guard-02', role: 'gate_attendant', gate: 'g1', duties: ['gate_duty'] }] };
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ communities: [community] }));
    await loadRegistryFile(good, db, registry, Date.now());
    expect(registry.staff('hc-2')).toEqual([{ communityId: 'hc-2', ref: 's-guard-02', role: 'gate_attendant', active: true, gate: 'g1', duties: ['gate_duty'] }]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ communities: [{ ...community, id: 'hc-3', staff: [{ ...community.staff[0], gate: 'g7' }] }] }));
    await expect(loadRegistryFile(bad, db, registry, Date.now())).rejects.toThrow('community hc-3: staff posted at a gate the community does not have: s-guard-02 (gate g7)');
    expect(registry.getCommunity('hc-3')).toBeUndefined();
    db.close();
  });
});

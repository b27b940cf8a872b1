/**
 * The audit log: a set of changes through the API (registry, secret rotation,
 * enable/disable, accounts, tokens, alarm acknowledgement and resolution,
 * inspection creation, manual scores, overrides, signature, re-inspection)
 * each appear once, in order, with who, the object before and after; no
 * secret or hash is in it; inspectors and admins read it, operators may not;
 * nothing edits or deletes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlarmsRepo } from '../../services/store/alarms-repo.js';
import { startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { DAY, goodDay, insertFacts } from '../checklist/fixtures.js';
import { PASSWORD } from './support.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
  insertFacts(svc.runtime.db, DAY, goodDay(DAY), Date.now());
});
afterAll(async () => svc?.stop());

const ADMIN = 'admin:test-admin (token #1)';
const OPERATOR = 'operator:test-operator (token #2)';
const INSPECTOR = 'inspector:test-inspector (token #3)';
const ok = async (p: Promise<{ status: number; json: any }>, status = 200) => {
  const res = await p;
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  return res.json;
};

describe('audit log', () => {
  it('records every change made through the API with its before and after, in the same order', async () => {
    const startId = (svc.runtime.db.prepare('SELECT COALESCE(MAX(id), 0) FROM audit_log').pluck().get() as number) + 1;
    const community = { name: '和平里', propertyCompany: '城建物业', gates: [{ id: 'east', name: '东门' }] };
    await ok(svc.api('PUT', '/api/v1/communities/hc-300', { body: community }));
    await ok(svc.api('PUT', '/api/v1/communities/hc-300', { body: { ...community, name: '和平里小区' } }));
    const device = await ok(svc.api('POST', '/api/v1/communities/hc-300/devices', { body: { id: 'therm-east', kind: 'thermometer', location: 'east' } }), 201);
    await ok(svc.api('POST', '/api/v1/devices/therm-east/rotate-secret'));
    await ok(svc.api('PATCH', '/api/v1/devices/therm-east', { body: { enabled: false } }));
    const account = await ok(svc.api('POST', '/api/v1/accounts', { body: { username: 'zhao', displayName: '赵', role: 'operator', company: '城建物业', password: PASSWORD } }), 201);
    await ok(svc.api('PATCH', `/api/v1/accounts/${account.id}`, { body: { enabled: false } }));
    const token = await ok(svc.api('POST', '/api/v1/tokens', { body: { name: 'gateway-7', role: 'operator', company: '城建物业' } }), 201);
    await ok(svc.api('DELETE', `/api/v1/tokens/${token.id}`));
    const { alarm } = createAlarmsRepo(svc.runtime.db).raise(
      { communityId: TEST_COMMUNITY, rule: 'fever', subject: 'person:p-audit', severity: 'critical', title: 'fever 38.2', details: {}, eventTime: Date.now(), readingIds: [] }, Date.now(),
    );
    await ok(svc.api('POST', `/api/v1/alarms/${alarm.id}/acknowledge`, { token: svc.tokens.operator, body: { note: '已送发热门诊' } }));
    await ok(svc.api('POST', `/api/v1/alarms/${alarm.id}/resolve`, { token: svc.tokens.operator, body: { note: '核酸阴性' } }));
    const inspector = { token: svc.tokens.inspector };
    const draft = await ok(svc.api('POST', '/api/v1/inspections', { ...inspector, body: { communityId: TEST_COMMUNITY, date: DAY } }), 201);
    const zero = { '1.1': 0, '1.2': 0, '1.3': 0, '2.2': 0, '5.1': 0, '5.2': 0, '6.2': 0, '7.1': 0, '8.1': 0, '8.2': 0, '1.4': 1, '2.1': 0, '3.3': 0, '4.2': 0, '7.3': 0 };
    await ok(svc.api('PUT', `/api/v1/inspections/${draft.id}`, { ...inspector, body: { manualScores: zero } }));
    await ok(svc.api('PUT', `/api/v1/inspections/${draft.id}`, { ...inspector, body: { overrides: { '4.3': { score: 5, reason: '纸质台账显示两次' } } } }));
    const signed = await ok(svc.api('POST', `/api/v1/inspections/${draft.id}/sign`, inspector));
    expect(signed).toMatchObject({ total: 30, passed: false });
    const re = await ok(svc.api('POST', `/api/v1/inspections/${draft.id}/reinspection`, { ...inspector, body: { date: '2021-02-10' } }), 201);
    // Refused attempts change nothing and leave nothing.
    expect((await svc.api('POST', `/api/v1/alarms/${alarm.id}/resolve`, { token: svc.tokens.operator, body: {} })).status).toBe(409);
    expect((await svc.api('POST', `/api/v1/inspections/${draft.id}/sign`, inspector)).status).toBe(409);

    const items = (await ok(svc.api('GET', '/api/v1/audit?limit=1000', inspector))).items.filter((e: { id: number }) => e.id >= startId).reverse();
    expect(items.map((e: any) => [e.action, e.objectType, e.objectId, e.actor])).toEqual([
      ['community.save', 'community', 'hc-300', ADMIN],
      ['community.save', 'community', 'hc-300', ADMIN],
      ['device.add', 'device', 'therm-east', ADMIN],
      ['device.rotate_secret', 'device', 'therm-east', ADMIN],
      ['device.disable', 'device', 'therm-east', ADMIN],
      ['account.create', 'account', String(account.id), ADMIN],
      ['account.disable', 'account', String(account.id), ADMIN],
      ['token.create', 'token', String(token.id), ADMIN],
      ['token.revoke', 'token', String(token.id), ADMIN],
      ['alarm.acknowledge', 'alarm', String(alarm.id), OPERATOR],
      ['alarm.resolve', 'alarm', String(alarm.id), OPERATOR],
      ['inspection.create', 'inspection', String(draft.id), INSPECTOR],
      ['inspection.update', 'inspection', String(draft.id), INSPECTOR],
      ['inspection.update', 'inspection', String(draft.id), INSPECTOR],
      ['inspection.sign', 'inspection', String(draft.id), INSPECTOR],
      ['inspection.reinspection', 'inspection', String(re.id), INSPECTOR],
    ]);
    const [created, renamed, added, rotated, disabled, acct, acctOff, tok, tokOff, ack, resolved, insp, scores, override, sign, reinsp] = items;
    expect([created.before, created.after]).toEqual([
      null,
      { id: 'hc-300', name: '和平里', propertyCompany: '城建物业', timeZone: 'Asia/Shanghai', gates: [{ id: 'east', name: '东门' }], areas: [], staff: [] },
    ]);
    expect([renamed.before.name, renamed.after.name, renamed.communityId]).toEqual(['和平里', '和平里小区', 'hc-300']);
    expect(added).toMatchObject({ before: null, after: { id: 'therm-east', communityId: 'hc-300', kind: 'thermometer', location: 'east', enabled: true } });
    expect(rotated.before.secretFingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(rotated.after.secretFingerprint).not.toBe(rotated.before.secretFingerprint);
    expect({ ...rotated.after, secretFingerprint: 'x' }).toEqual({ ...rotated.before, secretFingerprint: 'x' });
    expect([disabled.before.enabled, disabled.after.enabled]).toEqual([true, false]);
    expect(acct).toMatchObject({ before: null, after: { username: 'zhao', displayName: '赵', role: 'operator', company: '城建物业', enabled: true } });
    expect([acctOff.before.enabled, acctOff.after.enabled]).toEqual([true, false]);
    expect(tok).toMatchObject({ before: null, after: { name: 'gateway-7', role: 'operator', company: '城建物业', createdBy: ADMIN, revokedAt: null } });
    expect([tokOff.before.revokedAt, typeof tokOff.after.revokedAt]).toEqual([null, 'number']);
    expect([ack.before.status, ack.after.status, ack.after.acknowledgedBy, ack.after.acknowledgeNote, ack.communityId]).toEqual(['open', 'acknowledged', 'operator:test-operator', '已送发热门诊', TEST_COMMUNITY]);
    expect([resolved.before.status, resolved.after.status, resolved.after.resolveNote]).toEqual(['acknowledged', 'resolved', '核酸阴性']);
    expect(insp).toMatchObject({ before: null, after: { communityId: TEST_COMMUNITY, status: 'draft', manualScores: {}, overrides: {} } });
    expect([scores.before.manualScores, scores.after.manualScores]).toEqual([{}, zero]);
    expect(override.before.overrides).toEqual({});
    expect(override.after.overrides).toEqual({ '4.3': { score: 5, reason: '纸质台账显示两次', by: 'inspector:test-inspector', at: expect.any(Number) } });
    expect([sign.before.status, sign.after.status, sign.after.total, sign.after.passed, sign.after.rectificationDeadline, sign.after.signedBy]).toEqual([
      'draft', 'signed', 30, false, '2021-02-18', 'inspector:test-inspector',
    ]);
    expect(reinsp).toMatchObject({ before: null, after: { reinspectionOf: draft.id, date: '2021-02-10', status: 'draft' } });

    // No secret, token or hash went in.
    const all = JSON.stringify(svc.runtime.db.prepare('SELECT before, after FROM audit_log').all());
    for (const secret of [device.secret, token.token, 'scrypt$', PASSWORD]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/password_?hash|secretHash|token_hash/i);
  });

  it('filters, is readable by inspectors and admins only, and cannot be changed', async () => {
    const byObject = await ok(svc.api('GET', '/api/v1/audit?objectType=device&objectId=therm-east', { token: svc.tokens.admin }));
    expect(byObject.items.map((e: { action: string }) => e.action)).toEqual(['device.disable', 'device.rotate_secret', 'device.add']);
    const byCommunity = await ok(svc.api('GET', `/api/v1/audit?communityId=hc-300&action=community.save`, { token: svc.tokens.inspector }));
    expect(byCommunity.items).toHaveLength(2);
    expect((await svc.api('GET', '/api/v1/audit', { token: svc.tokens.operator })).status).toBe(403);
    expect((await svc.api('GET', '/api/v1/audit', { token: null })).status).toBe(401);
    // Only GET exists under /api/v1/audit, and the database refuses edits too.
    expect(svc.runtime.http.routeTable.filter((r) => r.url.startsWith('/api/v1/audit')).map((r) => r.method)).toEqual(['GET']);
    expect((await svc.api('DELETE', '/api/v1/audit')).status).toBe(404);
    expect(() => svc.runtime.db.prepare("UPDATE audit_log SET actor = 'someone else'").run()).toThrow('the audit log is append-only');
    expect(() => svc.runtime.db.prepare('DELETE FROM audit_log').run()).toThrow('the audit log is append-only');
  });
});

describe('audit log: what the pipeline resolves by itself', () => {
  /** Publishes a door state and waits until the pipeline has handled it (the alarm's status is `until`). */
  async function door(seq: number, state: 'open' | 'closed', until: (alarms: any[]) => boolean): Promise<any[]> {
    const client = await svc.connect('door-club');
    try {
      await client.publishAsync('gatewatch/v1/hc-001/door-club/door', JSON.stringify({ seq, ts: new Date().toISOString(), roomId: 'club', state }), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      const alarms = (await ok(svc.api('GET', '/api/v1/alarms?rule=venues-closed&limit=100'))).items;
      if (until(alarms)) return alarms;
      if (Date.now() > deadline) throw new Error(`door ${state} (seq ${seq}) not handled: ${JSON.stringify(alarms)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('records an alarm resolved as system with its before and after, in the order it happened, once', async () => {
    const startId = (svc.runtime.db.prepare('SELECT COALESCE(MAX(id), 0) FROM audit_log').pluck().get() as number) + 1;
    // 1. The activity room opens and closes: its alarm is open, then resolved by the system.
    const [first] = await door(101, 'open', (a) => a.length === 1);
    const [firstResolved] = await door(102, 'closed', (a) => a[0]?.status === 'resolved');
    // 2. It opens again, an operator acknowledges, it closes: acknowledged, then resolved by the system.
    await door(103, 'open', (a) => a.length === 2);
    const second = (await ok(svc.api('GET', '/api/v1/alarms?rule=venues-closed&status=open'))).items[0];
    const acknowledged = await ok(svc.api('POST', `/api/v1/alarms/${second.id}/acknowledge`, { token: svc.tokens.operator, body: { note: '已上锁' } }));
    const [secondResolved] = await door(104, 'closed', (a) => a.every((x) => x.status === 'resolved'));
    // A close with no alarm open resolves nothing and records nothing.
    await door(105, 'closed', () => true);
    await new Promise((r) => setTimeout(r, 200));

    const items = (await ok(svc.api('GET', '/api/v1/audit?limit=1000'))).items.filter((e: { id: number }) => e.id >= startId).reverse();
    expect(items.map((e: any) => [e.action, e.objectType, e.objectId, e.actor, e.communityId])).toEqual([
      ['alarm.resolve', 'alarm', String(first.id), 'system', TEST_COMMUNITY],
      ['alarm.acknowledge', 'alarm', String(second.id), OPERATOR, TEST_COMMUNITY],
      ['alarm.resolve', 'alarm', String(second.id), 'system', TEST_COMMUNITY],
    ]);
    const [sys1, , sys2] = items;
    // Before: the alarm exactly as the API showed it just before; after: as it shows it now.
    expect(sys1.before).toEqual(first);
    expect(sys1.after).toEqual(firstResolved);
    expect([sys1.after.status, sys1.after.resolvedBy, sys1.after.resolveNote]).toEqual(['resolved', 'system', 'condition ended']);
    expect(sys2.before).toEqual(acknowledged);
    expect(sys2.after).toEqual(secondResolved);
    expect([sys2.before.status, sys2.after.status, sys2.after.acknowledgeNote]).toEqual(['acknowledged', 'resolved', '已上锁']);
    expect(Date.parse(sys2.at)).toBe(Date.parse(secondResolved.resolvedAt));
    // Found by actor and by object, like any entry.
    expect((await ok(svc.api('GET', `/api/v1/audit?actor=system&objectType=alarm&objectId=${second.id}`))).items.map((e: any) => e.id)).toEqual([sys2.id]);
  });
});

/**
 * The registry admin API, the contract the device simulator is written
 * against: communities, devices with a secret shown once, rotation, disabling,
 * and the device list with presence. The secret it hands out works for MQTT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { inject, reading } from './helpers.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

const community = {
  name: '和平里小区',
  propertyCompany: '城建物业',
  gates: [{ id: 'east', name: '东门' }],
  areas: [{ id: 'b1-lobby', name: '1号楼大堂', kind: 'lobby' }],
  staff: [{ ref: 's-guard-07', role: 'gate_attendant' }],
};

const connect = (username: string, password: string) =>
  mqtt.connectAsync(svc.mqttUrl, { username, password, clientId: `${username}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0 });

describe('registry API', () => {
  it('upserts a community idempotently and reads it back', async () => {
    const put = await inject(svc, 'PUT', '/api/v1/communities/hc-100', community);
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      id: 'hc-100', name: '和平里小区', propertyCompany: '城建物业', timeZone: 'Asia/Shanghai',
      gates: [{ id: 'east', name: '东门' }], areas: [{ id: 'b1-lobby', name: '1号楼大堂', kind: 'lobby' }],
      staff: [{ ref: 's-guard-07', role: 'gate_attendant', active: true }], devices: [],
    });
    const again = await inject(svc, 'PUT', '/api/v1/communities/hc-100', { ...community, gates: [{ id: 'west', name: '西门' }], staff: [{ ref: 's-guard-07', role: 'gate_attendant', active: false }] });
    expect(again.status).toBe(200);
    expect(again.json.gates).toEqual([{ id: 'east', name: '东门' }, { id: 'west', name: '西门' }]);
    expect(again.json.staff).toEqual([{ ref: 's-guard-07', role: 'gate_attendant', active: false }]);
    expect((await inject(svc, 'GET', '/api/v1/communities/hc-100', undefined, svc.tokens.inspector)).json).toEqual(again.json);
    const list = await inject(svc, 'GET', '/api/v1/communities', undefined, svc.tokens.inspector);
    expect(list.json.items.map((c: { id: string }) => c.id)).toEqual(['hc-001', 'hc-002', 'hc-100']);
    // An operator sees its own company's communities only (安居物业: hc-001).
    const own = await inject(svc, 'GET', '/api/v1/communities', undefined, svc.tokens.operator);
    expect(own.json.items.map((c: { id: string }) => c.id)).toEqual(['hc-001']);
  });

  it('answers 401 without a token, 403 to non-admins writing, 404 for unknown ones, 400 for bad bodies', async () => {
    expect((await inject(svc, 'GET', '/api/v1/communities', undefined, null)).status).toBe(401);
    expect((await inject(svc, 'GET', '/api/v1/devices', undefined, null)).status).toBe(401);
    expect((await inject(svc, 'PUT', '/api/v1/communities/hc-101', community, svc.tokens.operator)).status).toBe(403);
    expect((await inject(svc, 'POST', '/api/v1/communities/hc-100/devices', { id: 'x-1', kind: 'sprayer', location: 'b1-lobby' }, svc.tokens.inspector)).status).toBe(403);
    expect((await inject(svc, 'POST', '/api/v1/devices/therm-g1/rotate-secret', undefined, svc.tokens.operator)).status).toBe(403);
    expect((await inject(svc, 'PATCH', '/api/v1/devices/therm-g1', { enabled: false }, svc.tokens.operator)).status).toBe(403);
    expect((await inject(svc, 'GET', '/api/v1/communities/nowhere')).json).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'community not found' });
    expect((await inject(svc, 'POST', '/api/v1/communities/nowhere/devices', { id: 'x-2', kind: 'sprayer', location: '' })).status).toBe(404);
    expect((await inject(svc, 'POST', '/api/v1/devices/nothing/rotate-secret')).status).toBe(404);
    expect((await inject(svc, 'PATCH', '/api/v1/devices/nothing', { enabled: true })).status).toBe(404);
    const bad = await inject(svc, 'PUT', '/api/v1/communities/hc-102', { ...community, timeZone: 'Mars/Olympus', areas: [{ id: 'a', name: 'x', kind: 'roof' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.fields.map((f: { path: string }) => f.path).sort()).toEqual(['body.areas.0.kind', 'body.timeZone']);
    expect((await inject(svc, 'PUT', '/api/v1/communities/Bad%20Id', community)).status).toBe(400);
  });

  it('adds a device with a secret shown once that works for MQTT; a second add is 409', async () => {
    const created = await inject(svc, 'POST', '/api/v1/communities/hc-100/devices', { id: 'therm-east', kind: 'thermometer', location: 'east' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'therm-east', communityId: 'hc-100', kind: 'thermometer', location: 'east', enabled: true });
    const { secret } = created.json as { secret: string };
    expect(secret.length).toBeGreaterThanOrEqual(24);
    const dup = await inject(svc, 'POST', '/api/v1/communities/hc-100/devices', { id: 'therm-east', kind: 'thermometer', location: 'east' });
    expect(dup.status).toBe(409);
    expect(dup.json.code).toBe('DEVICE_EXISTS');
    // Another community's device id is taken too: ids are global (they are MQTT usernames).
    expect((await inject(svc, 'POST', '/api/v1/communities/hc-100/devices', { id: 'therm-g1', kind: 'thermometer', location: 'east' })).status).toBe(409);

    const device = await connect('therm-east', secret);
    await device.publishAsync('gatewatch/v1/hc-100/therm-east/temperature', reading(1, { gateId: 'east' }), { qos: 1 });
    await device.endAsync();
    const stored = await eventually(() => svc.runtime.db.prepare("SELECT COUNT(*) FROM readings WHERE device_id = 'therm-east'").pluck().get() as number);
    expect(stored).toBe(1);

    const listed = await inject(svc, 'GET', '/api/v1/devices?communityId=hc-100', undefined, svc.tokens.inspector);
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      { id: 'therm-east', communityId: 'hc-100', kind: 'thermometer', location: 'east', enabled: true, online: false, lastSeenAt: expect.any(String), connectedAt: null },
    ]);
    expect(JSON.stringify(listed.json)).not.toContain(secret);
    expect((await inject(svc, 'GET', '/api/v1/communities/hc-100')).json.devices).toEqual(listed.json.items);
  });

  it('rotating a secret closes the live connection; the old secret stops, the new one works', async () => {
    const created = await inject(svc, 'POST', '/api/v1/communities/hc-100/devices', { id: 'panel-east', kind: 'access_panel', location: 'east' });
    const live = await connect('panel-east', created.json.secret);
    const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));
    const rotated = await inject(svc, 'POST', '/api/v1/devices/panel-east/rotate-secret');
    expect(rotated.status).toBe(200);
    expect(rotated.json).toEqual({ id: 'panel-east', secret: expect.any(String) });
    expect(rotated.json.secret).not.toBe(created.json.secret);
    await closed;
    await expect(connect('panel-east', created.json.secret)).rejects.toThrow(/Bad username or password/i);
    const renewed = await connect('panel-east', rotated.json.secret);
    await renewed.endAsync();
  });

  it('disabling a device closes its live connection and refuses the next; enabling lets it back', async () => {
    const live = await svc.connect('sprayer-1');
    await eventually(async () => (await inject(svc, 'GET', '/api/v1/devices?communityId=hc-001')).json.items.find((d: { id: string; online: boolean }) => d.id === 'sprayer-1' && d.online));
    const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));
    const patched = await inject(svc, 'PATCH', '/api/v1/devices/sprayer-1', { enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: 'sprayer-1', enabled: false });
    await closed;
    await expect(svc.connect('sprayer-1')).rejects.toThrow(/Not authorized/i);
    const after = await eventually(async () => (await inject(svc, 'GET', '/api/v1/devices?communityId=hc-001')).json.items.find((d: { id: string; online: boolean }) => d.id === 'sprayer-1' && !d.online));
    expect(after).toMatchObject({ enabled: false, online: false, connectedAt: null });
    expect((await inject(svc, 'PATCH', '/api/v1/devices/sprayer-1', { enabled: true })).json.enabled).toBe(true);
    await svc.connect('sprayer-1');
  });

  it('lists the registry routes in the OpenAPI document', async () => {
    const doc = (await svc.api('GET', '/openapi.json', { token: null })).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/communities', '/api/v1/communities/{communityId}', '/api/v1/communities/{communityId}/devices',
        '/api/v1/devices', '/api/v1/devices/{deviceId}', '/api/v1/devices/{deviceId}/rotate-secret',
      ]),
    );
  });
});

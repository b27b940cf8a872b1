/**
 * Presence: connect, DISCONNECT, a connection killed without DISCONNECT, a
 * half-open connection that only the keep-alive catches, the last will, and
 * heartbeats keep each device's online state and last-seen time, in the API,
 * on the event bus, and in SQLite (where last-seen survives a restart).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { inject, sleep } from './helpers.js';
import { connectPacket, rawConnect } from './raw-mqtt.js';

let svc: TestService;
type PresenceEvent = { deviceId: string; communityId: string; online: boolean; at: number; reason: string };
const events: PresenceEvent[] = [];
beforeAll(async () => {
  svc = await startTestService();
  svc.runtime.bus.on('device.presence', (e) => void events.push(e));
});
let restartedDir: string | undefined;
afterAll(async () => {
  await svc?.stop();
  if (restartedDir) rmSync(restartedDir, { recursive: true, force: true });
});

type DeviceRow = { id: string; online: boolean; lastSeenAt: string | null; connectedAt: string | null };
async function device(id: string): Promise<DeviceRow> {
  const res = await inject(svc, 'GET', '/api/v1/devices?communityId=hc-001', undefined, svc.tokens.operator);
  return res.json.items.find((d: DeviceRow) => d.id === id);
}
const presenceRow = (id: string) =>
  svc.runtime.db.prepare('SELECT online, disconnect_reason AS reason, last_seen_at AS lastSeenAt FROM device_presence WHERE device_id = ?').get(id) as
    | { online: number; reason: string | null; lastSeenAt: number }
    | undefined;
const lastEvent = (id: string) => events.filter((e) => e.deviceId === id).at(-1);

describe('presence', () => {
  it('goes online on connect and offline on DISCONNECT, in the API, on the bus and in SQLite', async () => {
    expect(await device('vent-b2')).toMatchObject({ online: false, lastSeenAt: null, connectedAt: null });
    const client = await svc.connect('vent-b2');
    const online = await eventually(async () => ((await device('vent-b2')).online ? device('vent-b2') : undefined));
    expect(Date.parse(online.connectedAt!)).toBeGreaterThan(Date.now() - 5000);
    expect(lastEvent('vent-b2')).toMatchObject({ communityId: 'hc-001', online: true, reason: 'connect' });
    expect(presenceRow('vent-b2')).toMatchObject({ online: 1 });
    await client.endAsync();
    await eventually(async () => !(await device('vent-b2')).online);
    expect(lastEvent('vent-b2')).toMatchObject({ online: false, reason: 'disconnect' });
    expect(presenceRow('vent-b2')).toMatchObject({ online: 0, reason: 'disconnect' });
    expect((await device('vent-b2')).connectedAt).toBeNull();
  });

  it('goes offline within the keep-alive window when the socket dies without DISCONNECT, and publishes the will', async () => {
    const will = { topic: 'gatewatch/v1/hc-001/therm-g1/status', payload: Buffer.from(JSON.stringify({ seq: 7777, ts: new Date().toISOString(), state: 'offline' })), qos: 1 as const, retain: false };
    const client: MqttClient = await svc.connect('therm-g1', undefined, { keepalive: 2, will });
    await eventually(async () => (await device('therm-g1')).online);
    const started = Date.now();
    client.stream.destroy(); // the power is cut: no DISCONNECT
    await eventually(async () => !(await device('therm-g1')).online, 3000 + 1000);
    expect(Date.now() - started).toBeLessThan(3000); // 1.5 x keep-alive
    expect(lastEvent('therm-g1')).toMatchObject({ online: false, reason: 'connection_lost' });
    // The will (a status "offline") was stored like any reading, for the device-health rule.
    await eventually(() => svc.runtime.db.prepare("SELECT 1 FROM readings WHERE device_id = 'therm-g1' AND kind = 'status' AND seq = 7777").get());
  });

  it('a half-open connection (the device went silent, the socket stays open) goes offline by keep-alive timeout', async () => {
    const raw = rawConnect(svc.runtime.mqttPort, connectPacket('panel-half-open', 'panel-g1', 'panel-g1-secret', 1));
    expect(await raw.connack).toBe(0);
    await eventually(async () => (await device('panel-g1')).online);
    const started = Date.now();
    await eventually(async () => !(await device('panel-g1')).online, 4000);
    expect(Date.now() - started).toBeLessThan(2500); // keep-alive 1 s: the broker waits 1.5 s [MQTT-3.1.2-24]
    expect(lastEvent('panel-g1')).toMatchObject({ online: false, reason: 'keepalive_timeout' });
    await raw.closed;
  });

  it('heartbeats (a status reading, a PINGREQ) move last-seen forward while online', async () => {
    const client = await svc.connect('speaker-1', undefined, { keepalive: 1 });
    const first = Date.parse((await eventually(async () => ((await device('speaker-1')).online ? device('speaker-1') : undefined))).lastSeenAt!);
    await sleep(1300); // mqtt.js sends PINGREQ after 1 s of silence
    const afterPing = Date.parse((await device('speaker-1')).lastSeenAt!);
    expect(afterPing).toBeGreaterThan(first);
    await client.publishAsync('gatewatch/v1/hc-001/speaker-1/status', JSON.stringify({ seq: 1, ts: new Date().toISOString(), state: 'online' }), { qos: 1 });
    expect(Date.parse((await device('speaker-1')).lastSeenAt!)).toBeGreaterThanOrEqual(afterPing);
    await client.endAsync();
  });

  it('keeps last-seen in SQLite across a restart; nobody is online after it', async () => {
    const before = await device('speaker-1');
    const { dataDir } = svc;
    await svc.runtime.stop(); // not svc.stop(): that deletes the data directory
    svc = await startTestService({}, dataDir);
    restartedDir = dataDir;
    const after = await device('speaker-1');
    expect(after).toMatchObject({ online: false, connectedAt: null });
    expect(Date.parse(after.lastSeenAt!)).toBeGreaterThanOrEqual(Date.parse(before.lastSeenAt!));
    expect((await inject(svc, 'GET', '/api/v1/devices')).json.items.filter((d: DeviceRow) => d.online)).toEqual([]);
  });
});

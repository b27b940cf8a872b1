/**
 * The broker's limits, each with its counter (small limits so tests are fast):
 * - payload > GW_MAX_PAYLOAD_BYTES: stored, acknowledged, dead-lettered with the reason;
 * - packet > GW_MQTT_MAX_PACKET_BYTES: the connection is closed unread, no PUBACK;
 * - over GW_MQTT_RATE_PER_DEVICE: QoS 0 is shed, QoS 1 is slowed to the rate and all stored;
 * - over GW_MQTT_MAX_CONNECTIONS: new sockets are closed at accept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { createConnection } from 'node:net';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { exec, metricsText, reading, sample, sleep } from './helpers.js';
import { connectPacket, hugePublishHeader, rawConnect } from './raw-mqtt.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({
    GW_MAX_PAYLOAD_BYTES: '1024', GW_MQTT_MAX_PACKET_BYTES: '4096',
    GW_MQTT_RATE_PER_DEVICE: '20', GW_MQTT_BURST_PER_DEVICE: '10',
    GW_MQTT_MAX_CONNECTIONS: '6',
  });
});
afterAll(async () => svc?.stop());

const stored = (deviceId: string) => svc.runtime.db.prepare('SELECT seq FROM readings WHERE device_id = ? ORDER BY seq').pluck().all(deviceId) as number[];
const hits = async (limit: string, action: string) => sample(await metricsText(svc), 'gatewatch_mqtt_limit_hits_total', { limit, action });

describe('payload and packet size', () => {
  it('acknowledges a payload over GW_MAX_PAYLOAD_BYTES and dead-letters it with the reason (mqtt.js and mosquitto_pub)', async () => {
    const device = await svc.connect('therm-g1');
    const big = reading(1, { personRef: `p-${'x'.repeat(60)}`, pad: 'y'.repeat(2000) });
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', big, { qos: 1 }); // PUBACK: the device stops resending
    // (Another device: a second connection of therm-g1 would take over the first.)
    await exec('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(svc.runtime.mqttPort), '-q', '1', '-u', 'speaker-1', '-P', 'speaker-1-secret', '-t', 'gatewatch/v1/hc-001/speaker-1/broadcast', '-m', big]);
    const letters = await eventually(async () => {
      const items = (await svc.api('GET', '/api/v1/dead-letters')).json.items as { code: string; reason: string }[];
      return items.filter((d) => d.code === 'PAYLOAD_TOO_LARGE').length === 2 ? items : undefined;
    });
    expect(letters[0]!.reason).toMatch(/payload is \d+ bytes, limit 1024/);
    expect(await hits('payload_size', 'dead_lettered')).toBe(2);
    expect(device.connected).toBe(true);
  });

  it('closes the connection on a packet over GW_MQTT_MAX_PACKET_BYTES before reading it; nothing is acknowledged or stored', async () => {
    const device = await svc.connect('therm-g1');
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    let acked = false;
    device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', reading(2, { pad: 'z'.repeat(5000) }), { qos: 1 }).then(() => (acked = true), () => {});
    await closed;
    // A header announcing 200 MB: closed at once, the body is never waited for.
    const raw = rawConnect(svc.runtime.mqttPort, connectPacket('raw-huge', 'therm-g1', 'therm-g1-secret'));
    expect(await raw.connack).toBe(0);
    raw.socket.write(hugePublishHeader(200 * 1024 * 1024));
    await raw.closed;
    // Before authentication too: a CONNECT announcing 100 MB.
    const anon = rawConnect(svc.runtime.mqttPort, Buffer.concat([Buffer.from([0x10]), Buffer.from([0x80, 0x80, 0x80, 0x30])]));
    await anon.closed;
    await sleep(100);
    expect(acked).toBe(false);
    expect(stored('therm-g1')).not.toContain(2);
    expect(await hits('packet_size', 'closed')).toBe(3);
  });
});

describe('per-device rate (20/s, burst 10)', () => {
  it('sheds QoS 0 over the rate, counted, and keeps the connection', async () => {
    const device = await svc.connect('panel-g1');
    const before = sample(await metricsText(svc), 'gatewatch_mqtt_shed_total', { reason: 'rate' });
    for (let seq = 1; seq <= 100; seq++) device.publish('gatewatch/v1/hc-001/panel-g1/status', JSON.stringify({ seq, ts: new Date().toISOString(), state: 'online' }), { qos: 0 });
    await device.publishAsync('gatewatch/v1/hc-001/panel-g1/status', JSON.stringify({ seq: 1000, ts: new Date().toISOString(), state: 'online' }), { qos: 1 });
    const kept = stored('panel-g1').filter((s) => s <= 100).length;
    const shed = sample(await metricsText(svc), 'gatewatch_mqtt_shed_total', { reason: 'rate' }) - before;
    expect(kept).toBeGreaterThanOrEqual(10);
    expect(kept).toBeLessThan(40);
    expect(kept + shed).toBe(100);
    expect(device.connected).toBe(true);
  });

  it('slows QoS 1 over the rate to the rate (PUBACK waits) and stores every one', async () => {
    const device = await svc.connect('sprayer-1');
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        device.publishAsync('gatewatch/v1/hc-001/sprayer-1/status', JSON.stringify({ seq: i + 1, ts: new Date().toISOString(), state: 'online' }), { qos: 1 }),
      ),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1300); // (40 - 10 burst) / 20 per s = 1.5 s
    expect(stored('sprayer-1')).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await hits('rate', 'delayed')).toBeGreaterThanOrEqual(25);
    expect(device.connected).toBe(true);
  });
});

describe('total connections (6)', () => {
  it('closes sockets over the limit at accept and counts them; a slot frees when a client leaves', async () => {
    const open = sample(await metricsText(svc), 'gatewatch_mqtt_connections', { transport: 'tcp' });
    expect(open).toBeLessThan(6);
    // Fill the remaining slots with sockets that have not even sent CONNECT: they count too.
    const fillers = Array.from({ length: 6 - open }, () => createConnection(svc.runtime.mqttPort, '127.0.0.1'));
    await Promise.all(fillers.map((f) => new Promise((resolve) => f.once('connect', resolve))));
    await eventually(async () => sample(await metricsText(svc), 'gatewatch_mqtt_connections', { transport: 'tcp' }) === 6);
    const refused = rawConnect(svc.runtime.mqttPort, connectPacket('therm-b1', 'therm-b1', 'therm-b1-secret'));
    await expect(refused.connack).rejects.toThrow(/closed before CONNACK/);
    expect(await hits('total_connections', 'refused')).toBeGreaterThanOrEqual(1);
    fillers[0]!.destroy();
    await eventually(async () => sample(await metricsText(svc), 'gatewatch_mqtt_connections', { transport: 'tcp' }) === 5);
    const again = await mqtt.connectAsync(svc.mqttUrl, { username: 'therm-b1', password: 'therm-b1-secret', reconnectPeriod: 0 });
    await again.endAsync();
    for (const f of fillers) f.destroy();
  });
});

/**
 * Device identity at the broker with real clients, mqtt.js and Debian's
 * mosquitto_pub / mosquitto_sub: wrong secrets, other devices' and other
 * communities' topics, "#", client ids borrowed from another device, a second
 * connection of the same device, and protocol versions (3.1.1 and 3.1
 * served; MQTT 5 refused cleanly at CONNECT, since aedes 1.2 does not speak it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { exec, metricsText, reading, sample, sleep } from './helpers.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

const OWN = 'gatewatch/v1/hc-001/therm-g1/temperature';
const storedSeqs = (deviceId: string) => svc.runtime.db.prepare('SELECT seq FROM readings WHERE device_id = ? ORDER BY seq').pluck().all(deviceId) as number[];
const mosq = (tool: 'mosquitto_pub' | 'mosquitto_sub', args: string[]) =>
  exec(tool, ['-h', '127.0.0.1', '-p', String(svc.runtime.mqttPort), ...args], { timeout: 10_000 });

describe('authentication', () => {
  it('refuses a wrong secret and an unknown device, with mqtt.js and mosquitto_pub', async () => {
    await expect(svc.connect('therm-g1', 'wrong-secret')).rejects.toThrow(/Bad username or password/i);
    await expect(svc.connect('no-such-device', 'whatever-secret')).rejects.toThrow(/Bad username or password/i);
    const wrong = mosq('mosquitto_pub', ['-q', '1', '-u', 'therm-g1', '-P', 'wrong-secret', '-t', OWN, '-m', reading(9001)]);
    await expect(wrong).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|bad user ?name or password/i) });
    await mosq('mosquitto_pub', ['-q', '1', '-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', OWN, '-m', reading(9002)]);
    await eventually(() => storedSeqs('therm-g1').includes(9002));
    expect(storedSeqs('therm-g1')).not.toContain(9001);
  });

  it('serves MQTT 3.1 too, and refuses MQTT 5 at CONNECT (mqtt.js and mosquitto) without storing anything', async () => {
    const v31 = await svc.connect('therm-g1', undefined, { protocolVersion: 3, clientId: 'therm-g1-v31' });
    await v31.publishAsync(OWN, reading(9010), { qos: 1 });
    await v31.endAsync();
    await expect(svc.connect('therm-g1', undefined, { protocolVersion: 5 })).rejects.toThrow(/protocol|Unsupported/i);
    await expect(mosq('mosquitto_pub', ['-V', 'mqttv5', '-q', '1', '-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', OWN, '-m', reading(9011)])).rejects.toThrow(/protocol/i);
    await expect(mosq('mosquitto_sub', ['-V', 'mqttv5', '-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', 'gatewatch/v1/hc-001/therm-g1/cmd', '-C', '1', '-W', '3'])).rejects.toThrow(/protocol/i);
    await eventually(() => storedSeqs('therm-g1').includes(9010));
    expect(storedSeqs('therm-g1')).not.toContain(9011);
  });
});

describe('topic ACLs', () => {
  it('closes the connection of a device publishing under another device or community; nothing is stored', async () => {
    for (const topic of ['gatewatch/v1/hc-001/panel-g1/access', 'gatewatch/v1/hc-002/therm-b1/temperature', 'gatewatch/v1/hc-002/therm-g1/temperature', 'gatewatch/v1/hc-001/therm-g1/cmd']) {
      const device = await svc.connect('therm-g1');
      const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
      device.publish(topic, reading(9100), { qos: 1 }); // MQTT 3.1.1 has no negative PUBACK: the connection closes
      await closed;
    }
    // mosquitto_pub the same way: the broker drops it before any PUBACK.
    await expect(mosq('mosquitto_pub', ['-q', '1', '-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', 'gatewatch/v1/hc-002/therm-b1/temperature', '-m', reading(9101)])).rejects.toBeTruthy();
    await sleep(200);
    for (const id of ['therm-g1', 'panel-g1', 'therm-b1']) expect(storedSeqs(id).filter((s) => s >= 9100)).toEqual([]);
    expect(sample(await metricsText(svc), 'gatewatch_messages_rejected_total', { code: 'topic_not_allowed' })).toBeGreaterThanOrEqual(5);
  });

  it('answers SUBACK 0x80 to "#", "$SYS/#" and others\' command topics, for mqtt.js and mosquitto_sub; its own cmd is granted', async () => {
    const device = await svc.connect('therm-g1');
    for (const topic of ['#', '$SYS/#', 'gatewatch/v1/hc-001/+/temperature', 'gatewatch/v1/hc-001/panel-g1/cmd']) {
      await expect(device.subscribeAsync(topic, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    }
    expect((await device.subscribeAsync('gatewatch/v1/hc-001/therm-g1/cmd', { qos: 1 }))[0]!.qos).toBe(1);
    // mosquitto_sub 2.0 reports the refusal and gives up (its exit code is 0).
    const denied = await mosq('mosquitto_sub', ['-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', '#', '-C', '1', '-W', '3']).catch((err: { stderr: string; stdout: string }) => err);
    expect(denied.stderr).toMatch(/All subscription requests were denied/);
    expect(denied.stdout).toBe('');
  });
});

describe('connection identity', () => {
  it('refuses a client id held by another device (CONNACK identifier rejected), so no device can kick another off', async () => {
    const owner = await svc.connect('therm-g1', undefined, { clientId: 'gate-1-thermo' });
    await expect(svc.connect('panel-g1', undefined, { clientId: 'gate-1-thermo' })).rejects.toThrow(/Identifier rejected/i);
    expect(owner.connected).toBe(true);
    await owner.publishAsync(OWN, reading(9200), { qos: 1 });
    expect(sample(await metricsText(svc), 'gatewatch_mqtt_limit_hits_total', { limit: 'client_id', action: 'refused' })).toBe(1);
  });

  it('a second connection of the same device takes over the first (GW_MQTT_MAX_CONNECTIONS_PER_DEVICE=1)', async () => {
    const first = await svc.connect('panel-g1', undefined, { clientId: 'panel-a' });
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await svc.connect('panel-g1', undefined, { clientId: 'panel-b' });
    await firstClosed;
    expect(second.connected).toBe(true);
    await second.publishAsync('gatewatch/v1/hc-001/panel-g1/status', JSON.stringify({ seq: 1, ts: new Date().toISOString(), state: 'online' }), { qos: 1 });
    expect(sample(await metricsText(svc), 'gatewatch_mqtt_limit_hits_total', { limit: 'device_connections', action: 'taken_over' })).toBeGreaterThanOrEqual(1);
  });

  it('a direct mqtt.js client with the default random client id connects (ids are not tied to device ids)', async () => {
    const c = await mqtt.connectAsync(svc.mqttUrl, { username: 'vent-b2', password: 'vent-b2-secret', reconnectPeriod: 0 });
    expect(c.connected).toBe(true);
    await c.endAsync();
  });
});

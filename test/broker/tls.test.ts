/**
 * mqtts with a self-signed certificate made by openssl for this test, plain
 * TCP refused on the TLS port, MQTT over WebSocket, and the configuration
 * errors that name the variable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { loadServiceConfig } from '../../services/config/service-config.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { exec, reading } from './helpers.js';
import { connectPacket, rawConnect } from './raw-mqtt.js';

const certDir = mkdtempSync(join(tmpdir(), 'gatewatch-tls-'));
const cert = join(certDir, 'cert.pem');
const key = join(certDir, 'key.pem');
let svc: TestService;

beforeAll(async () => {
  await exec('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  svc = await startTestService({ GW_MQTT_TLS_CERT: cert, GW_MQTT_TLS_KEY: key, GW_MQTTS_PORT: '0', GW_MQTT_WS_PORT: '0' });
});
afterAll(async () => {
  await svc?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

const stored = (deviceId: string) => svc.runtime.db.prepare('SELECT seq FROM readings WHERE device_id = ?').pluck().all(deviceId) as number[];
const TOPIC = 'gatewatch/v1/hc-001/therm-g1/temperature';

describe('mqtts', () => {
  it('serves mqtt.js and mosquitto_pub over TLS with the test certificate', async () => {
    const port = svc.runtime.mqttsPort!;
    expect(port).toBeGreaterThan(0);
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, { username: 'therm-g1', password: 'therm-g1-secret', ca: readFileSync(cert), reconnectPeriod: 0 });
    await client.publishAsync(TOPIC, reading(1), { qos: 1 });
    await client.endAsync();
    await exec('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '--cafile', cert, '-q', '1', '-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', TOPIC, '-m', reading(2)], { timeout: 10_000 });
    await eventually(() => stored('therm-g1').includes(1) && stored('therm-g1').includes(2));
  });

  it('refuses plain TCP on the TLS port, and TLS by a client that does not trust the certificate', async () => {
    const port = svc.runtime.mqttsPort!;
    const plain = rawConnect(port, connectPacket('plain-on-tls', 'therm-g1', 'therm-g1-secret'));
    await expect(plain.connack).rejects.toThrow(/closed before CONNACK/);
    await expect(exec('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', TOPIC, '-m', reading(3)], { timeout: 10_000 })).rejects.toBeTruthy();
    await expect(mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, { username: 'therm-g1', password: 'therm-g1-secret', reconnectPeriod: 0 })).rejects.toThrow(/self[- ]signed/i);
    expect(stored('therm-g1')).not.toContain(3);
  });

  it('still authenticates over TLS: a wrong secret is refused', async () => {
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${svc.runtime.mqttsPort}`, { username: 'therm-g1', password: 'nope-nope-nope', ca: readFileSync(cert), reconnectPeriod: 0 }),
    ).rejects.toThrow(/Bad username or password/i);
  });
});

describe('MQTT over WebSocket', () => {
  it('serves mqtt.js over ws:// with the same identity and ACLs', async () => {
    const url = `ws://127.0.0.1:${svc.runtime.mqttWsPort}`;
    const client = await mqtt.connectAsync(url, { username: 'therm-g1', password: 'therm-g1-secret', reconnectPeriod: 0 });
    await client.publishAsync(TOPIC, reading(10), { qos: 1 });
    await expect(client.subscribeAsync('#')).rejects.toThrow(/Subscribe error/);
    await client.endAsync();
    await eventually(() => stored('therm-g1').includes(10));
    await expect(mqtt.connectAsync(url, { username: 'therm-g1', password: 'wrong-secret-x', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i);
  });
});

describe('configuration', () => {
  it('names the variable when the TLS settings are incomplete or the file is missing', () => {
    expect(() => loadServiceConfig({ GW_MQTT_TLS_CERT: cert })).toThrow(/GW_MQTT_TLS_KEY: set both GW_MQTT_TLS_CERT and GW_MQTT_TLS_KEY/);
    expect(() => loadServiceConfig({ GW_MQTT_TLS_CERT: '/nonexistent/cert.pem', GW_MQTT_TLS_KEY: key })).toThrow(/GW_MQTT_TLS_CERT="\/nonexistent\/cert.pem": no such file/);
    expect(() => loadServiceConfig({ GW_MQTT_MAX_PACKET_BYTES: '2048' })).toThrow(/GW_MQTT_MAX_PACKET_BYTES="2048": must be at least GW_MAX_PAYLOAD_BYTES \+ 1024/);
    expect(() => loadServiceConfig({ GW_MQTT_RATE_PER_DEVICE: '0' })).toThrow(/GW_MQTT_RATE_PER_DEVICE="0"/);
    expect(loadServiceConfig({})).toMatchObject({ GW_MQTTS_PORT: 8883, GW_MQTT_MAX_PACKET_BYTES: 65536, GW_MQTT_RATE_PER_DEVICE: 100, GW_MQTT_BURST_PER_DEVICE: 3000, GW_MQTT_MAX_CONNECTIONS: 10000, GW_MQTT_MAX_CONNECTIONS_PER_DEVICE: 1 });
  });
});

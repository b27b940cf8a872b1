/**
 * Service accounts at the broker (GW_MQTT_SERVICE_ACCOUNTS), with real
 * clients (mqtt.js and mosquitto_pub): an internal service signs in as
 * `service:<name>`, sends commands that reach the device subscribed to its own
 * .../cmd, and may do nothing else (no telemetry, no retained commands, no
 * `#` / `$SYS` / telemetry subscriptions); it is not a device (no presence,
 * no device's client id); and a device still cannot command another device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { sha256Hex } from '../../services/crypto/secrets.js';
import { loadServiceConfig } from '../../services/config/service-config.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { exec, metricsText, reading, sample, sleep } from './helpers.js';

const SECRET = 'dispatcher-test-secret-0123456789abcdef';
const AUDIT_SECRET = 'audit-test-secret-0123456789abcdef';
const CMD = 'gatewatch/v1/hc-001/therm-g1/cmd';
const OWN = 'gatewatch/v1/hc-001/therm-g1/temperature';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ GW_MQTT_SERVICE_ACCOUNTS: `dispatcher:${sha256Hex(SECRET)}, audit:${sha256Hex(AUDIT_SECRET).toUpperCase()}` });
});
afterAll(async () => svc?.stop());

const service = (name = 'dispatcher', secret = SECRET, clientId = `svc-${name}-${Math.random().toString(36).slice(2, 8)}`) =>
  svc.connect(`service:${name}`, secret, { clientId });
const count = (sql: string, ...args: unknown[]) => svc.runtime.db.prepare(sql).pluck().get(...args) as number;
const closedOf = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));
/** Every message a client receives, by topic. */
function inboxOf(client: MqttClient): { topic: string; payload: string; retain: boolean }[] {
  const got: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return got;
}

describe('configuration', () => {
  it('takes name:sha256hex entries; a wrong value fails at start naming GW_MQTT_SERVICE_ACCOUNTS; none by default', () => {
    expect(loadServiceConfig({}).GW_MQTT_SERVICE_ACCOUNTS).toEqual([]);
    expect(loadServiceConfig({ GW_MQTT_SERVICE_ACCOUNTS: `a:${'AB'.repeat(32)},b-2:${'0'.repeat(64)}` }).GW_MQTT_SERVICE_ACCOUNTS).toEqual([
      { name: 'a', secretSha256: 'ab'.repeat(32) },
      { name: 'b-2', secretSha256: '0'.repeat(64) },
    ]);
    for (const bad of ['dispatcher:plaintext-secret', `Dispatcher:${'0'.repeat(64)}`, `x:${'0'.repeat(63)}`, `a:${'0'.repeat(64)},a:${'1'.repeat(64)}`, `a:b:${'0'.repeat(64)}`]) {
      expect(() => loadServiceConfig({ GW_MQTT_SERVICE_ACCOUNTS: bad }), bad).toThrow(/GW_MQTT_SERVICE_ACCOUNTS/);
    }
  });
});

describe('authentication', () => {
  it('lets a service in with its secret; refuses a wrong secret, an unknown service, and any service when none is configured', async () => {
    const ok = await service();
    expect(ok.connected).toBe(true);
    await ok.endAsync();
    await expect(service('dispatcher', 'wrong-secret')).rejects.toThrow(/Bad username or password/i);
    await expect(service('dispatcher', AUDIT_SECRET)).rejects.toThrow(/Bad username or password/i);
    await expect(service('nobody', SECRET)).rejects.toThrow(/Bad username or password/i);

    const bare = await startTestService();
    try {
      await expect(bare.connect('service:dispatcher', SECRET, { clientId: 'svc-bare' })).rejects.toThrow(/Bad username or password/i);
    } finally {
      await bare.stop();
    }
  });

  it('is not a device: no presence row, and it cannot take over a device\'s client id (nor a device its)', async () => {
    const device = await svc.connect('therm-g1', undefined, { clientId: 'therm-g1-held' });
    await expect(service('dispatcher', SECRET, 'therm-g1-held')).rejects.toThrow(/Identifier rejected/i);
    expect(device.connected).toBe(true);
    const svcClient = await service('dispatcher', SECRET, 'dispatcher-held');
    await expect(svc.connect('panel-g1', undefined, { clientId: 'dispatcher-held' })).rejects.toThrow(/Identifier rejected/i);
    expect(svcClient.connected).toBe(true);
    // A second connection of the same service is fine (no per-device connection limit).
    const second = await service();
    expect(second.connected && svcClient.connected).toBe(true);
    expect(count(`SELECT COUNT(*) FROM device_presence WHERE device_id LIKE 'service:%' OR device_id IN ('dispatcher', 'audit')`)).toBe(0);
    await Promise.all([device.endAsync(), svcClient.endAsync(), second.endAsync()]);
  });
});

describe('commands', () => {
  it('a command from a service reaches the device subscribed to its own cmd (mqtt.js QoS 1 and 0, mosquitto_pub); not stored, not dead-lettered', async () => {
    const device = await svc.connect('therm-g1');
    await device.subscribeAsync(CMD, { qos: 1 });
    const got = inboxOf(device);
    const dispatcher = await service();
    await dispatcher.publishAsync(CMD, JSON.stringify({ command: 'calibrate', n: 1 }), { qos: 1 });
    await dispatcher.publishAsync(CMD, JSON.stringify({ command: 'calibrate', n: 2 }), { qos: 0 });
    await exec('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(svc.runtime.mqttPort), '-q', '1', '-u', 'service:dispatcher', '-P', SECRET, '-t', CMD, '-m', JSON.stringify({ command: 'calibrate', n: 3 })], {
      timeout: 10_000,
    });
    await eventually(() => got.length === 3);
    expect(got.map((m) => [m.topic, JSON.parse(m.payload).n])).toEqual([[CMD, 1], [CMD, 2], [CMD, 3]]);
    // Another device's command is not delivered to this one.
    await dispatcher.publishAsync('gatewatch/v1/hc-001/panel-g1/cmd', '{"command":"open"}', { qos: 1 });
    await sleep(200);
    expect(got).toHaveLength(3);
    expect(count(`SELECT COUNT(*) FROM readings WHERE device_id = 'therm-g1' AND kind = 'cmd'`)).toBe(0);
    expect(count(`SELECT COUNT(*) FROM dead_letters WHERE topic LIKE '%/cmd' OR client_id LIKE 'svc-%'`)).toBe(0);
    await Promise.all([device.endAsync(), dispatcher.endAsync()]);
  });

  it('a service cannot publish telemetry nor a retained command: connection closed, nothing stored or delivered', async () => {
    const device = await svc.connect('therm-g1');
    await device.subscribeAsync(CMD, { qos: 1 });
    const got = inboxOf(device);
    const before = sample(await metricsText(svc), 'gatewatch_messages_rejected_total', { code: 'topic_not_allowed' });
    const sent: [string, boolean][] = [[OWN, false], ['gatewatch/v1/hc-002/therm-b1/temperature', false], ['$SYS/gatewatch/x', false], ['gatewatch/v1/hc-001/therm-g1/cmd/x', false], [CMD, true]];
    for (const [topic, retain] of sent) {
      const dispatcher = await service();
      const closed = closedOf(dispatcher);
      dispatcher.publish(topic, reading(9500), { qos: 1, retain });
      await closed;
    }
    await sleep(200);
    expect(count(`SELECT COUNT(*) FROM dead_letters WHERE client_id LIKE 'svc-%'`)).toBe(0);
    expect(count(`SELECT COUNT(*) FROM readings WHERE seq = 9500`)).toBe(0);
    expect(got).toEqual([]);
    expect(sample(await metricsText(svc), 'gatewatch_messages_rejected_total', { code: 'topic_not_allowed' })).toBe(before + sent.length);
    // The refused retained command was not kept: a new subscriber gets nothing.
    const late = await svc.connect('therm-g1');
    const lateGot = inboxOf(late);
    await late.subscribeAsync(CMD, { qos: 1 });
    await sleep(200);
    expect(lateGot).toEqual([]);
    await Promise.all([device.endAsync().catch(() => {}), late.endAsync()]);
  });

  it('a service may subscribe to command topics only (auditing): "#", "$SYS/#" and telemetry get SUBACK 0x80', async () => {
    const audit = await service('audit', AUDIT_SECRET);
    for (const topic of ['#', '$SYS/#', '$SYS/+/clients/connected', 'gatewatch/#', 'gatewatch/v1/hc-001/+/temperature', 'gatewatch/v1/+/+/+', 'gatewatch/v1/+/+/cmd/#']) {
      await expect(audit.subscribeAsync(topic, { qos: 1 }), topic).rejects.toThrow(/Subscribe error/);
    }
    expect((await audit.subscribeAsync('gatewatch/v1/+/+/cmd', { qos: 1 }))[0]!.qos).toBe(1);
    const got = inboxOf(audit);
    const dispatcher = await service();
    await dispatcher.publishAsync('gatewatch/v1/hc-002/therm-b1/cmd', '{"command":"beep"}', { qos: 1 });
    await eventually(() => got.length === 1);
    expect(got[0]!.topic).toBe('gatewatch/v1/hc-002/therm-b1/cmd');
    await Promise.all([audit.endAsync(), dispatcher.endAsync()]);
  });

  it("a device still cannot publish to another device's cmd topic", async () => {
    const device = await svc.connect('therm-g1');
    await device.subscribeAsync(CMD, { qos: 1 });
    const got = inboxOf(device);
    for (const id of ['panel-g1', 'therm-b1']) {
      const other = await svc.connect(id);
      const closed = closedOf(other);
      other.publish(CMD, '{"command":"open"}', { qos: 1 });
      await closed;
    }
    await sleep(200);
    expect(got).toEqual([]);
    await device.endAsync().catch(() => {});
  });
});

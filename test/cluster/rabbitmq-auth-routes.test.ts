/**
 * RabbitMQ's HTTP auth backend endpoint (services/api/routes/rabbitmq-auth.ts)
 * through fastify inject, on the real service with the test registry: each
 * path answers exactly `allow` or `deny` for the fields RabbitMQ 3.10's MQTT
 * plugin sends (recorded from a real node: deploy/cluster/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../services/crypto/secrets.js';
import { loadServiceConfig } from '../../services/config/service-config.js';
import { routingKeyToTopic } from '../../services/api/routes/rabbitmq-auth.js';
import { startTestService, type TestService } from '../support/service.js';

let svc: TestService;
const SERVICE_ACCOUNTS = `dispatcher:${sha256Hex('dispatcher-secret')}`;

beforeAll(async () => {
  svc = await startTestService({ GW_RABBITMQ_AUTH: 'on', GW_MQTT_SERVICE_ACCOUNTS: SERVICE_ACCOUNTS });
});
afterAll(async () => {
  await svc?.stop();
});

async function ask(path: string, fields: Record<string, string>, method: 'POST' | 'GET' = 'POST'): Promise<string> {
  const form = new URLSearchParams(fields).toString();
  const res = await svc.runtime.http.inject(
    method === 'POST'
      ? { method, url: `/internal/rabbitmq/${path}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form }
      : { method, url: `/internal/rabbitmq/${path}?${form}` },
  );
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  return res.body;
}

const user = (username: string, password: string, clientId?: string) =>
  ask('user', { username, password, vhost: '/', ...(clientId !== undefined && { client_id: clientId }) });
const resource = (username: string, resource: string, name: string, permission: string, extra: Record<string, string> = {}) =>
  ask('resource', { username, vhost: '/', resource, name, permission, tags: '', ...extra });
const topic = (username: string, permission: string, routingKey: string, extra: Record<string, string> = {}) =>
  ask('topic', { username, vhost: '/', resource: 'topic', name: 'amq.topic', permission, tags: '', routing_key: routingKey, ...extra });

describe('POST /internal/rabbitmq/user', () => {
  it('allows a device with its secret, denies a wrong secret, a disabled or unknown device', async () => {
    expect(await user('therm-g1', 'therm-g1-secret', 'therm-g1-0')).toBe('allow');
    // The second time comes from the verified cache; the answer is the same.
    expect(await user('therm-g1', 'therm-g1-secret', 'therm-g1-0')).toBe('allow');
    expect(await user('therm-g1', 'wrong-secret', 'therm-g1-0')).toBe('deny');
    expect(await user('therm-off', 'therm-off-secret', 'therm-off')).toBe('deny');
    expect(await user('nobody', 'nobody-secret', 'nobody')).toBe('deny');
    expect(await ask('user', { username: 'therm-g1' })).toBe('deny');
  });

  it("refuses another device's client id, allows the device's own namespace and one nobody owns", async () => {
    expect(await user('therm-g1', 'therm-g1-secret', 'panel-g1-0')).toBe('deny');
    expect(await user('therm-g1', 'therm-g1-secret', 'therm-g1')).toBe('allow');
    expect(await user('therm-g1', 'therm-g1-secret', 'mosq-x1y2')).toBe('allow');
    // AMQP logins carry no client id.
    expect(await user('therm-g1', 'therm-g1-secret')).toBe('allow');
  });

  it('allows a service account with its secret, not with another, nor on a device client id', async () => {
    expect(await user('service:dispatcher', 'dispatcher-secret', 'dispatcher-1')).toBe('allow');
    expect(await user('service:dispatcher', 'therm-g1-secret', 'dispatcher-1')).toBe('deny');
    expect(await user('service:auditor', 'dispatcher-secret', 'auditor-1')).toBe('deny');
    expect(await user('service:dispatcher', 'dispatcher-secret', 'therm-g1')).toBe('deny');
  });

  it('answers GET with the fields in the query string (the plugin\'s default method)', async () => {
    expect(await ask('user', { username: 'therm-g1', password: 'therm-g1-secret' }, 'GET')).toBe('allow');
    expect(await ask('user', { username: 'therm-g1', password: 'nope' }, 'GET')).toBe('deny');
  });
});

describe('POST /internal/rabbitmq/vhost', () => {
  it('allows "/" to an enabled device or a configured service, nothing else', async () => {
    const vhost = (username: string, v: string) => ask('vhost', { username, vhost: v, ip: '127.0.0.1', tags: '' });
    expect(await vhost('therm-g1', '/')).toBe('allow');
    expect(await vhost('service:dispatcher', '/')).toBe('allow');
    expect(await vhost('therm-g1', 'other')).toBe('deny');
    expect(await vhost('therm-off', '/')).toBe('deny');
    expect(await vhost('nobody', '/')).toBe('deny');
    expect(await vhost('service:auditor', '/')).toBe('deny');
  });
});

describe('POST /internal/rabbitmq/resource', () => {
  it('gives a device amq.topic read and write, never configure, and no other exchange', async () => {
    expect(await resource('therm-g1', 'exchange', 'amq.topic', 'write')).toBe('allow');
    expect(await resource('therm-g1', 'exchange', 'amq.topic', 'read')).toBe('allow');
    expect(await resource('therm-g1', 'exchange', 'amq.topic', 'configure')).toBe('deny');
    expect(await resource('therm-g1', 'exchange', 'amq.direct', 'write')).toBe('deny');
    expect(await resource('therm-g1', 'exchange', '', 'write')).toBe('deny');
    expect(await resource('therm-off', 'exchange', 'amq.topic', 'write')).toBe('deny');
  });

  it("gives a device the MQTT plugin's subscription queues of its own client ids only", async () => {
    for (const permission of ['configure', 'read', 'write']) {
      expect(await resource('therm-g1', 'queue', 'mqtt-subscription-therm-g1-0qos1', permission, { client_id: 'therm-g1-0' })).toBe('allow');
    }
    expect(await resource('therm-g1', 'queue', 'mqtt-subscription-therm-g1qos0', 'configure')).toBe('allow');
    expect(await resource('therm-g1', 'queue', 'mqtt-subscription-panel-g1-0qos1', 'read', { client_id: 'panel-g1-0' })).toBe('deny');
    expect(await resource('therm-g1', 'queue', 'mqtt-subscription-panel-g1-0qos1', 'read', { client_id: 'therm-g1-0' })).toBe('deny');
    // A client id nobody owns is not the device's either: over AMQP it could otherwise read another client's commands.
    expect(await resource('therm-g1', 'queue', 'mqtt-subscription-mosq-x1qos1', 'read', { client_id: 'mosq-x1' })).toBe('deny');
    expect(await resource('therm-g1', 'queue', 'gw.partition.0', 'read')).toBe('deny');
    expect(await resource('therm-g1', 'queue', 'mqtt-subscription-therm-g1-0qos2', 'read')).toBe('deny');
  });

  it('gives a service queues of client ids no device owns', async () => {
    expect(await resource('service:dispatcher', 'queue', 'mqtt-subscription-dispatcher-1qos1', 'configure', { client_id: 'dispatcher-1' })).toBe('allow');
    expect(await resource('service:dispatcher', 'queue', 'mqtt-subscription-therm-g1qos1', 'read', { client_id: 'therm-g1' })).toBe('deny');
    expect(await resource('service:dispatcher', 'exchange', 'amq.topic', 'write')).toBe('allow');
    expect(await resource('service:auditor', 'exchange', 'amq.topic', 'write')).toBe('deny');
  });
});

describe('POST /internal/rabbitmq/topic', () => {
  it('lets a device publish on its own topics only, the routing key in dots as the MQTT plugin sends it', async () => {
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1.temperature')).toBe('allow');
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1.status')).toBe('allow');
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.panel-g1.temperature')).toBe('deny');
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-002.therm-g1.temperature')).toBe('deny');
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1.cmd')).toBe('deny');
    // An MQTT topic level holding a "." (temperature.x) arrives as two words: not one of ours.
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1.temperature.x')).toBe('deny');
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1/temperature')).toBe('deny');
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1')).toBe('deny');
    expect(await topic('therm-off', 'write', 'gatewatch.v1.hc-001.therm-off.temperature')).toBe('deny');
  });

  it('lets a device read its own cmd topic only', async () => {
    expect(await topic('therm-g1', 'read', 'gatewatch.v1.hc-001.therm-g1.cmd')).toBe('allow');
    expect(await topic('therm-g1', 'read', 'gatewatch.v1.hc-001.panel-g1.cmd')).toBe('deny');
    expect(await topic('therm-g1', 'read', 'gatewatch.v1.hc-001.*.cmd')).toBe('deny');
    expect(await topic('therm-g1', 'read', '#')).toBe('deny');
    expect(await topic('therm-g1', 'read', 'gatewatch.v1.hc-001.therm-g1.temperature')).toBe('deny');
  });

  it('lets a service publish commands and read command topics (with * for + levels), nothing else', async () => {
    expect(await topic('service:dispatcher', 'write', 'gatewatch.v1.hc-002.therm-b1.cmd')).toBe('allow');
    expect(await topic('service:dispatcher', 'write', 'gatewatch.v1.hc-001.therm-g1.temperature')).toBe('deny');
    expect(await topic('service:dispatcher', 'read', 'gatewatch.v1.*.*.cmd')).toBe('allow');
    expect(await topic('service:dispatcher', 'read', 'gatewatch.v1.#')).toBe('deny');
    expect(await topic('service:auditor', 'write', 'gatewatch.v1.hc-002.therm-b1.cmd')).toBe('deny');
  });

  it('denies another exchange or vhost', async () => {
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1.temperature', { name: 'amq.direct' })).toBe('deny');
    expect(await topic('therm-g1', 'write', 'gatewatch.v1.hc-001.therm-g1.temperature', { vhost: 'other' })).toBe('deny');
  });
});

describe('routing keys and configuration', () => {
  it('maps a routing key back to its MQTT topic or filter', () => {
    expect(routingKeyToTopic('gatewatch.v1.hc-001.therm-g1.temperature')).toBe('gatewatch/v1/hc-001/therm-g1/temperature');
    expect(routingKeyToTopic('gatewatch.v1.*.*.cmd')).toBe('gatewatch/v1/+/+/cmd');
    expect(routingKeyToTopic('gatewatch.v1.#')).toBe('gatewatch/v1/#');
    expect(routingKeyToTopic('a/b.c')).toBe(null);
  });

  it('fails at start naming GW_RABBITMQ_AUTH for a value other than on or off', () => {
    expect(() => loadServiceConfig({ GW_RABBITMQ_AUTH: 'yes' })).toThrow(/GW_RABBITMQ_AUTH/);
    expect(loadServiceConfig({}).GW_RABBITMQ_AUTH).toBe('off');
    expect(loadServiceConfig({ GW_RABBITMQ_AUTH: 'on' }).GW_RABBITMQ_AUTH).toBe('on');
  });

  it('serves nothing under /internal/rabbitmq/ when GW_RABBITMQ_AUTH is off', async () => {
    const off = await startTestService();
    try {
      const res = await off.runtime.http.inject({ method: 'POST', url: '/internal/rabbitmq/user', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=therm-g1&password=therm-g1-secret' });
      expect(res.statusCode).toBe(404);
    } finally {
      await off.stop();
    }
  });
});

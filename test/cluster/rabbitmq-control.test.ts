/**
 * Disabling a device or rotating its secret through gatewatch's API closes its
 * live connection on a real RabbitMQ 3.10 node (management HTTP API, issue 19
 * item 2), and its next CONNECT is refused at once (no auth cache). The
 * management URL list starts with a closed port, so every call fails over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startTestService, type TestService } from '../support/service.js';
import { loadServiceConfig } from '../../services/config/service-config.js';
import { freePort } from '../support/process.js';
import { deviceClientsOn, httpAuthConfig, MQTT_KEEP_COLONS_ADVANCED, startRabbitNode, type DeviceClients, type RabbitCluster, type RabbitNode } from '../support/rabbitmq.js';

let svc: TestService;
let rabbit: RabbitCluster;
let node: RabbitNode;
let devices: DeviceClients;

beforeAll(async () => {
  // The node needs gatewatch's port for its auth backend and gatewatch the node's management URL: fix the port first.
  const httpPort = await freePort();
  rabbit = await startRabbitNode({ config: httpAuthConfig(`http://127.0.0.1:${httpPort}`), advanced: MQTT_KEEP_COLONS_ADVANCED, management: true });
  node = rabbit.nodes[0]!;
  devices = deviceClientsOn(node);
  const closed = `http://127.0.0.1:${await freePort()}`;
  svc = await startTestService({
    GW_HTTP_PORT: String(httpPort), GW_RABBITMQ_AUTH: 'on',
    GW_RABBITMQ_MANAGEMENT_URLS: `${closed},${node.managementUrl!}`,
    GW_RABBITMQ_MANAGEMENT_USER: rabbit.admin.user, GW_RABBITMQ_MANAGEMENT_PASSWORD: rabbit.admin.password,
  });
}, 90_000);

afterAll(async () => {
  await devices?.endAll();
  await svc?.stop();
  await rabbit?.dispose();
}, 60_000);

const connect = (username: string, password: string, clientId: string) => devices.connect(username, password, clientId);
const connackOf = (username: string, password: string, clientId: string) => devices.connackOf(username, password, clientId);

const closeWithin = (client: MqttClient, ms: number) =>
  new Promise<'closed' | 'still open'>((resolve) => {
    const timer = setTimeout(() => resolve('still open'), ms);
    client.once('close', () => { clearTimeout(timer); resolve('closed'); });
  });

/** The management API lists a new connection once its stats are in: wait until it does. */
async function listed(user: string): Promise<void> {
  const auth = `Basic ${Buffer.from(`${rabbit.admin.user}:${rabbit.admin.password}`).toString('base64')}`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${node.managementUrl!}/api/connections/username/${user}`, { headers: { authorization: auth } });
    if (res.ok && ((await res.json()) as unknown[]).length > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${user}'s connection never listed`);
}

describe('device control on RabbitMQ', () => {
  it('disabling a device closes its RabbitMQ connection within 2 s; its reconnect is refused (CONNACK 4)', async () => {
    const therm = await connect('therm-g1', 'therm-g1-secret', 'therm-g1-0');
    await listed('therm-g1');
    const closed = closeWithin(therm, 2_000);
    const res = await svc.api('PATCH', '/api/v1/devices/therm-g1', { body: { enabled: false } });
    expect(res.status).toBe(200);
    expect(res.json.enabled).toBe(false);
    expect(await closed).toBe('closed');
    expect(await connackOf('therm-g1', 'therm-g1-secret', 'therm-g1-1')).toBe(4);
  });

  it('rotating a secret closes the connection; the new secret connects, the old is refused', async () => {
    const panel = await connect('panel-g1', 'panel-g1-secret', 'panel-g1-0');
    await listed('panel-g1');
    const closed = closeWithin(panel, 2_000);
    const res = await svc.api('POST', '/api/v1/devices/panel-g1/rotate-secret');
    expect(res.status).toBe(200);
    expect(await closed).toBe('closed');
    expect(await connackOf('panel-g1', 'panel-g1-secret', 'panel-g1-1')).toBe(4);
    expect(await connackOf('panel-g1', res.json.secret as string, 'panel-g1-2')).toBe(0);
  });
});

describe('management configuration', () => {
  it('fails at start naming the variable: a URL that is not http(s)://host:port, URLs without user or password', () => {
    expect(() => loadServiceConfig({ GW_RABBITMQ_MANAGEMENT_URLS: 'amqp://x:5672', GW_RABBITMQ_MANAGEMENT_USER: 'u', GW_RABBITMQ_MANAGEMENT_PASSWORD: 'p' }))
      .toThrow('Invalid service configuration:\n  GW_RABBITMQ_MANAGEMENT_URLS="amqp://x:5672": not an http(s)://host:port URL: "amqp://x:5672"');
    expect(() => loadServiceConfig({ GW_RABBITMQ_MANAGEMENT_URLS: 'http://127.0.0.1:15672' }))
      .toThrow('Invalid service configuration:\n  GW_RABBITMQ_MANAGEMENT_USER: required with GW_RABBITMQ_MANAGEMENT_URLS\n  GW_RABBITMQ_MANAGEMENT_PASSWORD: required with GW_RABBITMQ_MANAGEMENT_URLS');
    expect(loadServiceConfig({ GW_RABBITMQ_MANAGEMENT_URLS: 'http://a:15672, http://b:15672/' , GW_RABBITMQ_MANAGEMENT_USER: 'u', GW_RABBITMQ_MANAGEMENT_PASSWORD: 'p' }).GW_RABBITMQ_MANAGEMENT_URLS)
      .toEqual(['http://a:15672', 'http://b:15672/']);
  });
});

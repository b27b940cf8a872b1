/**
 * End to end: a real RabbitMQ 3.10 node's MQTT plugin asks a running gatewatch
 * (GW_RABBITMQ_AUTH=on, the test registry) who may connect and publish, over
 * HTTP, and an AMQP consumer bound to amq.topic sees exactly what got through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { sha256Hex } from '../../services/crypto/secrets.js';
import { startTestService, eventually, type TestService } from '../support/service.js';
import { deviceClientsOn, httpAuthConfig, MQTT_KEEP_COLONS_ADVANCED, startRabbitNode, type DeviceClients, type RabbitCluster, type RabbitNode } from '../support/rabbitmq.js';

let svc: TestService;
let rabbit: RabbitCluster;
let node: RabbitNode;
let conn: ChannelModel;
let ch: Channel;
let devices: DeviceClients;
const seen: Array<{ routingKey: string; body: string }> = [];

beforeAll(async () => {
  svc = await startTestService({ GW_RABBITMQ_AUTH: 'on', GW_MQTT_SERVICE_ACCOUNTS: `dispatcher:${sha256Hex('dispatcher-secret')}` });
  rabbit = await startRabbitNode({ config: httpAuthConfig(`http://127.0.0.1:${svc.runtime.httpPort}`), advanced: MQTT_KEEP_COLONS_ADVANCED });
  node = rabbit.nodes[0]!;
  devices = deviceClientsOn(node);
  conn = await amqp.connect(node.amqpUrl);
  ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, 'amq.topic', 'gatewatch.#');
  await ch.consume(queue, (msg) => {
    if (msg) seen.push({ routingKey: msg.fields.routingKey, body: msg.content.toString() });
  }, { noAck: true });
}, 150_000);

afterAll(async () => {
  await devices?.endAll();
  await conn?.close().catch(() => {});
  await rabbit?.dispose();
  await svc?.stop();
}, 60_000);

const connect = (username: string, password: string, clientId: string) => devices.connect(username, password, clientId);
/** The CONNACK return code of a refused CONNECT (0 had it been accepted). */
const refusedWith = (username: string, password: string, clientId: string) => devices.connackOf(username, password, clientId);

describe('RabbitMQ MQTT plugin with gatewatch as its HTTP auth backend', () => {
  it('lets a device in with its secret; its QoS 1 publish on its own topic reaches an AMQP consumer', async () => {
    const therm = await connect('therm-g1', 'therm-g1-secret', 'therm-g1-0');
    await therm.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', '{"seq":1}', { qos: 1 });
    await eventually(() => seen.length === 1);
    expect(seen).toEqual([{ routingKey: 'gatewatch.v1.hc-001.therm-g1.temperature', body: '{"seq":1}' }]);
    await therm.endAsync();
  });

  it('refuses a wrong secret, a disabled device and an unknown one at CONNECT (CONNACK 4, bad username or password)', async () => {
    expect(await refusedWith('therm-g1', 'wrong-secret', 'therm-g1-1')).toBe(4);
    expect(await refusedWith('therm-off', 'therm-off-secret', 'therm-off')).toBe(4);
    expect(await refusedWith('nobody', 'nobody-secret', 'nobody')).toBe(4);
    expect(await refusedWith('therm-g1', 'therm-g1-secret', 'panel-g1-0')).toBe(4);
  });

  it("closes the connection of a device publishing on another device's topic, and nothing of it reaches the consumer", async () => {
    seen.length = 0;
    const therm = await connect('therm-g1', 'therm-g1-secret', 'therm-g1-2');
    const closed = new Promise<'closed'>((resolve) => therm.once('close', () => resolve('closed')));
    const outcome = await Promise.race([
      therm.publishAsync('gatewatch/v1/hc-001/panel-g1/temperature', '{"seq":2}', { qos: 1 }).then(() => 'puback' as const, () => 'rejected' as const),
      closed,
    ]);
    // 3.10 answers a denied publish by closing the connection: no PUBACK ever comes.
    expect(outcome).toBe('closed');
    expect(therm.connected).toBe(false);
    // A marker from the real owner shows the consumer is live and what came before it.
    const panel = await connect('panel-g1', 'panel-g1-secret', 'panel-g1-0');
    await panel.publishAsync('gatewatch/v1/hc-001/panel-g1/status', '{"seq":3}', { qos: 1 });
    await eventually(() => seen.length >= 1);
    expect(seen).toEqual([{ routingKey: 'gatewatch.v1.hc-001.panel-g1.status', body: '{"seq":3}' }]);
    await panel.endAsync();
  });

  it('carries a service account command to the device subscribed to its own cmd topic; another device cannot subscribe to it', async () => {
    const therm = await connect('therm-g1', 'therm-g1-secret', 'therm-g1');
    const granted = await therm.subscribeAsync('gatewatch/v1/hc-001/therm-g1/cmd', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const got = new Promise<string>((resolve) => therm.once('message', (t, payload) => resolve(`${t} ${payload.toString()}`)));
    const dispatcher = await connect('service:dispatcher', 'dispatcher-secret', 'dispatcher-1');
    await dispatcher.publishAsync('gatewatch/v1/hc-001/therm-g1/cmd', '{"cmd":"reboot"}', { qos: 1 });
    expect(await got).toBe('gatewatch/v1/hc-001/therm-g1/cmd {"cmd":"reboot"}');
    await dispatcher.endAsync();

    const panel = await connect('panel-g1', 'panel-g1-secret', 'panel-g1-1');
    const panelClosed = new Promise<'closed'>((resolve) => panel.once('close', () => resolve('closed')));
    const sub = await Promise.race([
      panel.subscribeAsync('gatewatch/v1/hc-001/therm-g1/cmd', { qos: 1 }).then((g) => g.map((x) => x.qos), () => 'rejected' as const),
      panelClosed,
    ]);
    // Not SUBACK 0x80 as the embedded broker answers: 3.10 closes the connection on a denied subscribe too.
    expect(sub).toBe('closed');
  });
});

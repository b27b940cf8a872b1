/**
 * The 3-node RabbitMQ harness (test/support/rabbitmq.ts) proves itself, and
 * pins the 3.10 behaviour issue 19's workers will build on
 * (deploy/cluster/README.md): three real Debian RabbitMQ 3.10 nodes join one
 * cluster; an MQTT publish on node 1 reaches an AMQP consumer on node 3
 * through a quorum queue; `mqtt.durable_queue_type = quorum` gives a durable
 * MQTT subscriber a quorum queue; an alternate exchange set by policy on
 * amq.topic catches what no binding takes; a single-active-consumer quorum
 * queue feeds one consumer and hands over when it goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import mqtt, { type MqttClient } from 'mqtt';
import { runningNodes, startRabbitCluster, type RabbitCluster, type RabbitNode } from '../support/rabbitmq.js';
import { eventually } from '../support/service.js';

let cluster: RabbitCluster;
let n1: RabbitNode;
let n2: RabbitNode;
let n3: RabbitNode;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  cluster = await startRabbitCluster(3, { config: ['mqtt.durable_queue_type = quorum'] });
  [n1, n2, n3] = cluster.nodes as [RabbitNode, RabbitNode, RabbitNode];
  // The measured start time, for deploy/cluster/README.md (a line, not an assertion).
  console.log(`3-node RabbitMQ cluster up in ${cluster.startMs} ms (nodes alone, side by side: ${cluster.nodes.map((n) => n.startMs).join(' / ')} ms)`);
}, 300_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await cluster?.dispose();
}, 90_000);

async function amqpOn(node: RabbitNode): Promise<{ conn: ChannelModel; ch: Channel }> {
  const conn = await amqp.connect(node.amqpUrl);
  closers.push(() => conn.close());
  return { conn, ch: await conn.createChannel() };
}

async function mqttOn(node: RabbitNode, clientId: string, clean = true): Promise<MqttClient> {
  const client = await mqtt.connectAsync(node.mqttUrl, {
    username: cluster.admin.user, password: cluster.admin.password, clientId, clean, protocolVersion: 4, reconnectPeriod: 0,
  });
  closers.push(() => client.endAsync(true));
  return client;
}

async function queueTypes(node: RabbitNode): Promise<Array<{ name: string; type: string }>> {
  return JSON.parse(await node.ctl(['list_queues', 'name', 'type', '--formatter', 'json'])) as Array<{ name: string; type: string }>;
}

describe('3-node RabbitMQ cluster harness', () => {
  it('has three running nodes, as every node sees it', async () => {
    const names = ['gw-r1@localhost', 'gw-r2@localhost', 'gw-r3@localhost'];
    expect(cluster.nodes.map((n) => n.name)).toEqual(names);
    for (const node of cluster.nodes) expect((await runningNodes(node)).sort()).toEqual(names);
  });

  it('carries an MQTT publish on node 1 to an AMQP consumer on node 3 through a quorum queue', async () => {
    const { ch } = await amqpOn(n3);
    const queue = 'gw.partition.smoke';
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    // MQTT topic levels become routing-key words: gatewatch/v1/hc-001/therm-g1/temperature → gatewatch.v1.hc-001.therm-g1.temperature.
    await ch.bindQueue(queue, 'amq.topic', 'gatewatch.v1.hc-001.#');
    const got = new Promise<{ routingKey: string; body: string }>((resolve) => {
      void ch.consume(queue, (msg) => {
        if (!msg) return;
        ch.ack(msg);
        resolve({ routingKey: msg.fields.routingKey, body: msg.content.toString() });
      });
    });
    const client = await mqttOn(n1, 'smoke-pub');
    await client.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', '{"seq":1}', { qos: 1 });
    expect(await got).toEqual({ routingKey: 'gatewatch.v1.hc-001.therm-g1.temperature', body: '{"seq":1}' });
    expect(await queueTypes(n3)).toContainEqual({ name: queue, type: 'quorum' });
  });

  it('gives a clean-session=false QoS 1 MQTT subscriber a quorum queue (mqtt.durable_queue_type), a clean one a classic queue', async () => {
    const durable = await mqttOn(n2, 'durable-sub', false);
    await durable.subscribeAsync('gatewatch/v1/hc-001/+/cmd', { qos: 1 });
    const clean = await mqttOn(n3, 'clean-sub', true);
    await clean.subscribeAsync('gatewatch/v1/hc-001/+/cmd', { qos: 1 });
    const types = await queueTypes(n1);
    expect(types).toContainEqual({ name: 'mqtt-subscription-durable-subqos1', type: 'quorum' });
    expect(types).toContainEqual({ name: 'mqtt-subscription-clean-subqos1', type: 'classic' });
    const got = new Promise<string>((resolve) => durable.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)));
    const pub = await mqttOn(n1, 'cmd-pub');
    await pub.publishAsync('gatewatch/v1/hc-001/therm-g1/cmd', '{"cmd":"ping"}', { qos: 1 });
    expect(await got).toBe('gatewatch/v1/hc-001/therm-g1/cmd {"cmd":"ping"}');
  });

  it('routes what no binding takes to an alternate exchange set by policy on amq.topic', async () => {
    const { ch } = await amqpOn(n2);
    await ch.assertExchange('gw.unrouted', 'fanout', { durable: true });
    await ch.assertQueue('gw.unrouted', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue('gw.unrouted', 'gw.unrouted', '');
    await n1.ctl(['set_policy', '--apply-to', 'exchanges', 'gw-unrouted', '^amq\\.topic$', '{"alternate-exchange":"gw.unrouted"}']);
    const pub = await mqttOn(n1, 'unrouted-pub');
    await pub.publishAsync('gatewatch/v1/hc-999/therm-x/temperature', '{"seq":9}', { qos: 1 });
    const msg = (await eventually(async () => ch.get('gw.unrouted', { noAck: true }), 10_000, 100)) as GetMessage;
    expect({ routingKey: msg.fields.routingKey, body: msg.content.toString() }).toEqual({ routingKey: 'gatewatch.v1.hc-999.therm-x.temperature', body: '{"seq":9}' });
  });

  it('feeds a single-active-consumer quorum queue to one consumer, and to the standby once the active one goes', async () => {
    const queue = 'gw.partition.0';
    const args = { 'x-queue-type': 'quorum', 'x-single-active-consumer': true, 'x-quorum-initial-group-size': 3 };
    const a = await amqpOn(n2);
    const b = await amqpOn(n3);
    await a.ch.assertQueue(queue, { durable: true, arguments: args });
    await b.ch.assertQueue(queue, { durable: true, arguments: args });
    const byConsumer: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const consume = (who: 'a' | 'b', ch: Channel) => ch.consume(queue, (msg) => {
      if (!msg) return;
      byConsumer[who].push(msg.content.toString());
      ch.ack(msg);
    });
    await consume('a', a.ch);
    await consume('b', b.ch);
    const { ch: pubCh } = await amqpOn(n1);
    for (const n of [1, 2, 3]) pubCh.sendToQueue(queue, Buffer.from(`m${n}`), { persistent: true });
    await eventually(() => byConsumer.a.length === 3, 10_000);
    expect(byConsumer).toEqual({ a: ['m1', 'm2', 'm3'], b: [] });
    await a.conn.close();
    for (const n of [4, 5]) pubCh.sendToQueue(queue, Buffer.from(`m${n}`), { persistent: true });
    await eventually(() => byConsumer.b.length === 2, 10_000);
    expect(byConsumer).toEqual({ a: ['m1', 'm2', 'm3'], b: ['m4', 'm5'] });
  });
});

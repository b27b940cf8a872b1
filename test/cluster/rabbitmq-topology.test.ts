/**
 * The partitions' topology on a real RabbitMQ 3.10 node (services/rabbitmq/topology.ts, issue 19): with the
 * MQTT plugin publishing to gatewatch.mqtt, a QoS 1 message of each community lands in its partition's
 * quorum queue (the embedded service's hash: hc-001 in 0, hc-002 in 1 of 2), a message of a community with
 * no binding lands in the unrouted queue (and is still PUBACKed: it is stored, for ingest to dead-letter),
 * an unbound community's next message goes there too, declaring again changes nothing, and a partition
 * queue has one active consumer at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import mqtt, { type MqttClient } from 'mqtt';
import { startRabbitNode, type RabbitCluster, type RabbitNode } from '../support/rabbitmq.js';
import { eventually } from '../support/service.js';
import { bindCommunity, declareTopology, MQTT_EXCHANGE, partitionQueue, topicOfRoutingKey, unbindCommunity, UNROUTED_QUEUE } from '../../services/rabbitmq/topology.js';

let rabbit: RabbitCluster;
let node: RabbitNode;
let conn: ChannelModel;
let ch: Channel;
let device: MqttClient;

beforeAll(async () => {
  rabbit = await startRabbitNode({ config: [`mqtt.exchange = ${MQTT_EXCHANGE}`] });
  node = rabbit.nodes[0]!;
  conn = await amqp.connect(node.amqpUrl);
  ch = await conn.createChannel();
  await declareTopology(ch, 2);
  expect(await bindCommunity(ch, 'hc-001', 2)).toBe(0);
  expect(await bindCommunity(ch, 'hc-002', 2)).toBe(1);
  device = await mqtt.connectAsync(node.mqttUrl, { username: rabbit.admin.user, password: rabbit.admin.password, clientId: 'topology-test', protocolVersion: 4, reconnectPeriod: 0 });
}, 180_000);

afterAll(async () => {
  await device?.endAsync().catch(() => {});
  await conn?.close().catch(() => {});
  await rabbit?.dispose();
}, 60_000);

/**
 * The routing keys of the `count` messages a queue delivers to a consumer (acked), then the consumer is cancelled.
 * Not basic.get: a quorum queue with single active consumer refuses it (RESOURCE_LOCKED).
 */
async function take(queue: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  const { consumerTag } = await ch.consume(queue, (m) => {
    if (!m) return;
    keys.push(m.fields.routingKey);
    ch.ack(m);
  });
  if (count > 0) await eventually(() => keys.length >= count);
  else await new Promise((r) => setTimeout(r, 300));
  await ch.cancel(consumerTag);
  return keys;
}

describe('partition topology on RabbitMQ', () => {
  it("routes each community's messages to its partition's queue and the rest to the unrouted queue", async () => {
    const topics = ['gatewatch/v1/hc-001/therm-g1/temperature', 'gatewatch/v1/hc-002/therm-b1/temperature', 'gatewatch/v1/hc-999/therm-x/temperature', 'elsewhere/x'];
    // QoS 1: each resolves on its PUBACK, which the plugin sends once the queue took the message.
    for (const topic of topics) await device.publishAsync(topic, '{"seq":1}', { qos: 1 });
    expect(await take(partitionQueue(0), 1)).toEqual(['gatewatch.v1.hc-001.therm-g1.temperature']);
    expect(await take(partitionQueue(1), 1)).toEqual(['gatewatch.v1.hc-002.therm-b1.temperature']);
    expect((await take(UNROUTED_QUEUE, 2)).sort()).toEqual(['elsewhere.x', 'gatewatch.v1.hc-999.therm-x.temperature']);
    expect(topicOfRoutingKey('gatewatch.v1.hc-001.therm-g1.temperature')).toBe(topics[0]);
  });

  it('declares again without change, and sends an unbound community to the unrouted queue', async () => {
    await declareTopology(ch, 2);
    await unbindCommunity(ch, 'hc-002', 2);
    await device.publishAsync('gatewatch/v1/hc-002/therm-b1/temperature', '{"seq":2}', { qos: 1 });
    expect(await take(UNROUTED_QUEUE, 1)).toEqual(['gatewatch.v1.hc-002.therm-b1.temperature']);
    expect(await take(partitionQueue(1), 0)).toEqual([]);
  });

  it("feeds a partition's queue to one consumer at a time; the standby takes over when the active one goes", async () => {
    const standbyConn = await amqp.connect(node.amqpUrl);
    const got: Record<string, string[]> = { active: [], standby: [] };
    const consume = async (c: Channel, who: string) =>
      (await c.consume(partitionQueue(0), (m: ConsumeMessage | null) => {
        if (!m) return;
        got[who]!.push(m.content.toString());
        c.ack(m);
      })).consumerTag;
    const active = await conn.createChannel();
    const tag = await consume(active, 'active');
    await consume(await standbyConn.createChannel(), 'standby');
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', '{"seq":3}', { qos: 1 });
    await eventually(() => got.active!.length === 1);
    await active.cancel(tag);
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', '{"seq":4}', { qos: 1 });
    await eventually(() => got.standby!.length === 1);
    expect(got).toEqual({ active: ['{"seq":3}'], standby: ['{"seq":4}'] });
    await standbyConn.close();
  });
});

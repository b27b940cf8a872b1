/**
 * The 3-node RabbitMQ harness (test/support/rabbitmq.ts) proves itself: three
 * real Debian RabbitMQ 3.10 nodes join one cluster, and a message published
 * over MQTT to node 1 reaches an AMQP consumer connected to node 3, through
 * a quorum queue (the queue type issue 19's partition queues use).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import mqtt from 'mqtt';
import { runningNodes, startRabbitCluster, type RabbitCluster } from '../support/rabbitmq.js';

let cluster: RabbitCluster;

beforeAll(async () => {
  cluster = await startRabbitCluster(3);
  // The measured start time, for deploy/cluster/README.md (one line, not an assertion).
  console.log(`3-node RabbitMQ cluster up in ${cluster.startMs} ms (nodes alone: ${cluster.nodes.map((n) => n.startMs).join(' / ')} ms)`);
}, 150_000);

afterAll(async () => {
  await cluster?.dispose();
}, 60_000);

describe('3-node RabbitMQ cluster harness', () => {
  it('has three running nodes, as every node sees it', async () => {
    const names = ['gw-r1@localhost', 'gw-r2@localhost', 'gw-r3@localhost'];
    expect(cluster.nodes.map((n) => n.name)).toEqual(names);
    for (const node of cluster.nodes) expect((await runningNodes(node)).sort()).toEqual(names);
  });

  it('carries an MQTT publish on node 1 to an AMQP consumer on node 3 through a quorum queue', async () => {
    const [n1, , n3] = cluster.nodes as [(typeof cluster.nodes)[0], unknown, (typeof cluster.nodes)[0]];
    const conn = await amqp.connect(n3.amqpUrl);
    try {
      const ch = await conn.createChannel();
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
      const client = await mqtt.connectAsync(n1.mqttUrl, {
        username: cluster.admin.user, password: cluster.admin.password, clientId: 'smoke-pub', protocolVersion: 4, reconnectPeriod: 0,
      });
      try {
        await client.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', '{"seq":1}', { qos: 1 });
      } finally {
        await client.endAsync();
      }
      expect(await got).toEqual({ routingKey: 'gatewatch.v1.hc-001.therm-g1.temperature', body: '{"seq":1}' });
      const queues = await n3.ctl(['list_queues', 'name', 'type', '--formatter', 'json']);
      expect(JSON.parse(queues)).toContainEqual({ name: queue, type: 'quorum' });
    } finally {
      await conn.close();
    }
  });
});

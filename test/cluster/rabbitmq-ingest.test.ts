/**
 * Device messages through RabbitMQ into partitions (issue 19, services/rabbitmq/intake.ts): a real RabbitMQ
 * 3.10 node (MQTT plugin publishing to gatewatch.mqtt) and gatewatch with GW_RABBITMQ_AMQP_URL, once with
 * GW_PARTITIONS=2 (each partition's thread) and once with 1 (the main thread, over gatewatch.sqlite). Each partition's thread binds its communities and consumes its queue: QoS 1 readings
 * PUBACKed by RabbitMQ are journaled in their community's partition file, a fever raises its alarm, a
 * message of a community nobody binds is dead-lettered by partition 0 (from the unrouted queue), and what
 * RabbitMQ acknowledged while gatewatch was stopped is journaled, once, after it starts again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDb } from '../support/sqlite.js';
import mqtt, { type MqttClient } from 'mqtt';
import { startRabbitNode, type RabbitCluster, type RabbitNode } from '../support/rabbitmq.js';
import { eventually, startTestService, OTHER_COMMUNITY, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { MQTT_EXCHANGE } from '../../services/rabbitmq/topology.js';
import { partitionFile } from '../../services/store/partitioning.js';

for (const partitions of [2, 1]) suite(partitions);

function suite(partitions: number): void {
  let rabbit: RabbitCluster;
  let node: RabbitNode;
  let svc: TestService | undefined;
  let device: MqttClient;
  const dir = mkdtempSync(join(tmpdir(), `gw-rabbit-ingest-${partitions}-`));
  const env = () => ({ GW_PARTITIONS: String(partitions), GW_RABBITMQ_AMQP_URL: node.amqpUrl });
  /** Partition k's file, or with one partition the one database. */
  const fileOf = (k: number) => (partitions === 1 ? join(dir, 'gatewatch.sqlite') : partitionFile(dir, k));

  beforeAll(async () => {
    rabbit = await startRabbitNode({ config: [`mqtt.exchange = ${MQTT_EXCHANGE}`] });
    node = rabbit.nodes[0]!;
    // The test registry is applied after start; its communities are bound by the next start's binding pass.
    svc = await startTestService(env(), dir);
    await svc.stop();
    svc = await startTestService(env(), dir);
    // A device of the RabbitMQ cluster (internal user here; the HTTP auth backend is rabbitmq-auth-e2e's subject).
    device = await mqtt.connectAsync(node.mqttUrl, { username: rabbit.admin.user, password: rabbit.admin.password, clientId: 'ingest-test', protocolVersion: 4, reconnectPeriod: 0 });
  }, 180_000);

  afterAll(async () => {
    await device?.endAsync().catch(() => {});
    await svc?.stop();
    await rabbit?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const reading = (seq: number, temperatureC = 36.6) =>
    JSON.stringify({ seq, ts: new Date(Date.now() - 60_000).toISOString(), gateId: 'g1', temperatureC, subject: 'resident', personRef: 'p-0e0e0e' });
  const count = (k: number, sql: string) => {
    return readDb(fileOf(k), (db) => db.prepare(sql).pluck().get() as number);
  };

  describe(`device messages through RabbitMQ, GW_PARTITIONS=${partitions}`, () => {
    it("journals each community's readings in its partition and raises the fever alarm", async () => {
      for (let seq = 1; seq <= 5; seq++) await device.publishAsync(`gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`, reading(seq), { qos: 1 });
      await device.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, reading(1, 38.8), { qos: 1 });
      const other = partitions === 1 ? 0 : 1;
      await eventually(() => count(0, "SELECT COUNT(*) FROM readings WHERE device_id = 'therm-g1'") === 5 && count(other, "SELECT COUNT(*) FROM readings WHERE device_id = 'therm-b1'") === 1, 10_000);
      expect(count(0, 'SELECT COUNT(*) FROM readings')).toBe(partitions === 1 ? 6 : 5);
      expect(count(other, 'SELECT COUNT(*) FROM readings')).toBe(partitions === 1 ? 6 : 1);
      const alarms = await eventually(async () => {
        const items = (await svc!.api('GET', '/api/v1/alarms')).json.items as { communityId: string; rule: string }[];
        return items.length ? items : undefined;
      });
      expect(alarms.map((a) => [a.communityId, a.rule])).toEqual([[OTHER_COMMUNITY, 'fever']]);
    });

    it("dead-letters in partition 0 a message of a community nobody binds", async () => {
      await device.publishAsync('gatewatch/v1/hc-999/therm-x/temperature', reading(1), { qos: 1 });
      await eventually(() => count(0, 'SELECT COUNT(*) FROM dead_letters') === 1, 10_000);
      expect(count(0, "SELECT COUNT(*) FROM readings WHERE community_id = 'hc-999'")).toBe(0);
      if (partitions === 2) expect(count(1, 'SELECT COUNT(*) FROM dead_letters')).toBe(0);
      const row = readDb(fileOf(0), (db) => db.prepare('SELECT client_id AS clientId, topic, code FROM dead_letters').get());
      expect(row).toEqual({ clientId: 'rabbitmq:therm-x', topic: 'gatewatch/v1/hc-999/therm-x/temperature', code: 'TOPIC_UNROUTED' });
    });

    it('journals, once, what RabbitMQ acknowledged while gatewatch was stopped', async () => {
      await svc!.stop();
      svc = undefined;
      for (let seq = 6; seq <= 25; seq++) await device.publishAsync(`gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`, reading(seq), { qos: 1 });
      // Sent again (a device that resends after a reconnect): absorbed by (device, seq).
      await device.publishAsync(`gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`, reading(25), { qos: 1 });
      svc = await startTestService(env(), dir);
      await eventually(() => count(0, "SELECT COUNT(*) FROM readings WHERE device_id = 'therm-g1'") === 25, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(count(0, "SELECT COUNT(*) FROM readings WHERE device_id = 'therm-g1'")).toBe(25);
      expect(count(0, "SELECT COUNT(DISTINCT seq) FROM readings WHERE device_id = 'therm-g1'")).toBe(25);
    });
  });
}

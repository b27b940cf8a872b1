/**
 * Partitions on RabbitMQ (issue 19): where the MQTT plugin's messages go. The plugin publishes each device
 * message to one topic exchange (`mqtt.exchange = gatewatch.mqtt` in rabbitmq.conf) with the MQTT topic as
 * routing key, `/` turned into `.`. Each community's key pattern is bound to its partition's quorum queue
 * (the same hash as the embedded service, domain/partitions.ts), consumed by one worker at a time (single
 * active consumer: a standby takes over when it goes). What no binding takes goes to the alternate
 * exchange and its queue, so that ingest dead-letters it with its reason: without one, the plugin's
 * publisher confirm for an unrouted message would PUBACK a message nobody stores.
 *
 * Everything here is idempotent (assert, bind): run it at every worker start and at every community added.
 */
import type { Channel } from 'amqplib';
import { partitionOf } from '../domain/partitions.js';

export const MQTT_EXCHANGE = 'gatewatch.mqtt';
export const UNROUTED_EXCHANGE = 'gatewatch.unrouted';
export const UNROUTED_QUEUE = 'gatewatch.unrouted';

export const partitionQueue = (partition: number): string => `gatewatch.partition.${partition}`;

/** The routing-key pattern of a community's device messages: gatewatch.v1.<community>.<device>.<kind>. */
export const communityPattern = (communityId: string): string => `gatewatch.v1.${communityId}.#`;

/** The MQTT topic of a routing key the plugin made from it (community and device ids have no dots). */
export const topicOfRoutingKey = (routingKey: string): string => routingKey.replaceAll('.', '/');

const QUORUM = { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true } } as const;

/** The exchanges, the partitions' queues and the unrouted queue. */
export async function declareTopology(channel: Channel, partitions: number): Promise<void> {
  await channel.assertExchange(UNROUTED_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(UNROUTED_QUEUE, QUORUM);
  await channel.bindQueue(UNROUTED_QUEUE, UNROUTED_EXCHANGE, '');
  await channel.assertExchange(MQTT_EXCHANGE, 'topic', { durable: true, alternateExchange: UNROUTED_EXCHANGE });
  for (let k = 0; k < partitions; k++) await channel.assertQueue(partitionQueue(k), QUORUM);
}

/** Binds a community's messages to its partition's queue: the binding and the partition map move together. */
export async function bindCommunity(channel: Channel, communityId: string, partitions: number): Promise<number> {
  const partition = partitionOf(communityId, partitions);
  await channel.bindQueue(partitionQueue(partition), MQTT_EXCHANGE, communityPattern(communityId));
  return partition;
}

/** A community removed: its devices' messages go to the unrouted queue from now on. */
export async function unbindCommunity(channel: Channel, communityId: string, partitions: number): Promise<void> {
  await channel.unbindQueue(partitionQueue(partitionOf(communityId, partitions)), MQTT_EXCHANGE, communityPattern(communityId));
}

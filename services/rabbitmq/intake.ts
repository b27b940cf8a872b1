/**
 * Device messages from RabbitMQ (issue 19, `GW_RABBITMQ_AMQP_URL`): the MQTT plugin stores each message in its
 * community's partition queue (topology.ts) and PUBACKs it; this consumer takes a partition's queue (partition 0
 * also the unrouted queue, whose messages ingest dead-letters) into that partition's ingest, one transaction per
 * batch, and acks the broker only after the batch committed. So what RabbitMQ acknowledged to a device is
 * either still in its queue or journaled: a worker that dies leaves its unacked messages to be delivered again
 * (the (device, seq) de-duplication absorbs those it had committed), and the queue's single active consumer
 * is then the standby.
 *
 * A batch that fails (a locked database, a full disk) is not acked or requeued: it is processed again from
 * memory after a backoff (50 ms doubling to 2 s), before anything newer, so batches commit in order.
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import { createBackoff } from '../processors/backoff.js';
import { bindCommunity, declareTopology, partitionQueue, topicOfRoutingKey, UNROUTED_QUEUE } from './topology.js';

export interface RabbitmqIntakeDeps {
  url: string;
  partition: number;
  partitions: number;
  /** One batch in one transaction; throws when nothing of it committed. */
  process: (messages: ReceivedMessage[]) => void;
  /** False while the processors lag beyond their bound (ingest.ts backlogged): batches wait. */
  mayProcess?: () => boolean;
  /** This partition's communities, bound to its queue at start and every `bindEveryMs`. */
  communities: () => readonly string[];
  maxBatch: number;
  logger: Logger;
  bindEveryMs?: number;
}

export interface RabbitmqIntake {
  /** Messages delivered and not yet acked (processing or waiting). */
  waiting(): number;
  close(): Promise<void>;
}

const WAIT_FOR_PROCESSORS_MS = 2;

/** A delivery as ingest takes it: the topic from the routing key, the client as the device of the topic. */
export function toReceived(m: ConsumeMessage, now: number, unrouted: boolean): ReceivedMessage {
  const topic = topicOfRoutingKey(m.fields.routingKey);
  const qos = Number(m.properties.headers?.['x-mqtt-publish-qos'] ?? 1);
  return { receivedAt: now, clientId: `rabbitmq:${topic.split('/')[3] ?? ''}`, topic, payload: m.content, qos, ...(unrouted && { unrouted }) };
}

export async function startRabbitmqIntake(deps: RabbitmqIntakeDeps): Promise<RabbitmqIntake> {
  const log = deps.logger.child({ component: 'rabbitmq-intake', partition: deps.partition });
  const conn: ChannelModel = await amqp.connect(deps.url);
  let channel: Channel;
  try {
    channel = await conn.createChannel();
    await declareTopology(channel, deps.partitions);
  } catch (err) {
    await conn.close().catch(() => {});
    throw err;
  }
  const bind = async () => {
    for (const id of deps.communities()) await bindCommunity(channel, id, deps.partitions);
  };
  await bind();
  const rebind = setInterval(() => void bind().catch((err: unknown) => log.error({ err }, 'binding communities failed')), deps.bindEveryMs ?? 60_000);
  rebind.unref();
  // Enough in flight for a batch to fill while the last one commits.
  await channel.prefetch(2 * deps.maxBatch);

  /** Delivered, not acked yet, in delivery order; `unrouted`: from the unrouted queue. */
  let pending: { m: ConsumeMessage; unrouted: boolean }[] = [];
  let scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined;
  // The broker hand-over's wait (broker/handover.ts DEFAULT_RETRY): 50 ms doubling to 2 s.
  const backoff = createBackoff({ first: 50, max: 2_000 });
  let closed = false;
  const schedule = (ms = 0) => {
    if (scheduled !== undefined || closed) return;
    scheduled = ms === 0 ? setImmediate(flush) : setTimeout(flush, ms);
  };
  function flush(): void {
    scheduled = undefined;
    if (pending.length === 0 || closed) return;
    if (deps.mayProcess && !deps.mayProcess()) return schedule(WAIT_FOR_PROCESSORS_MS);
    const batch = pending.slice(0, deps.maxBatch);
    try {
      const now = Date.now();
      deps.process(batch.map((d) => toReceived(d.m, now, d.unrouted)));
    } catch (err) {
      const retryInMs = backoff.next();
      log.warn({ err, messages: batch.length, retryInMs }, 'batch from RabbitMQ not committed: not acked, processed again after a backoff');
      schedule(retryInMs);
      return;
    }
    backoff.reset();
    pending = pending.slice(batch.length);
    // One channel, delivery tags in order: acking the last acks the whole batch and nothing after it.
    channel.ack(batch[batch.length - 1]!.m, true);
    if (pending.length > 0) schedule();
  }
  const onMessage = (unrouted: boolean) => (m: ConsumeMessage | null) => {
    if (!m) return log.error('RabbitMQ cancelled the consumer (queue deleted?)');
    pending.push({ m, unrouted });
    schedule();
  };
  const tags = [(await channel.consume(partitionQueue(deps.partition), onMessage(false))).consumerTag];
  if (deps.partition === 0) tags.push((await channel.consume(UNROUTED_QUEUE, onMessage(true))).consumerTag);
  conn.on('error', (err: unknown) => log.error({ err }, 'RabbitMQ connection failed'));
  log.info({ queue: partitionQueue(deps.partition) }, 'consuming device messages from RabbitMQ');

  return {
    waiting: () => pending.length,
    async close() {
      clearInterval(rebind);
      for (const tag of tags) await channel.cancel(tag).catch(() => {});
      // What is delivered and not committed yet is committed now if it can be; the rest RabbitMQ delivers again.
      if (scheduled !== undefined) {
        clearTimeout(scheduled as NodeJS.Timeout);
        clearImmediate(scheduled as NodeJS.Immediate);
        scheduled = undefined;
      }
      while (pending.length > 0) {
        const before = pending.length;
        flush();
        if (pending.length === before) break;
      }
      closed = true;
      await conn.close().catch(() => {});
    },
  };
}

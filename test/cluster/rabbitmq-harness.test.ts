/**
 * The RabbitMQ harness never skips: a node that cannot start is an error
 * naming the node and carrying RabbitMQ's own words, and a node that is too
 * slow fails at the bound.
 */
import { describe, expect, it } from 'vitest';
import { startRabbitNode } from '../support/rabbitmq.js';

describe('RabbitMQ harness failures', () => {
  it('rejects with the node name and the config error when the node refuses its configuration', async () => {
    // 3.10's MQTT plugin knows classic and quorum only.
    const start = startRabbitNode({ config: ['mqtt.durable_queue_type = stream'] });
    await expect(start).rejects.toThrow(/RabbitMQ node gw-r1@localhost exited with \d+[\s\S]*durable_queue_type/);
  }, 60_000);

  it('rejects at the start bound when the listeners do not open in time', async () => {
    const start = startRabbitNode({ startTimeoutMs: 1_000 });
    await expect(start).rejects.toThrow('RabbitMQ node gw-r1@localhost did not open AMQP');
  }, 60_000);
});

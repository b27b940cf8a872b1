/**
 * Where the broker hands device messages: one handover (handover.ts) to the main thread, or, with
 * partitions, one per partition over that partition's port, each message to its community's
 * partition (domain/partitions.ts). A partition's batches, retries and backoff are its own: a
 * partition whose file is locked or full holds only its own devices' PUBACKs.
 */
import type { MessagePort } from 'node:worker_threads';
import { partitionOfTopic } from '../domain/partitions.js';
import { createHandover, type Handover } from './handover.js';
import type { BrokerThreadInit, FromPartition, ToPartition, WireMessage } from './thread-protocol.js';

export type Intake = Pick<Handover, 'append' | 'waiting' | 'close'>;

export function createIntake(init: Pick<BrokerThreadInit, 'maxBatch' | 'partitionPorts'>, toMain: (batch: number, messages: WireMessage[]) => void): Intake & { settled: Handover['settled'] } {
  const ports = init.partitionPorts ?? [];
  if (ports.length === 0) return createHandover({ maxBatch: init.maxBatch, send: toMain });
  const handovers = ports.map((port) => partitionHandover(port, init.maxBatch));
  return {
    append(clientId, topic, payload, qos, done) {
      handovers[partitionOfTopic(topic, handovers.length)]!.append(clientId, topic, payload, qos, done);
    },
    waiting: () => handovers.reduce((n, h) => n + h.waiting(), 0),
    close() {
      for (const h of handovers) h.close();
      for (const port of ports) port.close();
    },
    // Partitions answer on their own ports; the main thread has no batches to answer.
    settled: () => {},
  };
}

function partitionHandover(port: MessagePort, maxBatch: number): Handover {
  const handover = createHandover({ maxBatch, send: (batch, messages) => port.postMessage({ t: 'batch', batch, messages } satisfies ToPartition) });
  port.on('message', (m: FromPartition) => handover.settled(m.batch, m.error, m.retry));
  return handover;
}

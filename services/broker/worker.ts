/**
 * The broker thread: aedes, its listeners, device authentication, ACLs,
 * limits and sessions run here, on their own event loop and core, while the
 * main thread runs ingest (journal, rules, alarms), the API and the sinks.
 *
 * A device message is handed to the main thread in batches (one per turn of
 * this loop), or with partitions to its community's partition thread
 * (intake.ts); its packet completes (QoS 1: PUBACK) only when that thread
 * answers that the batch committed. Presence writes and events go to the main
 * thread too, which owns every write to SQLite but the presence reset at
 * start; this thread reads the registry through its own connection (WAL:
 * readers never wait for the writer).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { openDatabase } from '../store/db.js';
import { createRegistryRepo } from '../store/registry-repo.js';
import { createPresenceRepo, type PresenceRepo } from '../store/presence-repo.js';
import { createLogger } from '../observability/logger.js';
import { registerHeapMetrics } from '../observability/heap.js';
import { createBroker, type Broker, type BrokerDeps } from './broker.js';
import { createIntake } from './intake.js';
import type { BrokerThreadInit, Call, CallResult, FromWorker, PresenceEvent, ToWorker } from './thread-protocol.js';

const port = parentPort!;
const init = workerData as BrokerThreadInit;
const send = (m: FromWorker) => port.postMessage(m);

/** Presence reads (and the reset at start) on this thread's connection; writes on the main thread's. */
function remotePresence(local: PresenceRepo): PresenceRepo {
  return {
    ...local,
    connected: (deviceId, at) => send({ t: 'presence', write: { op: 'connected', deviceId, at } }),
    disconnected: (deviceId, at, reason, lastSeenAt) => send({ t: 'presence', write: { op: 'disconnected', deviceId, at, reason, lastSeenAt } }),
    saveLastSeen: (entries) => {
      if (entries.length) send({ t: 'presence', write: { op: 'saveLastSeen', entries } });
    },
  };
}

async function answer(broker: Broker, metrics: Registry, call: Call): Promise<CallResult> {
  switch (call.op) {
    case 'presenceOf':
      return call.deviceIds.map((id) => broker.presenceOf(id));
    case 'disconnectDevice':
      return broker.disconnectDevice(call.deviceId, call.reason);
    case 'metrics':
      return metrics.metrics();
    case 'close':
      // Waits (bounded) for the batches in flight to be answered and their PUBACKs written, then closes the connections.
      await broker.close();
      handover.close();
      db.close();
      return null;
  }
}

const logger = createLogger(init.logLevel).child({ thread: 'broker' });
const db = openDatabase(init.dbPath);
const handover = createIntake(init, (batch, messages) => send({ t: 'batch', batch, messages }));
const metricsRegistry = new Registry();
registerHeapMetrics(metricsRegistry, 'broker');

try {
  const broker = await createBroker({
    registry: createRegistryRepo(db),
    intake: handover,
    presence: remotePresence(createPresenceRepo(db)),
    // The broker emits only device.presence.
    bus: { emit: ((_event: string, presence: PresenceEvent) => send({ t: 'event', presence })) as BrokerDeps['bus']['emit'] },
    metricsRegistry,
    logger,
    limits: init.limits,
    serviceAccounts: init.serviceAccounts,
    onDenied: (code) => send({ t: 'denied', code }),
    // Four full batches waiting (two being committed, two more) is a backlog; a batch waiting a few hundred ms
    // behind periodic work is not (counting that shed QoS 0 at 9,000/s; two batches' worth, above 12,000/s).
    intakeBacklogged: () => handover.waiting() > 4 * init.maxBatch,
  });
  port.on('message', (m: ToWorker) => {
    if (m.t === 'committed') return handover.settled(m.batch, m.error, m.retry);
    answer(broker, metricsRegistry, m.call).then(
      (result) => send({ t: 'reply', id: m.id, result }),
      (err: unknown) => send({ t: 'reply', id: m.id, error: (err as Error).message }),
    );
  });
  const addresses = await broker.listen(init.listen);
  send({ t: 'listening', addresses });
} catch (err) {
  const { code, port: failedPort, address } = err as NodeJS.ErrnoException & { port?: number; address?: string };
  send({ t: 'failed', error: (err as Error).message, code, port: failedPort, address });
}

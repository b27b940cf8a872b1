/**
 * The main thread's handle on the broker thread (worker.ts): starts it,
 * processes the batches of device messages it hands over (ingest, one
 * transaction per batch) and answers each with committed or failed, writes
 * presence, re-emits presence events on the bus, and forwards the API's
 * calls (presence, disconnect) and the /metrics scrape.
 *
 * Why a thread: broker work (MQTT parsing, authentication, ACLs, limits,
 * PUBACK writes) and ingest (validation, journal, rules, alarms, outboxes)
 * shared one event loop and one core; now each has its own.
 */
import { Worker } from 'node:worker_threads';
import type { EventBus } from '../events.js';
import type { Logger } from '../observability/logger.js';
import { HEAP_BOUND, youngGenerationMb } from '../observability/heap.js';
import type { PresenceRepo } from '../store/presence-repo.js';
import { isInfrastructureError } from '../store/errors.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import { createCommitter } from './committer.js';
import { threadEntry, threadExecArgv } from '../lifecycle/thread-entry.js';
import type { ListenAddresses } from './listeners.js';
import type { DisconnectReason, Presence } from './sessions.js';
import type { BrokerThreadInit, Call, CallResult, FromWorker, PresenceWrite, ToWorker } from './thread-protocol.js';

export interface BrokerThreadDeps {
  init: BrokerThreadInit;
  /** Processes one batch in one transaction; throws when nothing of it was committed. */
  process: (messages: ReceivedMessage[]) => void;
  /**
   * False while what was journaled waits for its processors beyond a bound (ingest.ts `backlogged`): queued
   * batches then wait (their PUBACKs with them, and the broker sheds QoS 0 on its backlog signal), so the journal
   * never runs ahead of the alarms by more than the bound.
   */
  mayProcess?: () => boolean;
  presence: PresenceRepo;
  bus: EventBus;
  logger: Logger;
  onDenied?: (code: string) => void;
  /** The thread ended on its own (a crash): MQTT is down. main.ts exits so that the supervisor restarts the service. */
  onDied?: (code: number) => void;
}

export interface BrokerThread {
  addresses: ListenAddresses;
  isOpen(): boolean;
  /** Live presence of each device, in the order asked. */
  presenceOf(deviceIds: readonly string[]): Promise<Presence[]>;
  /** Closes every live connection of a device; resolves to how many. */
  disconnectDevice(deviceId: string, reason: DisconnectReason): Promise<number>;
  /** The broker's Prometheus metrics (text format). */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

const PRESENCE_RETRY_MS = 250;
const PRESENCE_BACKLOG_MAX = 10_000;

function applyPresence(repo: PresenceRepo, w: PresenceWrite): void {
  if (w.op === 'connected') repo.connected(w.deviceId, w.at);
  else if (w.op === 'disconnected') repo.disconnected(w.deviceId, w.at, w.reason, w.lastSeenAt);
  else repo.saveLastSeen(w.entries);
}

export async function startBrokerThread(deps: BrokerThreadDeps): Promise<BrokerThread> {
  const log = deps.logger.child({ component: 'broker-thread' });
  const execArgv = threadExecArgv();
  const entry = threadEntry(import.meta.url, 'worker');
  // A bounded heap, not one sized from the machine's memory (observability/heap.ts; the node flags of npm start and
  // the image set the same and take precedence). Beyond it the thread ends (ERR_WORKER_OUT_OF_MEMORY) like any crash,
  // and main.ts exits for the supervisor to restart the service.
  const resourceLimits = { maxOldGenerationSizeMb: HEAP_BOUND.oldMb, maxYoungGenerationSizeMb: youngGenerationMb(HEAP_BOUND) };
  // Partition ports move to the thread (structured clone cannot copy a port).
  const worker = new Worker(entry.code, { eval: entry.eval, workerData: deps.init, execArgv, resourceLimits, transferList: deps.init.partitionPorts });
  const post = (m: ToWorker) => worker.postMessage(m);
  const calls = new Map<number, { resolve: (r: CallResult | undefined) => void; reject: (e: Error) => void }>();
  let nextCall = 1;
  let open = false;
  let exited = false;
  let closing = false;

  const committer = createCommitter({ process: deps.process, mayProcess: deps.mayProcess, answer: post, logger: log });

  /**
   * Presence writes that met a busy or failing database (this thread waits only briefly for another
   * connection's lock), applied again in order, before any newer one, every PRESENCE_RETRY_MS. Bounded: beyond
   * PRESENCE_BACKLOG_MAX the oldest go (presence is also rebuilt from the live connections).
   */
  const presenceBacklog: PresenceWrite[] = [];
  let presenceTimer: NodeJS.Timeout | undefined;
  function writePresence(w: PresenceWrite): void {
    if (presenceBacklog.length > 0) return backlogPresence(w);
    try {
      applyPresence(deps.presence, w);
    } catch (err) {
      if (isInfrastructureError(err)) return backlogPresence(w);
      log.error({ err, op: w.op }, 'presence write failed');
    }
  }
  function backlogPresence(w: PresenceWrite): void {
    if (presenceBacklog.push(w) > PRESENCE_BACKLOG_MAX) presenceBacklog.shift();
    if (!presenceTimer) presenceTimer = setTimeout(retryPresence, PRESENCE_RETRY_MS);
  }
  function retryPresence(): void {
    presenceTimer = undefined;
    while (presenceBacklog.length > 0) {
      try {
        applyPresence(deps.presence, presenceBacklog[0]!);
      } catch (err) {
        if (isInfrastructureError(err)) {
          presenceTimer = setTimeout(retryPresence, PRESENCE_RETRY_MS);
          return;
        }
        log.error({ err, op: presenceBacklog[0]!.op }, 'presence write failed');
      }
      presenceBacklog.shift();
    }
  }

  const listening = new Promise<ListenAddresses>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      switch (m.t) {
        case 'batch':
          return committer.onBatch(m.batch, m.messages);
        case 'presence':
          return writePresence(m.write);
        case 'event':
          return deps.bus.emit('device.presence', m.presence);
        case 'denied':
          return deps.onDenied?.(m.code);
        case 'reply': {
          const call = calls.get(m.id);
          calls.delete(m.id);
          return m.error === undefined ? call?.resolve(m.result) : call?.reject(new Error(m.error));
        }
        case 'listening':
          open = true;
          return resolve(m.addresses);
        case 'failed':
          return reject(Object.assign(new Error(`mqtt broker failed to start: ${m.error}`), { code: m.code, port: m.port, address: m.address }));
      }
    });
    worker.on('error', (err) => {
      log.error({ err }, 'mqtt broker thread failed');
      reject(err);
    });
    worker.on('exit', (code) => {
      const died = open && !closing;
      exited = true;
      open = false;
      if (died) {
        log.fatal({ code }, 'mqtt broker thread died: MQTT is down');
        deps.onDied?.(code);
      }
      for (const c of calls.values()) c.reject(new Error(`mqtt broker thread exited (${code})`));
      calls.clear();
      reject(new Error(`mqtt broker thread exited (${code}) before listening`));
    });
  });

  function call(c: Call): Promise<CallResult | undefined> {
    if (exited) return Promise.reject(new Error('mqtt broker thread is not running'));
    const id = nextCall++;
    return new Promise((resolve, reject) => {
      calls.set(id, { resolve, reject });
      post({ t: 'call', id, call: c });
    });
  }

  let addresses: ListenAddresses;
  try {
    addresses = await listening;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  log.info({ port: addresses.tcp.port }, 'mqtt broker thread listening');

  return {
    addresses,
    isOpen: () => open,
    presenceOf: async (deviceIds) => (deviceIds.length ? ((await call({ op: 'presenceOf', deviceIds: [...deviceIds] })) as Presence[]) : []),
    disconnectDevice: async (deviceId, reason) => (await call({ op: 'disconnectDevice', deviceId, reason })) as number,
    metrics: async () => (await call({ op: 'metrics' })) as string,
    async close() {
      if (exited) return;
      closing = true;
      open = false;
      // The thread closes aedes (batches it sends meanwhile are still processed here), then answers.
      await call({ op: 'close' });
      await worker.terminate();
      // The last presence writes (the disconnects of the close) that met a lock: once more, then given up.
      clearTimeout(presenceTimer);
      retryPresence();
      clearTimeout(presenceTimer);
    },
  };
}

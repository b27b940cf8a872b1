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
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { EventBus } from '../events.js';
import type { Logger } from '../observability/logger.js';
import { HEAP_BOUND, youngGenerationMb } from '../observability/heap.js';
import type { PresenceRepo } from '../store/presence-repo.js';
import { isBusyError, isInfrastructureError } from '../store/errors.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import type { ListenAddresses } from './listeners.js';
import type { DisconnectReason, Presence } from './sessions.js';
import type { BrokerThreadInit, Call, CallResult, FromWorker, PresenceWrite, ToWorker } from './thread-protocol.js';


/** How often queued batches look again whether the processors caught up. */
const PROCESSORS_WAIT_MS = 2;

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

/**
 * How the thread is started. Compiled (dist/, the image: this file is thread.js) it loads worker.js with
 * plain node. From source (npm start, tests: tsx) worker threads do not inherit tsx's loader: the thread
 * registers it, then loads worker.ts. tsx is a devDependency, absent from the image: it is resolved only here.
 */
function workerEntry(): { code: URL | string; eval: boolean } {
  if (import.meta.url.endsWith('.js')) return { code: new URL('./worker.js', import.meta.url), eval: false };
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  return { code: `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, eval: true };
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
  // Profiling flags follow the service into the thread (bench --profile); nothing else of the parent's.
  const execArgv = process.execArgv.filter((a) => a.startsWith('--cpu-prof'));
  const entry = workerEntry();
  // A bounded heap, not one sized from the machine's memory (observability/heap.ts; the node flags of npm start and
  // the image set the same and take precedence). Beyond it the thread ends (ERR_WORKER_OUT_OF_MEMORY) like any crash,
  // and main.ts exits for the supervisor to restart the service.
  const resourceLimits = { maxOldGenerationSizeMb: HEAP_BOUND.oldMb, maxYoungGenerationSizeMb: youngGenerationMb(HEAP_BOUND) };
  const worker = new Worker(entry.code, { eval: entry.eval, workerData: deps.init, execArgv, resourceLimits });
  const post = (m: ToWorker) => worker.postMessage(m);
  const calls = new Map<number, { resolve: (r: CallResult | undefined) => void; reject: (e: Error) => void }>();
  let nextCall = 1;
  let open = false;
  let exited = false;
  let closing = false;

  /**
   * Batches are queued here and processed from setImmediate, not inside the
   * 'message' handler: Node delivers up to 1,000 port messages per wake-up,
   * and a batch answered there was followed by the next one within the same
   * wake-up, so timers and sockets of this thread (webhooks, InfluxDB, HTTP)
   * waited for seconds. Batches queued together commit together.
   */
  let queued: { batch: number; messages: ReceivedMessage[] }[] = [];
  function onBatch(batch: number, messages: ReceivedMessage[]): void {
    if (queued.push({ batch, messages }) === 1) setImmediate(processQueued);
  }
  /**
   * After a batch failed for the infrastructure's sake, the lowest number of the failed batches: batches numbered
   * after it are answered "retry" unprocessed until it commits, so that batches sent before the broker learnt of
   * the failure do not commit ahead of it (handover.ts sends the failed ones again, in order).
   */
  let heldAfter: number | undefined;
  /** Waiting for the processors to catch up: queued batches are looked at again shortly. */
  let waitingForProcessors: NodeJS.Timeout | undefined;
  function processQueued(): void {
    if (deps.mayProcess && !deps.mayProcess()) {
      waitingForProcessors ??= setTimeout(() => {
        waitingForProcessors = undefined;
        processQueued();
      }, PROCESSORS_WAIT_MS);
      return;
    }
    const all = queued;
    queued = [];
    const held = heldAfter === undefined ? [] : all.filter((b) => b.batch > heldAfter!);
    const batches = held.length === 0 ? all : all.filter((b) => b.batch <= heldAfter!);
    for (const { batch } of held) post({ t: 'committed', batch, error: 'held back behind a failed batch', retry: true });
    if (batches.length === 0) return;
    const messages = batches.length === 1 ? batches[0]!.messages : batches.flatMap((b) => b.messages);
    let error: string | undefined;
    let retry = false;
    try {
      deps.process(messages);
    } catch (err) {
      error = (err as Error).message;
      retry = isInfrastructureError(err);
      if (retry) {
        const lowest = Math.min(...batches.map((b) => b.batch));
        heldAfter = Math.min(heldAfter ?? lowest, lowest);
        // Busy is expected while another connection writes (the CLI, a backup): a warning; storage failures are errors.
        const code = (err as { code?: string }).code;
        const fields = { code, error, messages: messages.length };
        if (isBusyError(err)) log.warn(fields, 'ingest batch not committed (database busy): not acknowledged, sent again after a backoff');
        else log.error(fields, 'ingest batch not committed (storage failure): not acknowledged, sent again after a backoff');
      } else {
        log.error({ err, messages: messages.length }, 'ingest batch failed: not acknowledged, devices resend');
      }
    }
    // Answered for good (committed, or failed and not to be sent again): nothing is held behind it any more.
    if (!retry) heldAfter = undefined;
    for (const { batch } of batches) post(error === undefined ? { t: 'committed', batch } : { t: 'committed', batch, error, retry });
  }

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
          return onBatch(m.batch, m.messages.map((w) => ({ ...w, payload: Buffer.from(w.payload.buffer, w.payload.byteOffset, w.payload.byteLength) })));
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

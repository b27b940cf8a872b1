/**
 * The main thread's handle on the partitions' threads (worker.ts): starts one per partition, each with its
 * port to the broker thread; forwards calls (an operator's alarm action to the partition that owns the
 * alarm, a backfill split or broadcast across partitions, metrics) and re-emits the partitions' alarm
 * events on the main thread's bus (the live feed).
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../observability/logger.js';
import { HEAP_BOUND, youngGenerationMb } from '../observability/heap.js';
import { threadEntry, threadExecArgv } from '../lifecycle/thread-entry.js';
import type { EventBus } from '../events.js';
import type { StoreConfig } from './components.js';
import type { FromPartitionThread, PartitionCall, PartitionInit, PartitionResults, ToPartitionThread } from './protocol.js';

export interface PartitionsDeps {
  count: number;
  /** Partition k's file (store/partitioning.ts partitionFile). */
  partitionPaths: readonly string[];
  sharedPath: string;
  startup: StoreConfig;
  logger: Logger;
  bus: EventBus;
  /** A partition's thread ended on its own: its devices get no PUBACKs. main.ts exits for the supervisor. */
  onDied?: (partition: number, code: number) => void;
}

export interface PartitionThreads {
  count: number;
  /** The broker thread's ends of the partitions' ports, in partition order (transferred to it once). */
  brokerPorts: MessagePort[];
  call<K extends PartitionCall['op']>(partition: number, call: Extract<PartitionCall, { op: K }>): Promise<PartitionResults[K]>;
  /** The same call to every partition, answers in partition order. */
  all<K extends PartitionCall['op']>(call: Extract<PartitionCall, { op: K }>): Promise<PartitionResults[K][]>;
  /** The storage problem of the first partition that has one (/readyz). */
  storageProblem(): { partition: number; code: string; since: string } | null;
  /** Stops every partition (after the broker: their last batches are committed and answered first). */
  close(): Promise<void>;
}

class PartitionCallError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

interface Handle {
  worker: Worker;
  calls: Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>;
  exited: boolean;
  problem: { code: string; since: string } | null;
}

export async function startPartitionThreads(deps: PartitionsDeps): Promise<PartitionThreads> {
  const log = deps.logger.child({ component: 'partitions' });
  const entry = threadEntry(import.meta.url, 'worker');
  const execArgv = threadExecArgv();
  const resourceLimits = { maxOldGenerationSizeMb: HEAP_BOUND.oldMb, maxYoungGenerationSizeMb: youngGenerationMb(HEAP_BOUND) };
  const brokerPorts: MessagePort[] = [];
  const handles: Handle[] = [];
  let nextCall = 1;
  let closing = false;

  const starts = Array.from({ length: deps.count }, (_, index) => {
    const channel = new MessageChannel();
    brokerPorts.push(channel.port1);
    const init: PartitionInit = {
      index, count: deps.count, partitionPath: deps.partitionPaths[index]!, sharedPath: deps.sharedPath, startup: deps.startup, logLevel: deps.logger.level, brokerPort: channel.port2,
    };
    const worker = new Worker(entry.code, { eval: entry.eval, workerData: init, transferList: [channel.port2], execArgv, resourceLimits });
    const handle: Handle = { worker, calls: new Map(), exited: false, problem: null };
    handles.push(handle);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromPartitionThread) => {
        switch (m.t) {
          case 'ready':
            ready = true;
            return resolve();
          case 'failed':
            return reject(new Error(`partition ${index} failed to start: ${m.error}`));
          case 'event':
            return deps.bus.emit(m.event, m.alarm);
          case 'storage':
            handle.problem = m.problem;
            return;
          case 'reply': {
            const c = handle.calls.get(m.id);
            handle.calls.delete(m.id);
            return m.error === undefined ? c?.resolve(m.result) : c?.reject(new PartitionCallError(m.error, m.code));
          }
        }
      });
      worker.on('error', (err) => {
        log.error({ err, partition: index }, 'partition thread failed');
        reject(err);
      });
      worker.on('exit', (code) => {
        handle.exited = true;
        for (const c of handle.calls.values()) c.reject(new Error(`partition ${index} thread exited (${code})`));
        handle.calls.clear();
        if (ready && !closing) {
          log.fatal({ code, partition: index }, "a partition's thread died: its devices get no PUBACKs");
          deps.onDied?.(index, code);
        }
        reject(new Error(`partition ${index} thread exited (${code}) before it was ready`));
      });
    });
  });

  function call<K extends PartitionCall['op']>(partition: number, c: Extract<PartitionCall, { op: K }>): Promise<PartitionResults[K]> {
    const handle = handles[partition];
    if (!handle || handle.exited) return Promise.reject(new Error(`partition ${partition} is not running`));
    const id = nextCall++;
    return new Promise((resolve, reject) => {
      handle.calls.set(id, { resolve: resolve as (r: unknown) => void, reject });
      handle.worker.postMessage({ t: 'call', id, call: c } satisfies ToPartitionThread);
    });
  }

  async function close(): Promise<void> {
    closing = true;
    await Promise.all(
      handles.map(async (h, k) => {
        if (h.exited) return;
        try {
          await call(k, { op: 'close' });
        } catch (err) {
          log.error({ err, partition: k }, 'partition did not stop cleanly');
        }
        await h.worker.terminate();
      }),
    );
  }

  try {
    await Promise.all(starts);
  } catch (err) {
    closing = true;
    await Promise.all(handles.map((h) => h.worker.terminate()));
    throw err;
  }
  log.info({ partitions: deps.count }, 'partition threads ready');
  return {
    count: deps.count,
    brokerPorts,
    call,
    all: (c) => Promise.all(handles.map((_, k) => call(k, c))),
    storageProblem() {
      const k = handles.findIndex((h) => h.problem !== null);
      return k < 0 ? null : { partition: k, ...handles[k]!.problem! };
    },
    close,
  };
}

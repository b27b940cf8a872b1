/**
 * A partition's thread (issue 18): the composition root of one partition, the single writer of its own
 * SQLite file (store/partitioning.ts). It commits the broker thread's batches for its communities (over
 * its own port: a PUBACK waits for this partition's commit only), runs the rules processor over its
 * journal, the facts, retention, the alarm webhook and the InfluxDB projection of its data, and answers
 * the main thread's calls (an operator's alarm action, a backfill's part, metrics). The registry is read
 * from the shared file over a second connection; this thread never writes it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge } from 'prom-client';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, type Db } from '../store/db.js';
import { openPartitionDatabase } from '../store/partitioning.js';
import { createRepositories } from '../store/repositories.js';
import { createRegistryRepo, type RegistryRepo } from '../store/registry-repo.js';
import { partitionOf } from '../domain/partitions.js';
import { createStorageHealth } from '../store/errors.js';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { registerHeapMetrics } from '../observability/heap.js';
import { startInOrder, type Component } from '../lifecycle/start.js';
import { EventBus, InCommit } from '../events.js';
import { createInspectionsService } from '../inspections/service.js';
import type { Ingest } from '../ingest/ingest.js';
import { applyAlarmAction } from '../alarms/actions.js';
import { createCommitter } from '../broker/committer.js';
import type { FromPartition, ToPartition } from '../broker/thread-protocol.js';
import { committing, influxComponent, ingestComponent, rabbitmqIntakeComponent, webhooksComponent, type StoreContext } from './components.js';
import type { FromPartitionThread, PartitionCall, PartitionInit, ToPartitionThread } from './protocol.js';

const port = parentPort!;
const init = workerData as PartitionInit;
const send = (m: FromPartitionThread) => port.postMessage(m);
const logger = createLogger(init.logLevel).child({ thread: 'partition', partition: init.index });
// The process's default metrics are the main thread's; each series here is labelled with its partition.
const metrics = createMetrics(false);
metrics.registry.setDefaultLabels({ partition: String(init.index) });
registerHeapMetrics(metrics.registry, 'partition');
// The longest this thread's loop was blocked since the last scrape: how long a batch of its devices could wait.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
new Gauge({
  name: 'gatewatch_partition_eventloop_lag_max_seconds', help: "Longest event-loop delay of a partition's thread since the last scrape", registers: [metrics.registry],
  collect() {
    this.set(loopDelay.max / 1e9);
    loopDelay.reset();
  },
});
const bus = new EventBus(logger);
for (const event of ['alarm.created', 'alarm.updated'] as const) bus.on(event, (alarm) => send({ t: 'event', event, alarm }));

let db!: Db;
let shared!: Db;
let ingest!: Ingest;
const inCommit = new InCommit(() => db.inTransaction);
const ctx = { startup: init.startup, logger, metrics, bus, inCommit } as StoreContext;
const storage = createStorageHealth();
let lastProblem: string | null = null;
/** One batch into this partition's ingest, its storage state reported to the main thread (/readyz). */
const commit = committing(() => ingest, storage, () => reportStorage());
function reportStorage(): void {
  const problem = storage.problem();
  const key = problem ? `${problem.code}|${problem.since}` : null;
  if (key !== lastProblem) send({ t: 'storage', problem });
  lastProblem = key;
}

const components: Component[] = [
  {
    name: 'database',
    start: () => {
      db = openPartitionDatabase(init.partitionPath, init.index, { synchronous: init.startup.service.GW_SQLITE_SYNCHRONOUS, autoCheckpoint: false });
      shared = openDatabase(init.sharedPath, { busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS });
      // This partition's tables on its own file; the registry (shared, written by the API) on the shared file.
      ctx.db = db;
      ctx.registryDb = shared;
      ctx.repos = { ...createRepositories(db), registry: ownCommunities(createRegistryRepo(shared)) };
      return () => {
        db.close();
        shared.close();
      };
    },
  },
  {
    // Its checklist sub-scores, for the InfluxDB projection of each recomputed day.
    name: 'inspections',
    start: () => {
      const { audit, registry, inspections, facts } = ctx.repos;
      ctx.inspections = createInspectionsService({
        db, inCommit, rectificationDays: init.startup.service.GW_RECTIFICATION_DAYS, countyTimeZone: init.startup.rules.defaultTimeZone, audit, registry, inspections, facts,
      });
      return () => {};
    },
  },
  webhooksComponent(ctx, () => ({ alarms: true, announcements: false })),
  influxComponent(ctx, () => ({ readings: true })),
  ingestComponent(ctx, (built) => (ingest = built)),
  {
    name: 'broker-port',
    start: () => {
      const committer = createCommitter({
        process: commit,
        mayProcess: () => !ingest.backlogged(),
        answer: (m) => init.brokerPort.postMessage(m satisfies FromPartition),
        logger,
      });
      init.brokerPort.on('message', (m: ToPartition) => committer.onBatch(m.batch, m.messages));
      return () => init.brokerPort.close();
    },
  },
  rabbitmqIntakeComponent(ctx, { partition: init.index, partitions: init.count, process: commit, mayProcess: () => !ingest.backlogged() }),
];


/**
 * The registry as this partition sees it: every device (a message only ever comes for its own communities,
 * broker/intake.ts), but only its own communities listed, so its ticks, today's facts and silent-device alarms
 * are of its communities alone.
 */
function ownCommunities(registry: RegistryRepo): RegistryRepo {
  const own = (communityId: string) => partitionOf(communityId, init.count) === init.index;
  return {
    ...registry,
    listCommunities: (visible) => registry.listCommunities(visible).filter((c) => own(c.id)),
    devices: (communityId, visible) => registry.devices(communityId, visible).filter((d) => own(d.communityId)),
  };
}

async function answer(call: PartitionCall, stop: () => Promise<void>): Promise<unknown> {
  switch (call.op) {
    case 'alarmAction':
      return applyAlarmAction({ db, alarms: ctx.repos.alarms, audit: ctx.repos.audit, inCommit, now: Date.now }, call.request);
    case 'importLines':
      return ingest.backfill.importLines(call.text, call.actor, call.source);
    case 'readmit':
      return ingest.backfill.readmit(call.selection, call.actor);
    case 'reevaluate':
      return ingest.backfill.reevaluate(call.actor);
    case 'metrics':
      return metrics.registry.getMetricsAsJSON();
    case 'drain':
      ingest.processors.drain();
      return null;
    case 'tick':
      ingest.tick();
      return null;
    case 'runPeriodic':
      ingest.runPeriodic();
      return null;
    case 'close':
      await stop();
      return null;
  }
}

try {
  const started = await startInOrder(components, logger);
  port.on('message', (m: ToPartitionThread) => {
    answer(m.call, () => started.stop()).then(
      (result) => send({ t: 'reply', id: m.id, result: result ?? null }),
      (err: unknown) => send({ t: 'reply', id: m.id, error: (err as Error).message, code: (err as { code?: string }).code }),
    );
  });
  send({ t: 'ready' });
} catch (err) {
  send({ t: 'failed', error: (err as Error).message });
}


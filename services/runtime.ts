/**
 * Composition root: builds every component from the frozen config and wires
 * them. main.ts calls this; integration tests call it too, on free ports.
 */
import { join, relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadServiceConfig, type ServiceConfig } from './config/service-config.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, type Db } from './store/db.js';
import { startCheckpointer, type CheckpointReport } from './store/checkpointer.js';
import { createStorageHealth } from './store/errors.js';
import { createRepositories, type Repositories } from './store/repositories.js';
import { shadowPartitionTables } from './store/partitioning.js';
import { startInOrder, type Component } from './lifecycle/start.js';
import { loadRegistryFile } from './store/registry-loader.js';
import { createMetrics } from './observability/metrics.js';
import type { Logger } from './observability/logger.js';
import { EventBus, InCommit } from './events.js';
import type { InspectionsService } from './inspections/service.js';
import type { Ingest } from './ingest/ingest.js';
import { loadRulesConfig } from './config/rules-config.js';
import { parseInfluxConfig, type InfluxConfig } from './influx/index.js';
import type { RulesConfig } from './rules/index.js';
import { committing, ingestComponent, influxComponent, rabbitmqIntakeComponent, webhooksComponent, type StoreContext } from './partitions/components.js';
import { startPartitionThreads, type PartitionThreads } from './partitions/thread.js';
import { aggregateMetrics, partitionCount, openPartitionReads, partitionedIngest, type PartitionReads } from './partitions/main-side.js';
import { startBrokerThread, type BrokerThread } from './broker/thread.js';
import { brokerLimitsFrom, brokerListenFrom } from './broker/settings.js';
import { buildApp } from './api/app.js';
import { createRabbitmqControl, withRabbitmqDisconnect } from './rabbitmq/control.js';
import { createInspectionsService } from './inspections/service.js';

export { StartError } from './lifecycle/start.js';

export interface Runtime {
  db: Db;
  http: FastifyInstance;
  mqttPort: number;
  /** Set when the mqtts / WebSocket listeners are configured. */
  mqttsPort?: number;
  mqttWsPort?: number;
  httpPort: number;
  /** After-commit subscribers (device.presence, alarm.*), for tests and tools (services/events.ts). */
  bus: EventBus;
  /** In-commit participants (InfluxDB, alarm webhook, announcements), for tests and tools (services/events.ts). */
  inCommit: InCommit;
  /** The ingest side, for tests and tools that must run its periodic work now (one partition; with more, `partitions`). */
  ingest: Ingest;
  /** With GW_PARTITIONS > 1: the partitions' threads (calls such as drain, tick, runPeriodic go to each). */
  partitions?: PartitionThreads;
  /** Enabled admin accounts (main.ts asks for the first one when there is none). */
  enabledAdmins(): number;
  stop(): Promise<void>;
}

/** Everything read from the environment at start, parsed and frozen before anything starts. */
export interface StartupConfig {
  service: ServiceConfig;
  rules: RulesConfig;
  /** null: the InfluxDB sink is off. */
  influx: InfluxConfig | null;
}

/** Parses every configuration section; a wrong value throws a ConfigError naming the variable. */
export function loadStartupConfig(env: NodeJS.ProcessEnv): StartupConfig {
  const service = loadServiceConfig(env);
  return { service, rules: loadRulesConfig(service), influx: parseInfluxConfig(env) };
}

/**
 * The main thread's busy_timeout, ms. Long enough for ingest's own commits of another connection (the
 * broker thread's presence reset, the CLI's short writes) to pass, short enough that a 7 s lock held elsewhere
 * never stops the event loop for more than this per attempt.
 */
export const MAIN_BUSY_TIMEOUT_MS = 20;
/** A WAL past this many pages (64 MiB of 4 KiB pages) that a checkpoint pass could not shrink is logged. */
const WAL_WARN_PAGES = 16_384;

export interface RuntimeHooks {
  /** The broker thread died on its own (MQTT is down); main.ts exits so the supervisor restarts the service. */
  onBrokerDied?: (code: number) => void;
}

export async function startRuntime(startup: StartupConfig, logger: Logger, hooks: RuntimeHooks = {}): Promise<Runtime> {
  const config = startup.service;
  const dbPath = join(config.GW_DATA_DIR, 'gatewatch.sqlite');
  const metrics = createMetrics();
  const bus = new EventBus(logger);
  // Whether the last ingest batch failed for a full disk or an I/O error: /readyz says so until one commits.
  const storage = createStorageHealth();
  // Built by the components below, in order; each later one uses what the earlier ones built.
  let db!: Db;
  let repos!: Repositories;
  let inspections!: InspectionsService;
  let ingest!: Ingest;
  let broker!: BrokerThread;
  let http!: FastifyInstance;
  /** How many partitions (store/partitioning.ts); with more than one, their threads and the read connection across them. */
  let partitions = 1;
  let threads: PartitionThreads | undefined;
  let reads: PartitionReads | undefined;
  let readRepos: Repositories | undefined;
  const inCommit = new InCommit(() => db.inTransaction);
  /** One batch into this thread's ingest (one partition), its storage state kept for /readyz. */
  const commitHere = committing(() => ingest, storage);
  // Each in isolation (lifecycle/): a throw in one start stops the ones before it, in reverse;
  // the runtime stops them in reverse of this order, each whatever the others did.
  const ctx = { startup, logger, metrics, bus, inCommit } as StoreContext;
  const components: Component[] = [
    {
      name: 'database',
      start: () => {
        // A short wait for another connection's write lock: the wait blocks this thread, which also answers
        // /healthz, /readyz and the API. A batch that hits the lock is sent again by the broker thread (its
        // backoff does the waiting); an API write answers 503 DATABASE_BUSY (api/errors.ts).
        db = openDatabase(dbPath, { synchronous: config.GW_SQLITE_SYNCHRONOUS, busyTimeoutMs: MAIN_BUSY_TIMEOUT_MS, autoCheckpoint: false });
        try {
          // Every shared repository, built once here and passed down.
          repos = createRepositories(db);
          partitions = partitionCount(db, config.GW_PARTITIONS);
          if (partitions > 1) {
            reads = openPartitionReads(config.GW_DATA_DIR, dbPath, partitions, MAIN_BUSY_TIMEOUT_MS);
            // The API's repositories of partition data read the union of the partitions' files (store/partitioning.ts).
            readRepos = createRepositories(reads.db);
            shadowPartitionTables(reads.db, partitions);
          }
        } catch (err) {
          db.close();
          throw err;
        }
        ctx.db = db;
        ctx.repos = repos;
        return () => {
          reads?.db.close();
          db.close();
        };
      },
    },
    {
      name: 'registry',
      start: async () => {
        if (config.GW_REGISTRY_FILE) {
          const loaded = await loadRegistryFile(config.GW_REGISTRY_FILE, db, repos.registry, Date.now());
          logger.info({ file: config.GW_REGISTRY_FILE, ...loaded }, 'registry file loaded');
        }
        if (config.GW_BOOTSTRAP_ADMIN_TOKEN) repos.tokens.ensure('bootstrap-admin', 'admin', config.GW_BOOTSTRAP_ADMIN_TOKEN, Date.now());
        return () => {};
      },
    },
    {
      name: 'inspections',
      start: () => {
        inspections = createInspectionsService({
          db, readDb: reads?.db, inCommit, rectificationDays: config.GW_RECTIFICATION_DAYS, countyTimeZone: startup.rules.defaultTimeZone,
          audit: repos.audit, registry: repos.registry, inspections: repos.inspections, facts: (readRepos ?? repos).facts,
        });
        ctx.inspections = inspections;
        return () => {};
      },
    },
    // With partitions, alarms (their webhook, their InfluxDB points) and readings are the partitions' (worker.ts).
    webhooksComponent(ctx, () => ({ alarms: !partitioned(), announcements: true })),
    influxComponent(ctx, () => ({ readings: !partitioned() })),
    {
      name: 'ingest',
      start: () => (partitioned() ? startPartitions() : ingestComponent(ctx, (built) => (ingest = built)).start()),
    },
    {
      // After ingest, when every partition's file exists: their writers leave the WAL checkpoints to this thread.
      name: 'checkpointer',
      start: () => {
        const paths = [dbPath, ...(reads?.paths ?? [])];
        const checkpointer = startCheckpointer({
          paths,
          onReports: (reports) => walReports(reports),
          onDied: (code, err) => logger.error({ code, err }, 'SQLite checkpointer thread ended: the WAL files grow until the next start'),
        });
        return () => checkpointer.close();
      },
    },
    // With partitions each partition's thread consumes its own queue (partitions/worker.ts).
    rabbitmqIntakeComponent(ctx, { partition: 0, partitions: 1, process: commitHere, mayProcess: () => !ingest.backlogged(), only: () => !partitioned() }),
    {
      // The broker runs on its own thread (services/broker/thread.ts); its batches are processed here, or with
      // partitions by the partition threads, over ports of their own.
      name: 'broker',
      start: async () => {
        broker = await startBrokerThread({
          init: {
            dbPath, logLevel: logger.level, limits: brokerLimitsFrom(config), listen: brokerListenFrom(config),
            serviceAccounts: config.GW_MQTT_SERVICE_ACCOUNTS, maxBatch: config.GW_INBOX_MAX_BATCH,
            ...(threads && { partitionPorts: threads.brokerPorts }),
          },
          process: commitHere,
          mayProcess: () => !ingest.backlogged(),
          presence: repos.presence, bus, logger,
          onDenied: (code) => metrics.messagesRejected.inc({ code }),
          onDied: hooks.onBrokerDied,
        });
        return () => broker.close();
      },
    },
    {
      name: 'http',
      start: async () => {
        http = await buildHttp();
        try {
          await http.listen({ host: config.GW_HTTP_HOST, port: config.GW_HTTP_PORT });
        } catch (err) {
          // Built but not listening: closing it removes what the app subscribed (the live feed).
          await http.close();
          throw err;
        }
        return () => http.close();
      },
    },
  ];

  const partitioned = () => partitions > 1;
  /** The checkpointer's pass: each file's WAL size as a metric; a failed checkpoint or a WAL past 64 MiB (of 4 KiB pages) logged. */
  function walReports(reports: CheckpointReport[]): void {
    for (const r of reports) {
      const file = relative(config.GW_DATA_DIR, r.path);
      if ('error' in r) {
        logger.warn({ file, error: r.error }, 'SQLite checkpoint failed: tried again next pass');
        continue;
      }
      metrics.walPages.set({ file }, r.walPages);
      if (r.walPages > WAL_WARN_PAGES && r.checkpointedPages < r.walPages) logger.warn({ file, walPages: r.walPages, checkpointed: r.checkpointedPages }, 'SQLite WAL is not shrinking: a reader holds it');
    }
  }
  async function startPartitions(): Promise<() => Promise<void>> {
    threads = await startPartitionThreads({
      count: partitions, partitionPaths: reads!.paths, sharedPath: dbPath, startup, logger, bus,
      onDied: (_partition, code) => hooks.onBrokerDied?.(code),
    });
    return () => threads!.close();
  }

  function buildHttp(): Promise<FastifyInstance> {
    const { tokens, registry, accounts, audit } = repos;
    // Partition data (alarms, dead letters, facts, and what tenancy looks up in them) read across partitions.
    const { alarms, journal, facts, scope } = readRepos ?? repos;
    const routed = threads && partitionedIngest(threads, alarms);
    // Devices on RabbitMQ too: a disable or a rotation closes their connections there as well.
    const management = config.GW_RABBITMQ_MANAGEMENT_URLS;
    const deviceControl = management?.length
      ? withRabbitmqDisconnect(broker, createRabbitmqControl({ urls: management, user: config.GW_RABBITMQ_MANAGEMENT_USER!, password: config.GW_RABBITMQ_MANAGEMENT_PASSWORD! }, logger))
      : broker;
    return buildApp({
      logger, registry: metrics.registry, alarms, journal, tokens, bus, inCommit, metricsPublic: config.GW_METRICS_PUBLIC,
      registryRepo: registry, deviceControl, backfill: routed?.backfill ?? ingest.backfill,
      ...(routed && { alarmActions: routed.alarmActions, auditReads: readRepos!.audit }),
      inspections, db,
      ...(config.GW_RABBITMQ_AUTH === 'on' && { rabbitmqAuth: { serviceAccounts: config.GW_MQTT_SERVICE_ACCOUNTS } }),
      auth: {
        cookieSecure: config.GW_COOKIE_SECURE,
        trustProxy: config.GW_TRUST_PROXY,
        policy: {
          idleMs: config.GW_SESSION_IDLE_MINUTES * 60_000,
          absoluteMs: config.GW_SESSION_MAX_HOURS * 3_600_000,
          maxFailures: config.GW_LOGIN_MAX_FAILURES,
          lockBaseMs: config.GW_LOGIN_LOCK_SECONDS * 1000,
          lockMaxMs: Math.max(15 * 60_000, config.GW_LOGIN_LOCK_SECONDS * 1000),
        },
      },
      facts, accounts, audit, scope,
      readiness: () => {
        const inPartition = threads?.storageProblem();
        const problem = inPartition ?? storage.problem();
        return {
          database: db.open,
          mqtt: broker.isOpen(),
          storage: problem ? { ready: false, reason: `the last ingest write failed: ${problem.code} (since ${problem.since})` } : true,
        };
      },
      extraMetrics: () => broker.metrics(),
      ...(threads && { metricsText: () => aggregateMetrics(metrics.registry, threads!) }),
    });
  }

  const started = await startInOrder(components, logger);
  const httpPort = (http.server.address() as { port: number }).port;
  logger.info({ port: httpPort }, 'http listening');
  const mqttAddress = broker.addresses;
  return {
    enabledAdmins: () => repos.accounts.countEnabledAdmins(),
    db, http, mqttPort: mqttAddress.tcp.port, mqttsPort: mqttAddress.tls?.port, mqttWsPort: mqttAddress.ws?.port, httpPort, bus, inCommit,
    get ingest() {
      if (threads) throw new Error('GW_PARTITIONS > 1: ingest runs in the partition threads (runtime.partitions)');
      return ingest;
    },
    partitions: threads,
    stop: () => {
      // Stopping, the HTTP server closes first and nothing waits on this thread's answers: the final writes
      // (the last batches, facts flushed, outboxes) wait out another connection's lock instead of failing fast.
      if (db.open) db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
      return started.stop();
    },
  };
}
